"""The audit trail's hash chain: any change below the application (raw SQL, triggers disabled)
is found by `kitclinic audit verify`, which names the first broken event."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from kitclinic.audit.chain import GENESIS_HASH, ChainedEvent, event_digest, verify_chain
from kitclinic.audit.models import AuditAction, AuditChainHead, AuditEvent
from kitclinic.audit.services import audit_record

# --- the pure core -----------------------------------------------------------------------


def _chain(n: int) -> list[ChainedEvent]:
    events, previous = [], GENESIS_HASH
    for i in range(1, n + 1):
        content = {"detail": f"event {i}"}
        digest = event_digest(content, previous)
        events.append(ChainedEvent(i, content, previous, digest))
        previous = digest
    return events


def test_an_untouched_chain_is_intact():
    events = _chain(5)
    report = verify_chain("1", events, recorded_head=(5, events[-1].hash))
    assert report.intact and report.events == 5 and report.head_id == 5


def test_a_changed_event_breaks_the_chain_there():
    events = _chain(5)
    events[2] = ChainedEvent(3, {"detail": "forged"}, events[2].previous_hash, events[2].hash)
    report = verify_chain("1", events)
    assert report.broken_at == 3 and "changed after it was written" in report.problem


def test_a_removed_event_breaks_the_chain_at_the_next():
    events = _chain(5)
    del events[1]
    assert verify_chain("1", events).broken_at == 3


def test_a_removed_last_event_is_found_by_the_recorded_head():
    events = _chain(5)
    head = (5, events[-1].hash)
    report = verify_chain("1", events[:-1], recorded_head=head)
    assert not report.intact and "recorded head is event 5" in report.problem


def test_an_inserted_event_breaks_the_chain():
    events = _chain(4)
    forged = ChainedEvent(
        99, {"detail": "x"}, events[1].hash, event_digest({"detail": "x"}, events[1].hash)
    )
    report = verify_chain("1", [*events[:2], forged, *events[2:]])
    assert report.broken_at == 3


# --- against the database ----------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def _write(world, n: int) -> list[AuditEvent]:
    actor = world.actor("physician")
    with transaction.atomic():
        return [
            audit_record(
                actor=actor, action=AuditAction.VIEW, detail=f"read {i}", changes={"a": [1, 2.5]}
            )
            for i in range(n)
        ]


def _verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def _raw(sql: str, params: list) -> None:
    """What a database superuser can do: triggers off, then plain SQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the test's own inserts leave deferred FK checks pending; run them first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER ALL")


@pytestmark_db
def test_events_written_by_the_application_verify(world):
    _write(world, 4)
    code, out = _verify()
    assert code == 0, out
    assert "intact" in out and "BROKEN" not in out
    head = AuditChainHead.objects.get(chain=str(world.clinic.organization_id))
    assert (
        head.last_event_id
        == AuditEvent.objects.filter(organization_id=world.clinic.organization_id).latest("id").pk
    )


@pytestmark_db
def test_an_update_below_the_application_is_found(world):
    events = _write(world, 4)
    _raw("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ["nothing here", events[1].pk])
    code, out = _verify()
    assert code == 1
    assert f"BROKEN at event {events[1].pk}" in out


@pytestmark_db
def test_a_delete_below_the_application_is_found(world):
    events = _write(world, 4)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    code, out = _verify()
    assert code == 1 and f"BROKEN at event {events[2].pk}" in out
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[3].pk])
    assert _verify()[0] == 1


@pytestmark_db
def test_a_rewritten_chain_no_longer_holds_the_exported_head(world):
    events = _write(world, 3)
    out = io.StringIO()
    call_command("audit", "head", stdout=out)
    line = next(
        json.loads(x)
        for x in out.getvalue().splitlines()
        if json.loads(x)["chain"] == str(world.clinic.organization_id)
    )
    exported = f"{line['last_event_id']}:{line['hash']}"
    assert _verify("--expect-head", exported)[0] == 0
    # a superuser changes an event and recomputes every hash after it and the head
    _raw("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ["rewritten", events[0].pk])
    from kitclinic.audit.services import event_content

    previous = GENESIS_HASH
    for event in AuditEvent.objects.filter(organization_id=world.clinic.organization_id).order_by(
        "id"
    ):
        digest = event_digest(event_content(event), previous)
        _raw(
            "UPDATE audit_auditevent SET previous_hash = %s, hash = %s WHERE id = %s",
            [previous, digest, event.pk],
        )
        previous = digest
    AuditChainHead.objects.filter(chain=str(world.clinic.organization_id)).update(
        last_hash=previous
    )
    assert _verify()[0] == 0  # self-consistent again ...
    code, out = _verify("--expect-head", exported)
    assert code == 1 and "not in the chain" in out  # ... but not the chain that was exported


@pytestmark_db
def test_usage_errors_name_the_option(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--organization"):
        call_command("audit", "verify", "--organization", "nope")
    with pytest.raises(CommandError, match="--expect-head"):
        call_command("audit", "verify", "--expect-head", "abc")


@pytestmark_db
def test_a_change_that_fails_after_its_audit_event_leaves_the_chain_as_it_was(world):
    _write(world, 2)
    head = AuditChainHead.objects.get(chain=str(world.clinic.organization_id))
    before = (head.last_event_id, head.last_hash, head.length, AuditEvent.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=world.actor("physician"), action=AuditAction.UPDATE, detail="half")
        raise RuntimeError("the change itself failed")
    head.refresh_from_db()
    assert (head.last_event_id, head.last_hash, head.length, AuditEvent.objects.count()) == before
    assert _verify()[0] == 0
