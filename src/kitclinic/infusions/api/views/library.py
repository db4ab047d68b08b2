"""Drug-library endpoints: the organization's versions, the active one, drafting and approval."""

from __future__ import annotations

from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_library_version
from kitclinic.infusions.api.serializers.fields import EmptyIn
from kitclinic.infusions.api.serializers.library import (
    LibraryApproveIn,
    LibraryDifferenceOut,
    LibraryDraftIn,
    LibrarySendBackIn,
    LibraryVersionDetailOut,
    LibraryVersionOut,
)
from kitclinic.infusions.api.views.common import (
    NOT_FOUND,
    TAG_LIBRARY,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.selectors.library import library_overview, library_review
from kitclinic.infusions.services import library
from kitclinic.lib.api.base import api_schema, validated


class LibraryVersionListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_library_versions_list",
        tag=TAG_LIBRARY,
        summary="The organization's drug-library versions, newest first (without their data)",
        responses={200: LibraryVersionOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        overview = library_overview(self.actor(request))
        return Response(LibraryVersionOut(overview.versions, many=True).data)


class LibraryActiveRetrieveApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="The active (approved) library version with its data",
        responses={200: LibraryVersionDetailOut, **NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        active = library_overview(self.actor(request)).active
        if active is None:
            raise Http404("The organization has no approved drug library.")
        return Response(LibraryVersionDetailOut(active).data)


class LibraryDraftCreateApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="Draft a new library version (clinic admin)",
        description="The data is validated whole; an error names the field path. A physician "
        "other than the editor approves it. Refused while the organization has a draft open "
        "(one draft at a time), naming the open draft.",
        request=LibraryDraftIn,
        responses={201: LibraryVersionDetailOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.LIBRARY_EDIT)
        version = library.library_draft_create(
            actor=actor, **validated(LibraryDraftIn, request.data)
        )
        return created_response(LibraryVersionDetailOut(version).data)


class LibraryApproveApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="Approve a draft, making it the active version (a physician, not its editor)",
        request=LibraryApproveIn,
        responses={200: LibraryVersionOut, **NOT_FOUND},
    )
    def post(self, request: Request, version_id: int) -> Response:
        actor = self.actor(request)
        version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
        data = validated(LibraryApproveIn, request.data)
        version = library.library_approve(
            actor=actor, version=version, reviewed=data.get("reviewed")
        )
        return Response(LibraryVersionOut(version).data)


class LibraryDifferenceRetrieveApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="A draft's difference against the active version (what approving it changes)",
        responses={200: LibraryDifferenceOut, **NOT_FOUND},
    )
    def get(self, request: Request, version_id: int) -> Response:
        actor = self.actor(request)
        version = access_library_version(actor, version_id, Action.PATIENT_VIEW)
        return Response(LibraryDifferenceOut(library_review(actor, version)).data)


class LibrarySendBackApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="Send a draft back to its editor with a reason (a physician); it stays a draft",
        request=LibrarySendBackIn,
        responses={200: LibraryVersionOut, **NOT_FOUND},
    )
    def post(self, request: Request, version_id: int) -> Response:
        actor = self.actor(request)
        version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
        data = validated(LibrarySendBackIn, request.data)
        version = library.library_send_back(actor=actor, version=version, reason=data["reason"])
        return Response(LibraryVersionOut(version).data)


class LibraryDraftDiscardApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="Discard a draft (kept, never changed again; the active version stays)",
        request=EmptyIn,
        responses={200: LibraryVersionOut, **NOT_FOUND},
    )
    def post(self, request: Request, version_id: int) -> Response:
        actor = self.actor(request)
        version = access_library_version(actor, version_id, Action.LIBRARY_EDIT)
        validated(EmptyIn, request.data)
        version = library.library_draft_discard(actor=actor, version=version)
        return Response(LibraryVersionOut(version).data)
