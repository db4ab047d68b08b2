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
    sent_back_reason = serializers.CharField(
        allow_blank=True, help_text="why a physician sent the draft back (empty once edited)"
    )
    discarded_at = serializers.DateTimeField(allow_null=True)


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


class LibraryApproveIn(StrictSerializer):
    reviewed = StrictCharField(
        max_length=64,
        required=False,
        help_text="The fingerprint of the difference reviewed (GET .../difference/); when given, "
        "an approval of a draft edited since is refused",
    )


class LibrarySendBackIn(StrictSerializer):
    reason = StrictCharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="required"
    )


class LibraryChangeOut(serializers.Serializer[Any]):
    what = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class LibraryProtocolRefOut(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField()


class LibraryProtocolChangeOut(serializers.Serializer[Any]):
    protocol = LibraryProtocolRefOut()
    changes = LibraryChangeOut(many=True)


class LibraryDifferenceOut(serializers.Serializer[Any]):
    """A draft against the active version, in the words the review page shows."""

    active = serializers.IntegerField(source="active.pk", allow_null=True, default=None)
    fingerprint = serializers.CharField()
    library_changes = LibraryChangeOut(many=True, source="diff.library_changes")
    added = LibraryProtocolRefOut(many=True, source="diff.added")
    removed = LibraryProtocolRefOut(many=True, source="diff.removed")
    changed = LibraryProtocolChangeOut(many=True, source="diff.changed")
    open_courses_on_removed = serializers.DictField(child=serializers.IntegerField())
