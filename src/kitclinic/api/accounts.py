"""Who am I: the user, their clinic roles, the acting clinic and what its role may do."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.api import serializers as s
from kitclinic.api.base import ApiView, api_schema


class MeApi(ApiView):
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
