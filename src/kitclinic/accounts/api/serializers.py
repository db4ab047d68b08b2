"""Outputs of the accounts API: a staff member as other records name them, and who is asking."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class UserRefOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()


class MembershipOut(serializers.Serializer[Any]):
    clinic = serializers.IntegerField(source="clinic_id")
    clinic_name = serializers.CharField(source="clinic.name")
    organization = serializers.IntegerField(source="clinic.organization_id")
    organization_name = serializers.CharField(source="clinic.organization.name")
    role = serializers.CharField()


class MeUserOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="__str__")


class MeOut(serializers.Serializer[Any]):
    user = MeUserOut()
    memberships = MembershipOut(many=True)
    acting = MembershipOut()
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="Actions the acting role may do."
    )
