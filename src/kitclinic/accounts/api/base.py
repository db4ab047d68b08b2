"""The base of every API operation: it acts for a staff member, authenticated by an API token or
the browser session, with the role that member holds at the acting clinic."""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from kitclinic.accounts.actor import Actor, actor_from_request
from kitclinic.accounts.api.authentication import ApiTokenAuthentication, TokenScopeAllows


# Base of every v1 handler; subclasses define exactly one handler method (one operation). No
# docstring: drf-spectacular would show it as the description of every operation.
class ApiView(APIView):
    # Token first, so that a request without credentials gets 401 with a WWW-Authenticate header
    # (session auth has none and would give 403). A request without a token header still falls
    # through to the session, which keeps CSRF checks on.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    # A token's scope limits its methods on every handler (read-only tokens make no writes).
    permission_classes = [IsAuthenticated, TokenScopeAllows]

    def actor(self, request: Request) -> Actor:
        # The DRF request proxies the Django one; its ``user`` is the session or token user.
        return actor_from_request(request)
