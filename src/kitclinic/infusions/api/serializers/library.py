"""The drug library's versions and a new draft."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.lib.api.base import (
    StrictCharField,
    StrictSerializer,
)


class LibraryVersionOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField(
        help_text="draft, approved (the active one), retired or discarded (a draft given up)"
    )
    change_note = serializers.CharField(allow_blank=True)
    based_on = serializers.IntegerField(source="based_on_id", allow_null=True)
    created_by = UserRefOut(allow_null=True, help_text="null for the shipped default")
    created_at = serializers.DateTimeField()
    approved_by = UserRefOut(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)


# DRF's serializer metaclass takes declared fields off the class, so a field named like an
# attribute every serializer has (``data``, ``label``, ``source``) does not replace it; the stubs
# see plain class attributes.
class LibraryVersionDetailOut(LibraryVersionOut):
    data = serializers.DictField(  # type: ignore[assignment]  # a declared field, see above
        help_text="The whole library (kitclinic.dosing.library_to_dict)"
    )


class LibraryDraftIn(StrictSerializer):
    data = serializers.DictField(  # type: ignore[assignment]  # a declared field, see above
        help_text="The whole library, as in GET library/active/."
    )
    change_note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")
