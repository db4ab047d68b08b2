"""Lab results: the LOINC code follows the analyte, the unit must be the clinic's configured one,
bad input names the field and writes nothing, and the cohort view pairs baseline with change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.outcomes.data import dataset
from kitclinic.outcomes.labs import ANALYTE_CODES, configured_unit
from kitclinic.outcomes.models import LabResult
from kitclinic.outcomes.selectors.labs import lab_association
from kitclinic.outcomes.services import lab_result_record
from tests.factories import PatientFactory
from tests.outcomes.helpers import course_with_scores, day
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db

# A clinic's own configuration (replacing the defaults), as the tests below set it.
UNITS = {"crp": "mg/L", "il6": "pg/mL"}


def test_loinc_codes_are_those_of_instruments_md_section_12():
    assert {k: v.loinc_code for k, v in ANALYTE_CODES.items()} == {
        "crp": "1988-5",
        "hs_crp": "30522-7",
        "il6": "26881-3",
        "tnf_alpha": "3074-2",
    }


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
def test_record_sets_loinc_and_audits_in_the_same_transaction(world, patient):
    before = AuditEvent.objects.count()
    result = lab_result_record(
        actor=world.actor("nurse"),
        patient=patient,
        analyte="crp",
        value="3.25",
        unit="mg/L",
        collected_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert result.loinc_code == "1988-5" and result.value == Decimal("3.25")
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.object_type == "outcomes.labresult" and event.patient_id == patient.pk


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
@pytest.mark.parametrize(
    ("analyte", "value", "unit", "when", "field", "words"),
    [
        ("crp", "-1", "mg/L", -1, "value", "cannot be negative"),
        ("crp", "abc", "mg/L", -1, "value", "not a number"),
        ("crp", "2", "mg/dL", -1, "unit", "recorded in mg/L"),
        ("crp", "2", "", -1, "unit", "got no unit"),
        ("hs_crp", "2", "mg/L", -1, "unit", "No unit is configured for hs-CRP"),
        ("crp", "2", "mg/L", +2, "collected_at", "in the future"),
        ("ldl", "2", "mg/L", -1, "analyte", "Unknown analyte"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    world, patient, analyte, value, unit, when, field, words
):
    before = (LabResult.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as info:
        lab_result_record(
            actor=world.actor("nurse"),
            patient=patient,
            analyte=analyte,
            value=value,
            unit=unit,
            collected_at=timezone.now() + dt.timedelta(hours=when),
        )
    assert field in info.value.message_dict
    assert words in " ".join(info.value.message_dict[field])
    assert (LabResult.objects.count(), AuditEvent.objects.count()) == before


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
def test_form_shows_the_error_on_the_field_and_writes_nothing(world, patient):
    client = web_client(world, "nurse")
    before = (LabResult.objects.count(), AuditEvent.objects.count())
    response = client.post(
        reverse("lab-add", args=[patient.pk]),
        {"analyte": "crp", "value": "2", "unit": "mg/dL", "collected_at": "2026-11-01T08:00"},
    )
    assert response.status_code == 422  # refused by the service: the form again, its errors
    assert "recorded in mg/L" in response.context["form"].errors["unit"][0]
    response = client.post(
        reverse("lab-add", args=[patient.pk]),
        {"analyte": "crp", "value": "-0.5", "unit": "mg/L", "collected_at": "2026-11-01T08:00"},
    )
    assert response.status_code == 422
    assert "negative" in " ".join(response.context["form"].errors["value"])
    assert (LabResult.objects.count(), AuditEvent.objects.count()) == before
    response = client.post(
        reverse("lab-add", args=[patient.pk]),
        {"analyte": "crp", "value": "4.1", "unit": "mg/L", "collected_at": "2026-11-01T08:00"},
    )
    assert response.status_code == 302 and LabResult.objects.count() == before[0] + 1


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
def test_cohort_association_uses_the_last_result_before_infusion_1(world):
    dataset.forget()
    nurse, doc = world.actor("nurse"), world.users["physician"]
    for baseline_crp, scores in ((1.0, [20, 8]), (5.0, [20, 15]), (9.0, [10, 9])):
        p = PatientFactory(home_clinic=world.clinic)
        course_with_scores(p, clinician=doc, scores=scores)
        for when, value in ((day(-20), 99.0), (day(-2), baseline_crp), (day(5), 0.1)):
            LabResult.objects.create(
                patient=p,
                clinic=world.clinic,
                analyte="crp",
                loinc_code="1988-5",
                value=Decimal(str(value)),
                unit="mg/L",
                collected_at=when,
                recorded_by=doc,
                recorded_at=when,
            )
    assoc = lab_association(nurse, "crp", "phq9")
    assert assoc.n == 3
    assert sorted((p.baseline, round(p.change_pct, 3)) for p in assoc.points) == [
        (1.0, 60.0),
        (5.0, 25.0),
        (9.0, 10.0),
    ]
    assert assoc.spearman_rho == pytest.approx(-1.0)
    assert assoc.unit == "mg/L" and not assoc.units_mixed
    dataset.forget()


def test_default_units_are_the_conventional_ones_and_marked_as_a_clinic_setting():
    from django.conf import settings

    # No override: the shipped defaults (config/settings.py), not from a published source.
    assert settings.KITCLINIC_LAB_UNITS_DEFAULT == {
        "crp": "mg/L",
        "hs_crp": "mg/L",
        "il6": "pg/mL",
        "tnf_alpha": "pg/mL",
    }
    # no clinic (or one without its own units): the defaults
    assert {
        a: configured_unit(a, clinic_id=None) for a in ANALYTE_CODES
    } == settings.KITCLINIC_LAB_UNITS_DEFAULT


def test_entry_works_with_the_default_units_and_the_form_says_confirm_with_the_laboratory(
    world, patient, client
):
    result = lab_result_record(
        actor=world.actor("nurse"),
        patient=patient,
        analyte="il6",
        value="4.2",
        unit="pg/mL",
        collected_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert (result.loinc_code, result.unit) == ("26881-3", "pg/mL")
    with pytest.raises(ValidationError) as info:
        lab_result_record(
            actor=world.actor("nurse"),
            patient=patient,
            analyte="hs_crp",
            value="1",
            unit="mg/dL",
            collected_at=timezone.now() - dt.timedelta(hours=1),
        )
    assert "recorded in mg/L" in info.value.message_dict["unit"][0]
    client = web_client(world, "nurse")
    page = client.get(reverse("lab-add", args=[patient.pk])).content.decode()
    assert "clinic setting, not from a published source: confirm with your laboratory" in page
    assert "<code>pg/mL</code>" in page and "not configured" not in page


@override_settings(KITCLINIC_LAB_UNITS={"crp": "mg/L", "tnf_alpha": ""})
def test_an_analyte_the_clinic_turns_off_cannot_be_entered(world, patient):
    with pytest.raises(ValidationError) as info:
        lab_result_record(
            actor=world.actor("nurse"),
            patient=patient,
            analyte="tnf_alpha",
            value="1",
            unit="pg/mL",
            collected_at=timezone.now() - dt.timedelta(hours=1),
        )
    assert "No unit is configured for TNF-α" in info.value.message_dict["unit"][0]
    assert not LabResult.objects.exists()
