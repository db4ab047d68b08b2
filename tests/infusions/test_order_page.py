"""What the order page proposes and asks: the protocol's default order until the physician types
one, and a reason for each check-in gate failure even when the typed dose cannot be checked."""

from __future__ import annotations

import pytest

from kitclinic.infusions.selectors.order import order_overview, order_proposal
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.services.sessions.protocol import session_protocol
from tests.infusions.helpers import check_in_data

pytestmark = pytest.mark.django_db


def test_before_anything_is_typed_the_protocols_defaults_are_proposed(session):
    protocol = session_protocol(session)
    assert order_proposal(protocol, None) == {
        "dose": f"{protocol.default_dose.value.normalize():f}",
        "duration_min": f"{protocol.default_duration_min.value.normalize():f}",
        "concentration_mg_per_ml": f"{protocol.concentrations_mg_per_ml[0].value.normalize():f}",
    }


def test_a_typed_field_is_kept_and_an_empty_one_takes_the_default(session):
    protocol = session_protocol(session)
    proposal = order_proposal(protocol, {"dose": "0.4", "duration_min": ""})
    assert proposal["dose"] == "0.4"
    assert proposal["duration_min"] == f"{protocol.default_duration_min.value.normalize():f}"


def test_the_gate_failures_need_reasons_even_when_the_dose_cannot_be_checked(world, session):
    session_check_in(
        actor=world.actor("nurse"), session=session, data=check_in_data(sbp=182, dbp=96)
    )
    session.refresh_from_db()
    checked = order_overview(session, {"dose": "not a dose", "override_gate_sbp_pause": "repeat"})
    assert checked.preview is None and checked.preview_error
    assert checked.gate_findings
    assert checked.soft_codes == [g.code for g in checked.gate_findings]
    assert checked.initial["override_gate_sbp_pause"] == "repeat"
    previewed = order_overview(session, None)
    assert previewed.preview is not None
    assert set(checked.soft_codes) <= set(previewed.soft_codes)
