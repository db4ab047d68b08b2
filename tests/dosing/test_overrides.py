"""The one soft-limit rule (kitclinic.dosing.overrides): hard refuses, soft needs a reason and a
second clinician, whichever step the finding comes from."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kitclinic.dosing.checker import Finding, Severity
from kitclinic.dosing.overrides import review_findings

SOFT = Finding("rate", "rate_above_soft_max", Severity.SOFT, "Rate 0.97 is above 0.75.")
HARD = Finding("rate", "rate_above_hard_max", Severity.HARD, "Rate 2.5 is above 2.0.")
OK = Finding("weight", "weight_within_limits", Severity.OK, "ok", Decimal(80))


def test_within_limits_needs_nothing():
    assert review_findings([OK], reasons={}, actor_id=1, cosigner_id=None) == {}


def test_hard_is_refused_on_its_field_whatever_reasons_are_given():
    errors = review_findings(
        [HARD],
        reasons={"rate_above_hard_max": "clinical need"},
        actor_id=1,
        cosigner_id=2,
        field_of={"rate": "rate_ml_per_h"},
    )
    assert errors == {"rate_ml_per_h": [HARD.message]}


def test_soft_needs_a_reason_and_a_second_clinician():
    errors = review_findings([SOFT], reasons={}, actor_id=1, cosigner_id=None)
    assert set(errors) == {"override_rate_above_soft_max", "cosigner"}
    assert "Give the reason" in errors["override_rate_above_soft_max"][0]
    assert "rate above the soft upper limit" in errors["cosigner"][0]


def test_the_co_signer_cannot_be_the_one_overriding():
    errors = review_findings([SOFT], reasons={SOFT.code: "titrating"}, actor_id=1, cosigner_id=1)
    assert errors == {
        "cosigner": ["The co-signer must be a second clinician, not the one overriding."]
    }


def test_order_defers_the_co_signature_to_the_double_check():
    assert (
        review_findings(
            [SOFT], reasons={SOFT.code: "why"}, actor_id=1, cosigner_id=None, cosign_now=False
        )
        == {}
    )


@given(reason=st.text(max_size=5).filter(lambda t: not t.strip()))
def test_a_blank_reason_is_no_reason(reason):
    errors = review_findings([SOFT], reasons={SOFT.code: reason}, actor_id=1, cosigner_id=2)
    assert list(errors) == ["override_rate_above_soft_max"]
