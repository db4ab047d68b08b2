"""The Django side of the one soft-limit rule: the co-signer must be a clinician of the clinic."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kitclinic.dosing.checker import Finding, Severity
from kitclinic.infusions.services.overrides import cosigner_from_id, soft_limits_review

SOFT = Finding("weight_change", "weight_change_above_soft_max", Severity.SOFT, "Weight changed.")


def test_records_reason_and_co_signer(world):
    nurse = world.users["nurse"]
    record = soft_limits_review(
        actor=world.actor("physician"),
        clinic=world.clinic,
        findings=[SOFT],
        reasons={SOFT.code: " re-weighed twice "},
        cosigner=nurse,
    )
    assert record == {
        SOFT.code: {
            "reason": "re-weighed twice",
            "message": "Weight changed.",
            "cosigned_by": nurse.pk,
            "cosigned_by_name": nurse.get_full_name() or nurse.username,
        }
    }


@pytest.mark.parametrize("persona", ["front_desk", "other_org"])
def test_a_co_signer_who_is_not_a_clinician_here_is_refused(world, persona):
    with pytest.raises(ValidationError) as error:
        soft_limits_review(
            actor=world.actor("physician"),
            clinic=world.clinic,
            findings=[SOFT],
            reasons={SOFT.code: "why"},
            cosigner=world.users[persona],
        )
    assert list(error.value.message_dict) == ["cosigner"]


def test_cosigner_from_id_names_the_field(world):
    assert cosigner_from_id(world.clinic, "") is None
    assert cosigner_from_id(world.clinic, world.users["nurse"].pk) == world.users["nurse"]
    for bad in ("abc", world.users["other_org"].pk, 10**9):
        with pytest.raises(ValidationError) as error:
            cosigner_from_id(world.clinic, bad)
        assert list(error.value.message_dict) == ["cosigner"]
