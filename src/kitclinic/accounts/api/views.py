"""The caller's API tokens: list, create (from a browser session only) and revoke. A clinic admin
may revoke a token of the clinic's staff too. Rules and audit: ``kitclinic.accounts.tokens``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api import serializers as s
from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.models import ApiToken
from kitclinic.accounts.roles import Action
from kitclinic.accounts.token_rules import Scope
from kitclinic.accounts.tokens import (
    access_api_token,
    api_token_create,
    api_token_revoke,
    api_tokens_of,
)
from kitclinic.lib.api.base import (
    LIMIT_PARAMETERS,
    ApiPagination,
    ErrorOut,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
    api_schema,
    paginated,
    validated,
)

TAG = "API tokens"


class ApiTokenOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    user = s.UserRefOut()
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=[x.value for x in Scope])
    prefix = serializers.CharField(help_text="The token's first characters, to tell it apart.")
    created_at = serializers.DateTimeField()
    created_by = s.UserRefOut(allow_null=True)
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = s.UserRefOut(allow_null=True)
    revoke_reason = serializers.CharField()
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="Updated at most once a minute."
    )


class ApiTokenCreatedOut(ApiTokenOut):
    token = serializers.CharField(
        help_text="The token, shown only in this answer: send it as 'Authorization: Bearer …'."
    )


class ApiTokenIn(StrictSerializer):
    name = StrictCharField(max_length=100, help_text="What the token is for.")
    scope = serializers.ChoiceField(choices=[x.value for x in Scope])
    days = StrictIntegerField(
        required=False,
        help_text="Lifetime in days; default KITCLINIC_API_TOKEN_DAYS (90), at most "
        "KITCLINIC_API_TOKEN_MAX_DAYS (365).",
    )


class ApiTokenRevokeIn(StrictSerializer):
    reason = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


PaginatedApiTokenOut = paginated(ApiTokenOut)


class ApiTokenListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Your API tokens, newest first (never their secrets)",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedApiTokenOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(api_tokens_of(actor.user), request, view=self)
        return paginator.get_paginated_response(ApiTokenOut(page, many=True).data)


class ApiTokenCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Create an API token for yourself (from a browser session, not with a token)",
        description="The answer holds the token; it is not shown again.",
        request=ApiTokenIn,
        responses={201: ApiTokenCreatedOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        if isinstance(request.auth, ApiToken):
            # A token minting tokens would outlive its own expiry and revocation.
            raise PermissionDenied(
                "API tokens are created from a signed-in browser session or with "
                "`kitclinic api_token create`, not with another API token."
            )
        data = validated(ApiTokenIn, request.data)
        token, secret = api_token_create(
            user=actor.user,
            name=data["name"],
            scope=data["scope"],
            days=data.get("days", settings.KITCLINIC_API_TOKEN_DAYS),
            actor=actor,
        )
        body = {**ApiTokenOut(token).data, "token": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class ApiTokenRevokeApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Revoke an API token: yours, or (clinic admin) one of your clinic's staff",
        request=ApiTokenRevokeIn,
        responses={
            200: ApiTokenOut,
            404: OpenApiResponse(ErrorOut, description="No such token at your clinic."),
        },
        description="A token already revoked is 400. Another clinic's token is 404.",
    )
    def post(self, request: Request, token_id: int) -> Response:
        actor = self.actor(request)
        token = access_api_token(actor, token_id)
        data = validated(ApiTokenRevokeIn, request.data)
        token = api_token_revoke(token=token, reason=data["reason"], actor=actor)
        return Response(ApiTokenOut(token).data)


class MeRetrieveApi(ApiView):
    @api_schema(
        tag="accounts",
        summary="The current user, their clinic roles, and the acting clinic and role",
        responses={200: s.MeOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        me = {
            "user": actor.user,
            "memberships": list(actor.available),
            "acting": actor.membership,
            "actions": [a.value for a in Action if actor.may(a)],
        }
        return Response(s.MeOut(me).data)
