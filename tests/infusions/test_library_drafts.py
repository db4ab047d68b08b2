"""The drug library edited through forms: a draft started from the active version, edited one
protocol or one quantity's limits at a time, reviewed against the active version, approved by a
physician other than its editor, sent back with a reason, or discarded. A refused edit is a 422
naming the field and writes nothing; every accepted edit is audited with the difference it made.

Figures of the shipped default ([kitclinic-dose-rules] L2): depression dose soft maximum
0.75 mg/kg, hard maximum 1 mg/kg."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.services import library as library_service
from kitclinic.infusions.services.library import library_install_default
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _post_start(client) -> DrugLibraryVersion:
    response = client.post(reverse("infusions-library-draft"), {"change_note": "lower soft max"})
    assert response.status_code == 302
    draft = DrugLibraryVersion.objects.get(status="draft")
    assert response["Location"] == reverse("infusions-library-draft-edit", args=[draft.pk])
    return draft


def limits_form(version: DrugLibraryVersion, protocol: int, quantity: str) -> dict[str, Any]:
    """What the limits form posts for the stored figures, unchanged."""
    post: dict[str, Any] = {}
    for bound, figure in version.data["protocols"][protocol][quantity].items():
        post[bound] = figure["value"]
        for part in ("kind", "section", "citation", "reason"):
            post[f"{bound}_{part}"] = figure["source"].get(part, "")
    return post


def limits_url(version: DrugLibraryVersion, protocol_id: str, quantity: str) -> str:
    return reverse("infusions-library-limits", args=[version.pk, protocol_id, quantity])


@pytest.fixture
def draft(world, library):
    return library_service.library_draft_create(
        actor=world.actor("clinic_admin"), data=library.data, change_note="review"
    )


def test_a_clinic_admin_starts_a_draft_from_the_active_version(login, library):
    admin = login("clinic_admin")
    draft = _post_start(admin)
    assert draft.data == library.data and draft.based_on_id == library.pk
    page = admin.get(reverse("infusions-library-draft-edit", args=[draft.pk])).content.decode()
    assert "Draft v2 of the drug library" in page
    assert (
        reverse("infusions-library-limits", args=[draft.pk, "depression-standard", "dose_limits"])
        in page
    )
    # rate limits only for a protocol dosed over a duration
    assert limits_url(draft, "chronic-pain-cohen-2018", "rate_limits_mg_per_kg_per_h") not in page
    # the library page now leads to the open draft instead of offering a second one
    library_page = admin.get(reverse("infusions-library")).content.decode()
    assert "Continue editing it" in library_page
    assert "Start a draft from the active version" not in library_page


def test_editing_one_limit_saves_it_and_audits_the_difference(login, draft):
    post = limits_form(draft, 0, "dose_limits")
    post["soft_max"] = "0.7"
    response = login("clinic_admin").post(
        limits_url(draft, "depression-standard", "dose_limits"), post
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["protocols"][0]["dose_limits"]["soft_max"]["value"] == "0.7"
    event = AuditEvent.objects.filter(object_id=str(draft.pk), action="update").latest("id")
    assert event.changes == {"depression-standard: Dose, soft maximum": ["0.75 mg/kg", "0.7 mg/kg"]}


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"soft_max": "1.5"}, "hard_max", "below the soft maximum 1.5"),
        ({"soft_min": "0.8"}, "soft_max", "below the soft minimum 0.8"),
        ({"hard_max": "-1"}, "hard_max", "greater than 0"),
        ({"soft_min": "0"}, "soft_min", "greater than 0"),
        ({"hard_max": ""}, "hard_max", "needs a hard maximum"),
        (
            {"soft_max_kind": "clinic_setting", "soft_max_reason": ""},
            "soft_max",
            "why no published",
        ),
        ({"soft_max": "abc"}, "soft_max", "Enter a number"),
        ({"soft_max": "0.4"}, None, "default dose 0.5 mg/kg is outside"),
    ],
)
def test_a_refused_limit_is_a_422_on_its_field_and_writes_nothing(
    login, draft, changes, field, says
):
    admin = login("clinic_admin")
    post = {**limits_form(draft, 0, "dose_limits"), **changes}
    before = row_counts()
    response = admin.post(limits_url(draft, "depression-standard", "dose_limits"), post)
    assert response.status_code == 422
    assert row_counts() == before
    form = response.context["form"]
    errors = (
        form.non_field_errors()
        if field is None
        else (form.errors.get(field, []) + form.errors.get(f"{field}_reason", []))
    )
    assert any(says in e for e in errors), form.errors
    assert says in response.content.decode().replace("&#x27;", "'")


def test_the_unit_is_fixed_by_the_schema_and_shown(login, draft):
    page = login("clinic_admin").get(limits_url(draft, "chronic-pain-cohen-2018", "dose_limits"))
    html = page.content.decode()
    assert "In <strong>mg/kg/h</strong> (fixed for this quantity)" in html
    assert 'name="unit"' not in html
    # interval limits offer minimums only
    interval = login("clinic_admin").get(
        limits_url(draft, "depression-standard", "interval_limits_h")
    )
    assert 'name="soft_min"' in interval.content.decode()
    assert 'name="soft_max"' not in interval.content.decode()


def protocol_post(version: DrugLibraryVersion, index: int, **changes: str) -> dict[str, Any]:
    protocol = version.data["protocols"][index]
    post: dict[str, Any] = {
        "name": protocol["name"],
        "indication": protocol["indication"],
        "notes": protocol["notes"],
        "concentrations": ", ".join(c["value"] for c in protocol["concentrations_mg_per_ml"]),
        "concentrations_reason": "",
    }
    if protocol["is_default"]:
        post["is_default"] = "on"
    for name in ("default_dose", "default_duration_min", "min_observation_min"):
        post[name] = protocol[name]["value"]
        for part in ("kind", "section", "citation", "reason"):
            post[f"{name}_{part}"] = protocol[name]["source"].get(part, "")
    post.update(changes)
    return post


def test_protocol_form_edits_the_regimen_and_refuses_on_the_field(login, draft):
    admin = login("clinic_admin")
    url = reverse("infusions-library-protocol", args=[draft.pk, "depression-standard"])
    assert admin.get(url).status_code == 200
    before = row_counts()
    bad = admin.post(url, protocol_post(draft, 0, default_dose="0.9"))
    assert bad.status_code == 422 and row_counts() == before
    assert "outside the protocol's soft dose limits (0.1 to 0.75 mg/kg)" in " ".join(
        bad.context["form"].errors["default_dose"]
    )
    new_concentration = admin.post(url, protocol_post(draft, 0, concentrations="1, 5"))
    assert new_concentration.status_code == 422
    assert "concentrations_reason" in new_concentration.context["form"].errors
    ok = admin.post(
        url,
        protocol_post(
            draft,
            0,
            default_duration_min="45",
            concentrations="1, 5",
            concentrations_reason="2nd bag",
        ),
    )
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert draft.library().protocol("depression-standard").default_duration_min.value == 45


def test_adding_and_retiring_a_protocol(login, draft):
    admin = login("clinic_admin")
    add = reverse("infusions-library-protocol-add", args=[draft.pk])
    before = row_counts()
    bad = admin.post(
        add,
        {
            "base_id": "depression-standard",
            "id": "Depression 2",
            "name": "x",
            "indication": "depression",
        },
    )
    assert bad.status_code == 422 and row_counts() == before
    assert "not a protocol id" in str(bad.context["form"].errors["id"])
    ok = admin.post(
        add,
        {
            "base_id": "depression-standard",
            "id": "depression-long",
            "name": "Depression, 60 min",
            "indication": "depression",
        },
    )
    assert ok.status_code == 302
    retire = reverse("infusions-library-protocol-retire", args=[draft.pk, "depression-long"])
    assert admin.post(retire).status_code == 302
    draft.refresh_from_db()
    assert [p["id"] for p in draft.data["protocols"]] == [
        "depression-standard",
        "ptsd-standard",
        "anxiety-standard",
        "chronic-pain-cohen-2018",
        "esketamine-nasal",
    ]
    # the only default of its indication with a sibling cannot go: refused, nothing written
    admin.post(
        add,
        {
            "base_id": "depression-standard",
            "id": "depression-b",
            "name": "B",
            "indication": "depression",
        },
    )
    before = row_counts()
    refused = admin.post(
        reverse("infusions-library-protocol-retire", args=[draft.pk, "depression-standard"]),
        follow=True,
    )
    assert "the default first" in refused.content.decode()
    assert row_counts() == before


def test_the_review_shows_the_difference_and_the_physician_approves(login, world, draft):
    library_service.library_limits_edit(
        actor=world.actor("clinic_admin"),
        version=draft,
        protocol_id="depression-standard",
        quantity="dose_limits",
        bounds={
            b: library_service.library_edit.figure_input(v)
            for b, v in {
                **draft.data["protocols"][0]["dose_limits"],
                "soft_max": {
                    "value": "0.7",
                    "source": {"kind": "clinic_setting", "reason": "governance"},
                },
            }.items()
        },
    )
    doctor = login("physician")
    page = doctor.get(reverse("infusions-library-review", args=[draft.pk]))
    html = page.content.decode()
    assert '<span class="diff-old">0.75 mg/kg</span>' in html
    assert '<span class="diff-new">0.7 mg/kg</span>' in html
    assert "Dose, soft maximum" in html and "Approve v2" in html
    # the nurse sees the difference but no decision; the editor may not approve her own draft
    assert (
        "Approve v2"
        not in login("nurse")
        .get(reverse("infusions-library-review", args=[draft.pk]))
        .content.decode()
    )
    assert (
        "Approve v2"
        not in login("clinic_admin")
        .get(reverse("infusions-library-review", args=[draft.pk]))
        .content.decode()
    )
    reviewed = page.context["approve_form"].initial["reviewed"]
    response = doctor.post(
        reverse("infusions-library-approve", args=[draft.pk]), {"reviewed": reviewed}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved"
    event = AuditEvent.objects.filter(object_id=str(draft.pk), action="sign").get()
    assert event.changes["depression-standard: Dose, soft maximum"] == ["0.75 mg/kg", "0.7 mg/kg"]
    assert event.changes["status"] == ["draft", "approved"]


def test_an_approval_of_a_draft_edited_after_review_is_refused(login, world, draft):
    doctor = login("physician")
    page = doctor.get(reverse("infusions-library-review", args=[draft.pk]))
    reviewed = page.context["approve_form"].initial["reviewed"]
    library_service.library_details_edit(
        actor=world.actor("clinic_admin"), version=draft, label="clinic-2026-12", drug="ketamine"
    )
    before = row_counts()
    response = doctor.post(
        reverse("infusions-library-approve", args=[draft.pk]), {"reviewed": reviewed}, follow=True
    )
    assert "review the difference again" in response.content.decode()
    assert row_counts() == before
    assert DrugLibraryVersion.objects.get(pk=draft.pk).status == "draft"


def test_send_back_needs_a_reason_and_the_editor_edits_again(login, world, draft):
    doctor = login("physician")
    url = reverse("infusions-library-send-back", args=[draft.pk])
    before = row_counts()
    empty = doctor.post(url, {"reason": "  "})
    assert empty.status_code == 422 and row_counts() == before
    assert "Say what must change" in empty.content.decode()
    assert doctor.post(url, {"reason": "Cite the 0.7 mg/kg decision."}).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.sent_back_reason) == ("draft", "Cite the 0.7 mg/kg decision.")
    admin = login("clinic_admin")
    editor = admin.get(reverse("infusions-library-draft-edit", args=[draft.pk])).content.decode()
    assert "Cite the 0.7 mg/kg decision." in editor
    post = limits_form(draft, 0, "dose_limits")
    post["soft_max"] = "0.7"
    assert (
        admin.post(limits_url(draft, "depression-standard", "dose_limits"), post).status_code == 302
    )
    draft.refresh_from_db()
    assert draft.sent_back_reason == ""
    assert AuditEvent.objects.filter(
        object_id=str(draft.pk), detail="draft sent back to its editor"
    ).exists()
    library_service.library_approve(actor=world.actor("physician"), version=draft)


def test_discarding_a_draft_keeps_it_unchanged_for_good(login, draft, library):
    admin = login("clinic_admin")
    assert admin.post(reverse("infusions-library-discard", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "discarded" and draft.discarded_at is not None
    assert DrugLibraryVersion.objects.get(pk=library.pk).status == "approved"
    before = row_counts()
    assert (
        admin.post(
            limits_url(draft, "depression-standard", "dose_limits"),
            limits_form(draft, 0, "dose_limits"),
        ).status_code
        == 404
    )
    assert admin.post(reverse("infusions-library-discard", args=[draft.pk])).status_code == 302
    assert row_counts() == before
    with pytest.raises(ValueError, match="cannot be changed"):
        draft.change_note = "again"
        draft.save()
    # a new draft can be started afterwards
    assert (
        "Start a draft from the active version"
        in admin.get(reverse("infusions-library")).content.decode()
    )


def test_import_takes_a_whole_library_under_the_same_rules_and_export_gives_it_back(login, library):
    admin = login("clinic_admin")
    exported = admin.get(reverse("infusions-library-export", args=[library.pk]))
    assert exported["Content-Disposition"] == 'attachment; filename="drug-library-v1.json"'
    data = json.loads(exported.content)
    assert data == library.data
    data["protocols"][0]["dose_limits"]["soft_max"]["value"] = "1.5"
    before = row_counts()
    bad = admin.post(reverse("infusions-library-import"), {"data": json.dumps(data)})
    assert bad.status_code == 422 and row_counts() == before
    assert (
        "protocols[0].dose_limits.hard_max: 1 is below the soft maximum 1.5" in bad.content.decode()
    )
    data["protocols"][0]["dose_limits"]["soft_max"]["value"] = "0.7"
    ok = admin.post(reverse("infusions-library-import"), {"data": json.dumps(data)})
    assert ok.status_code == 302
    assert DrugLibraryVersion.objects.get(status="draft").data == data


def test_a_retired_protocol_is_put_back_and_an_edited_one_undone(login, draft, library):
    admin = login("clinic_admin")
    editor = reverse("infusions-library-draft-edit", args=[draft.pk])
    admin.post(reverse("infusions-library-protocol-retire", args=[draft.pk, "anxiety-standard"]))
    page = admin.get(editor).content.decode()
    assert "retired in this draft" in page and "Put it back as in the active version" in page
    post = limits_form(draft, 0, "dose_limits")
    post["soft_max"] = "0.7"
    admin.post(limits_url(draft, "depression-standard", "dose_limits"), post)
    assert "Undo this protocol's changes" in admin.get(editor).content.decode()
    for protocol_id in ("anxiety-standard", "depression-standard"):
        url = reverse("infusions-library-protocol-restore", args=[draft.pk, protocol_id])
        assert admin.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.library() == library.library()
    assert (
        "No difference from the active version"
        in admin.get(reverse("infusions-library-review", args=[draft.pk])).content.decode()
    )


def test_the_api_gives_the_same_difference_and_ways_out(client_for, world, draft):
    library_service.library_details_edit(
        actor=world.actor("clinic_admin"), version=draft, label="clinic-2026-12", drug="ketamine"
    )
    doctor = client_for("physician")
    base = f"/api/v1/library/versions/{draft.pk}/"
    difference = doctor.get(base + "difference/").json()
    assert {
        "what": "version label",
        "old": "kitclinic-default-2026-12-07",
        "new": "clinic-2026-12",
    } in difference["library_changes"]
    before = row_counts()
    refused = doctor.post(base + "send-back/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    assert row_counts() == before
    assert (
        doctor.post(base + "send-back/", {"reason": "Why?"}, format="json").json()[
            "sent_back_reason"
        ]
        == "Why?"
    )
    before = row_counts()
    stale = doctor.post(base + "approve/", {"reviewed": "0" * 64}, format="json")
    assert stale.status_code == 400 and row_counts() == before
    assert DrugLibraryVersion.objects.get(pk=draft.pk).status == "draft"
    discarded = client_for("clinic_admin").post(base + "discard/", {}, format="json")
    assert discarded.json()["status"] == "discarded"
    gone = doctor.post(base + "approve/", {"reviewed": difference["fingerprint"]}, format="json")
    assert gone.status_code == 400


OPEN_DRAFT = "Draft v2 is still open ({state}). Only one draft at a time"


def test_a_second_draft_is_refused_by_the_service_naming_the_open_one(world, draft, library):
    before = row_counts()
    with pytest.raises(ValidationError, match=r"Draft v2 is still open \(being edited\)"):
        library_service.library_draft_create(actor=world.actor("clinic_admin"), data=library.data)
    assert row_counts() == before
    # sent back to its editor, it is still open
    library_service.library_send_back(actor=world.actor("physician"), version=draft, reason="Why?")
    with pytest.raises(ValidationError, match=r"sent back to its editor"):
        library_service.library_draft_create(actor=world.actor("clinic_admin"), data=library.data)
    # the way out: discard it (or approve it), then a new draft starts
    library_service.library_draft_discard(actor=world.actor("clinic_admin"), version=draft)
    fresh = library_service.library_draft_create(
        actor=world.actor("clinic_admin"), data=library.data
    )
    assert fresh.number == 3 and fresh.status == "draft"


def test_another_organization_may_have_its_own_draft(world, draft, library):
    active = library_install_default(organization_id=world.other_clinic.organization_id)
    other = DrugLibraryVersion.objects.create(
        organization_id=active.organization_id,
        number=2,
        data=library.data,
        status="draft",
        created_at=draft.created_at,
    )
    assert other.organization_id != draft.organization_id


def test_the_database_holds_one_open_draft_per_organization(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        DrugLibraryVersion.objects.create(
            organization_id=draft.organization_id,
            number=draft.number + 1,
            data=draft.data,
            status="draft",
            created_at=draft.created_at,
        )
    # versions that are not open are not limited
    DrugLibraryVersion.objects.create(
        organization_id=draft.organization_id,
        number=draft.number + 1,
        data=draft.data,
        status="discarded",
        created_at=draft.created_at,
    )


def test_the_start_button_and_the_import_page_refuse_a_second_draft(login, draft, library):
    admin = login("clinic_admin")
    before = row_counts(DrugLibraryVersion, AuditEvent)
    started = admin.post(reverse("infusions-library-draft"), {"change_note": "again"})
    assert started.status_code == 302 and started["Location"] == reverse("infusions-library")
    page = admin.get(started["Location"]).content.decode()
    assert OPEN_DRAFT.format(state="being edited") in page
    assert "Continue editing it" in page
    imported = admin.post(reverse("infusions-library-import"), {"data": json.dumps(library.data)})
    assert imported.status_code == 422
    assert OPEN_DRAFT.format(state="being edited") in imported.content.decode()
    assert row_counts(DrugLibraryVersion, AuditEvent) == before


def test_the_api_refuses_a_second_draft_in_the_error_shape(client_for, draft, library):
    admin = client_for("clinic_admin")
    before = row_counts()
    response = admin.post(
        "/api/v1/library/versions/", {"data": library.data, "change_note": "again"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert body["errors"]["detail"][0].startswith(OPEN_DRAFT.format(state="being edited"))
    assert row_counts() == before


def test_an_over_long_note_or_reason_is_refused_not_cut_short_and_writes_nothing(world, library):
    """The draft's note and the send-back reason are refused past their column's length, naming
    the field and the limit, at the service (every door: page, API, import); nothing is written."""
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        library_service.library_draft_create(
            actor=world.actor("clinic_admin"), data=library.data, change_note="x" * 301
        )
    assert refused.value.message_dict == {"change_note": ["At most 300 characters."]}
    assert row_counts() == before
    draft = library_service.library_draft_create(
        actor=world.actor("clinic_admin"), data=library.data, change_note="x" * 300
    )
    assert draft.change_note == "x" * 300
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        library_service.library_send_back(
            actor=world.actor("physician"), version=draft, reason="y" * 301
        )
    assert refused.value.message_dict == {"reason": ["At most 300 characters."]}
    assert row_counts() == before
    draft.refresh_from_db()
    assert draft.sent_back_reason == ""
