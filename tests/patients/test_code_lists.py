"""An organization's qualifying ICD-10-CM code lists: publishing a version (audited, validated,
numbered per organization and indication), the version in force, and the decisions that use it."""

from __future__ import annotations

import json
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kitclinic.audit.append_only import AppendOnlyError
from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.intake import DEFAULT_CODE_LISTS, Indication
from kitclinic.patients import services
from kitclinic.patients.models import IndicationCodeList
from kitclinic.patients.selectors import code_list_in_force, code_lists_in_force
from tests.patients.helpers import ELIGIBLE_RATIONALE, clear_screen

pytestmark = pytest.mark.django_db

CHRONIC_PTSD_ONLY = [
    {
        "code": "f43.12",
        "label": "Post-traumatic stress disorder, chronic",
        "source": "ICD-10-CM FY2026; clinic policy 2026-12",
    }
]


def _counts() -> tuple[int, int]:
    return IndicationCodeList.objects.count(), AuditEvent.objects.count()


def _publish(world, entries=CHRONIC_PTSD_ONLY, indication="ptsd", persona="physician", **kw):
    return services.indication_code_list_publish(
        actor=world.actor(persona),
        indication=indication,
        entries=entries,
        reason=kw.pop("reason", "Chronic PTSD only, per the clinic's protocol review."),
        **kw,
    )


def _refused(write, field: str, match: str) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        write()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert match in " ".join(caught.value.message_dict[field]), caught.value.message_dict
    assert _counts() == before


def test_publishing_stores_the_next_version_canonically_and_audits_it(world):
    row = _publish(world)
    assert (row.indication, row.version, row.organization_id) == (
        "ptsd",
        2,
        world.clinic.organization_id,
    )
    assert row.entries == [{**CHRONIC_PTSD_ONLY[0], "code": "F43.12"}]
    assert (row.published_by, row.reason) == (
        world.users["physician"],
        "Chronic PTSD only, per the clinic's protocol review.",
    )
    event = AuditEvent.objects.get(object_type="patients.indicationcodelist")
    assert (event.action, event.actor, event.object_id) == (
        AuditAction.CREATE,
        world.users["physician"],
        str(row.pk),
    )
    assert event.changes["version"] == [1, 2]
    assert event.changes["entries"] == [DEFAULT_CODE_LISTS[Indication.PTSD].as_json(), row.entries]
    assert "ptsd qualifying diagnoses v2" in event.detail


def test_the_highest_version_is_in_force_for_its_organization_and_indication_only(world):
    assert code_list_in_force(world.clinic.organization_id, "ptsd").version == 1
    _publish(world)
    third = _publish(
        world, entries=[{"code": "F43.1", "source": "ICD-10-CM FY2026"}], reason="Back to all PTSD."
    )
    assert third.version == 3
    in_force = code_list_in_force(world.clinic.organization_id, "ptsd")
    assert (in_force.version, in_force.codes_text) == (3, "F43.1")
    assert code_list_in_force(world.clinic.organization_id, "anxiety").version == 1
    assert code_list_in_force(world.other_clinic.organization_id, "ptsd").version == 1


def test_all_lists_in_force_come_in_one_query(world):
    _publish(world)
    _publish(world, entries=[{"code": "F43.10", "source": "x"}, {"code": "F43.12", "source": "x"}])
    _publish(world, indication="anxiety", entries=[{"code": "F41.1", "source": "GAD only"}])
    with CaptureQueriesContext(connection) as ctx:
        lists = code_lists_in_force(world.clinic.organization_id)
    assert len(ctx.captured_queries) == 1
    assert {i.value: (cl.version, cl.codes_text) for i, cl in lists.items()} == {
        "depression": (1, "F32-F33"),
        "ptsd": (3, "F43.10, F43.12"),
        "anxiety": (2, "F41.1"),
        "chronic_pain": (1, "G89.0, G89.2, G89.3, G89.4, M79.7, G90.5"),
    }


def test_the_default_can_be_published_again_to_go_back_to_it(world):
    _publish(world)
    back = _publish(world, entries=DEFAULT_CODE_LISTS[Indication.PTSD].as_json(), reason="Revert.")
    assert back.version == 3
    assert code_list_in_force(world.clinic.organization_id, "ptsd").as_json() == (
        DEFAULT_CODE_LISTS[Indication.PTSD].as_json()
    )


def test_decisions_use_the_list_in_force_and_keep_the_version_they_used(world, patient):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    services.diagnosis_add(actor=nurse, patient=patient, icd10_code="F43.11", description="acute")
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    under_default = services.eligibility_decide(
        actor=physician,
        patient=patient,
        indication="ptsd",
        outcome="eligible",
        rationale=ELIGIBLE_RATIONALE,
    )
    assert (under_default.code_list_version, under_default.qualifying_code) == (1, "F43.11")
    _publish(world)  # chronic PTSD only: F43.11 no longer qualifies
    under_v2 = services.eligibility_decide(
        actor=physician, patient=patient, indication="ptsd", outcome="not_eligible"
    )
    assert (under_v2.computed_outcome, under_v2.code_list_version) == ("not_eligible", 2)
    assert under_v2.qualifying_code == ""
    assert (
        "no qualifying diagnosis for PTSD under list v2 (qualifying: F43.12; on file: F43.11)"
        in (under_v2.reasons[0]["text"])
    )
    under_default.refresh_from_db()
    assert under_default.code_list_version == 1


def test_a_published_version_is_never_changed(world):
    row = _publish(world)
    row.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        IndicationCodeList.objects.filter(pk=row.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        row.delete()


@pytest.mark.parametrize("persona", ["nurse", "front_desk", "clinic_admin", "auditor"])
def test_only_physicians_publish(world, persona):
    before = _counts()
    with pytest.raises(
        PermissionDenied,
        match="may not: publish the organization's list of qualifying diagnosis codes",
    ):
        _publish(world, persona=persona)
    assert _counts() == before


@pytest.mark.parametrize(
    ("entries", "match"),
    [
        ([], "at least one entry"),
        ([{"code": "PTSD", "source": "x"}], "entry 1: 'PTSD' is not an ICD-10-CM code"),
        ([{"code": "F43.12"}], "entry 1: 'F43.12': give the source"),
        ([{"code": "F43.12", "source": "x"}, {"code": "F43.12", "source": "y"}], "twice"),
        ([{"code": "F43.12-F43.1", "source": "x"}], "same level"),
        ({"code": "F43.12", "source": "x"}, "must be a list"),
        ("F43.12", "must be a list"),
        (None, "must be a list"),
        ([["F43.12", "x"]], "expected an object"),
    ],
)
def test_malformed_entries_are_refused_naming_them_and_nothing_is_written(world, entries, match):
    _refused(lambda: _publish(world, entries=entries), "entries", match)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001, None])
def test_a_missing_or_overlong_reason_is_refused(world, reason):
    _refused(lambda: _publish(world, reason=reason), "reason", "")


def test_an_unknown_indication_is_refused(world):
    _refused(lambda: _publish(world, indication="insomnia"), "indication", "depression, ptsd")


def test_a_list_identical_to_the_one_in_force_is_refused(world):
    _refused(
        lambda: _publish(world, entries=DEFAULT_CODE_LISTS[Indication.PTSD].as_json()),
        "entries",
        "same as version 1",
    )
    _publish(world)
    _refused(lambda: _publish(world), "entries", "same as version 2")


def test_a_failing_audit_insert_writes_no_version(world):
    before = _counts()
    with mock.patch.object(AuditEvent, "save", side_effect=RuntimeError("audit down")):
        with pytest.raises(RuntimeError):
            _publish(world)
    assert _counts() == before


# --- the management command ---------------------------------------------------------------------


def _command(*args: str, stdin: str | None = None) -> str:
    out = StringIO()
    kwargs: dict[str, object] = {"stdout": out}
    if stdin is not None:
        kwargs["stdin"] = StringIO(stdin)
    call_command("eligibility_codes", *args, **kwargs)
    return out.getvalue()


def _publish_args(world, *extra: str, username: str = "physician") -> list[str]:
    return [
        "publish",
        "--username",
        username,
        "--clinic-id",
        str(world.clinic.pk),
        "--indication",
        "ptsd",
        "--reason",
        "Chronic PTSD only.",
        *extra,
    ]


def test_command_publishes_from_a_file_and_shows_the_list_in_force(world, tmp_path):
    path = tmp_path / "ptsd.json"
    path.write_text(json.dumps(CHRONIC_PTSD_ONLY), encoding="utf-8")
    output = _command(*_publish_args(world, "--entries-file", str(path)))
    assert "Published ptsd qualifying diagnoses v2 (1 entries)" in output
    shown = _command(
        "show", "--organization-id", str(world.clinic.organization_id), "--indication", "ptsd"
    )
    assert shown.startswith("ptsd v2 (published ")
    assert f"by {world.users['physician']}: Chronic PTSD only." in shown
    assert "F43.12 Post-traumatic stress disorder, chronic  [source: ICD-10-CM FY2026" in shown


def test_command_reads_stdin_and_can_go_back_to_the_default(world):
    _command(*_publish_args(world, "--entries-file", "-"), stdin=json.dumps(CHRONIC_PTSD_ONLY))
    output = _command(*_publish_args(world, "--default"))
    assert "v3" in output
    assert code_list_in_force(world.clinic.organization_id, "ptsd").codes_text == "F43.1"
    shown = _command("show", "--organization-id", str(world.clinic.organization_id))
    assert [line.split(" (")[0] for line in shown.splitlines() if not line.startswith(" ")] == [
        "depression v1",
        "ptsd v3",
        "anxiety v1",
        "chronic_pain v1",
    ]
    assert "depression v1 (built-in default)" in shown


@pytest.mark.parametrize(
    ("extra", "stdin", "username", "match"),
    [
        (["--entries-file", "-"], "not json", "physician", "--entries-file: not JSON"),
        (["--entries-file", "/nonexistent/list.json"], None, "physician", "cannot read"),
        (["--entries-file", "-"], '[{"code": "F4"}]', "physician", "--entries-file: entry 1"),
        (["--default"], None, "nurse", r"--username: Your role \(Nurse\) may not: publish"),
        (["--default"], None, "nobody", "has no active role at clinic"),
    ],
)
def test_command_errors_name_the_option_and_write_nothing(world, extra, stdin, username, match):
    before = _counts()
    with pytest.raises(CommandError, match=match):
        _command(*_publish_args(world, *extra, username=username), stdin=stdin)
    assert _counts() == before


def test_command_show_refuses_an_unknown_organization(world):
    with pytest.raises(CommandError, match="no organization 999999"):
        _command("show", "--organization-id", "999999")
