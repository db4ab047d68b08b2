"""The controlled-substance API: every endpoint × every persona from PERMISSIONS, refusals that
name the field and write nothing, and another clinic's lot or session being invisible."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.substances.services import dispensing
from tests.support.clients import api_client
from tests.support.personas import ROLES
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

PERSONAS = [r.value for r in Role] + ["other_org"]
BASE = "/api/v1/substances/"


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    action: Action
    uses_lot: bool = False  # the body names this clinic's lot: 404 for another organization

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


OPS = [
    Op("get", "lots/", Action.SUBSTANCE_LOG_VIEW),
    Op("get", "entries/", Action.SUBSTANCE_LOG_VIEW),
    Op("post", "receipts/", Action.SUBSTANCE_RECEIVE),
    Op("post", "dispenses/", Action.SUBSTANCE_DISPENSE, uses_lot=True),
    Op("post", "wastes/", Action.SUBSTANCE_DISPENSE, uses_lot=True),
]


def _body(op: Op, world, lot, sess, persona: str) -> dict | None:
    witness = world.users["nurse" if persona == "physician" else "physician"].pk
    return {
        "receipts/": {
            "strength_mg_per_ml": "50",
            "vial_volume_ml": "10",
            "vials": 2,
            "supplier": "Example Pharma Supply",
            "lot_number": "API-1",
            "expiry_date": "2030-01-31",
        },
        "dispenses/": {"lot": lot.pk, "quantity_mg": "35.5", "session": sess.pk},
        "wastes/": {
            "lot": lot.pk,
            "quantity_mg": "14.5",
            "witness": witness,
            "reason": "Remainder of the syringe",
            "session": sess.pk,
        },
    }.get(op.path)


def _expected(op: Op, persona: str) -> int:
    role = Role.PHYSICIAN if persona == "other_org" else Role(persona)
    if role not in PERMISSIONS[op.action]:
        return 403
    if persona == "other_org" and op.uses_lot:
        return 404
    return 200 if op.method == "get" else 201


def test_every_substance_api_route_is_in_the_matrix():
    from kitclinic.substances.api.urls import urlpatterns

    routes = {
        (m, str(p.pattern))
        for p in urlpatterns
        for m in ("get", "post")
        if hasattr(p.callback.cls, m)
    }
    assert routes == {(op.method, op.path) for op in OPS}


@pytest.mark.parametrize(("persona", "op"), list(itertools.product(PERSONAS, OPS)), ids=str)
def test_persona_gets_the_status_the_matrix_gives(world, lot, sess, persona, op):
    before = row_counts()
    client = api_client(world, persona)
    body = _body(op, world, lot, sess, persona)
    response = getattr(client, op.method)(BASE + op.path, body, format="json")
    expected = _expected(op, persona)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert "detail" in response.json()
        assert row_counts() == before
    elif op.method == "post":
        assert row_counts() != before


def test_lots_list_balances_and_entries_filter(world, lot, sess):
    dispensing.substance_dispense(
        actor=world.actor("nurse"), lot=lot, quantity_mg=Decimal("35"), session=sess
    )
    client = api_client(world, "auditor")
    [row] = client.get(BASE + "lots/").json()
    assert (row["lot_number"], row["balance_mg"], row["balance_vials"]) == (
        "KX-1001",
        "965.000",
        "1.93",
    )
    assert row["schedule"] == "III"
    page = client.get(BASE + "entries/", {"kind": "dispense"}).json()
    assert page["count"] == 1
    entry = page["results"][0]
    assert (entry["change_mg"], entry["session"]) == ("-35.000", sess.pk)
    assert client.get(BASE + "entries/", {"kind": "nonsense"}).status_code == 400
    assert api_client(world, "other_org").get(BASE + "lots/").json() == []


@pytest.mark.parametrize(
    ("path", "changes", "field"),
    [
        ("wastes/", {"witness": None}, "witness"),
        ("wastes/", {"witness": "SELF"}, "witness"),
        ("wastes/", {"witness": 999_999}, "witness"),
        ("wastes/", {"quantity_mg": "0"}, "quantity_mg"),
        ("dispenses/", {"quantity_mg": "-1"}, "quantity_mg"),
        ("dispenses/", {"quantity_mg": "1000.5"}, "quantity_mg"),
        ("dispenses/", {"quantity_mg": "1.0001"}, "quantity_mg"),
        ("dispenses/", {"session": 999_999}, "session"),
        ("dispenses/", {"extra": 1}, "extra"),
        ("receipts/", {"vials": 0}, "vials"),
        ("receipts/", {"expiry_date": "2020-01-01"}, "expiry_date"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    world, lot, sess, path, changes, field
):
    client = api_client(world, "nurse")
    body = _body(Op("post", path, Action.SUBSTANCE_DISPENSE), world, lot, sess, "nurse")
    body.update({k: (world.users["nurse"].pk if v == "SELF" else v) for k, v in changes.items()})
    before = row_counts()
    response = client.post(BASE + path, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert row_counts() == before


def test_another_clinics_lot_is_404_for_every_role_that_may_dispense(world, lot, sess):
    from tests.factories import MembershipFactory

    # A nurse of the other organization's clinic, and this clinic's lot id.
    outsider = world.users["other_org"]
    MembershipFactory(clinic=world.other_clinic, role="nurse")
    before = row_counts()
    response = api_client(world, "other_org").post(
        BASE + "dispenses/", {"lot": lot.pk, "quantity_mg": "5", "session": sess.pk}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No such lot."}
    assert outsider.pk != world.users["nurse"].pk
    assert row_counts() == before


@pytest.mark.parametrize("op", OPS, ids=str)
def test_the_role_only_at_another_clinic_cannot_touch_this_clinics_lot(world, lot, sess, op):
    """A role that may do the action, held at Southside only: Northside's lot is refused (403,
    nothing written); lists and receipts are the acting clinic's own (Southside's)."""
    role = next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[op.action])
    persona = world.elsewhere(role)
    before = row_counts()
    body = _body(op, world, lot, sess, role.value)
    response = getattr(api_client(world, persona), op.method)(BASE + op.path, body, format="json")
    if op.uses_lot:
        assert response.status_code == 403, response.content
        assert "no role at Northside" in response.json()["detail"]
        assert row_counts() == before
    else:
        assert response.status_code == (200 if op.method == "get" else 201), response.content
    if op.path == "lots/":
        assert response.json() == []  # Southside keeps no lots
