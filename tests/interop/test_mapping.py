"""The export mapping, pure: each resource built from plain values is valid FHIR R4 (R4B models)
and carries the codes docs/fhir.md lists; a bad value fails at the export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from kitclinic.interop import codes
from kitclinic.interop import mapping as m

AT = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)


def _codes(resource, attribute="code"):
    return [(x.system, x.code) for x in getattr(resource, attribute).coding]


def test_patient_carries_the_mrn_with_the_organization_system_and_the_synthetic_tag():
    p = m.patient(
        id="p-1",
        mrn="A-7",
        mrn_system=codes.mrn_system("northside"),
        family="Doe",
        given="Jo",
        birth_date=dt.date(1980, 5, 1),
        sex_at_birth="intersex",
        phone="555-0100",
        synthetic=True,
    )
    assert p.identifier[0].system == "urn:kitclinic:fhir:organization:northside:mrn"
    assert p.identifier[0].value == "A-7"
    assert p.gender == "other"
    assert [t.system for t in p.telecom] == ["phone"]
    assert p.meta.tag[0].code == "synthetic"


def test_a_real_record_has_no_synthetic_tag():
    c = m.condition(
        id="c-1",
        patient_id="p-1",
        icd10_code="F33.2",
        description="Major depressive disorder, recurrent severe",
        primary=False,
        recorded_at=AT,
    )
    assert c.meta is None
    assert _codes(c) == [(codes.ICD10CM, "F33.2")]
    assert c.subject.reference == "Patient/p-1"


def test_a_drug_trial_is_a_medication_statement_and_ect_a_procedure():
    args = dict(
        patient_id="p-1",
        treatment_class_label="x",
        dose_text="150 mg/day",
        weeks=8,
        adequate=True,
        outcome="no_response",
        outcome_label="No response",
        current_episode=True,
        notes="",
        recorded_at=AT,
    )
    drug = m.prior_trial(id="t-1", treatment_name="sertraline", treatment_class="ssri", **args)
    ect = m.prior_trial(id="t-2", treatment_name="ECT", treatment_class="ect_bilateral", **args)
    assert drug.get_resource_type() == "MedicationStatement"
    assert drug.dosage[0].text == "150 mg/day"
    urls = {e.url.rsplit(":", 1)[1]: e for e in drug.extension}
    assert urls["trial-duration"].valueQuantity.value == 8
    assert urls["trial-adequate"].valueBoolean is True
    assert urls["trial-outcome"].valueCoding.code == "no_response"
    assert ect.get_resource_type() == "Procedure"


def test_a_licensed_scale_gives_items_as_components_and_an_unlicensed_one_only_the_total():
    phq = m.ScoreCode(codes.LOINC, "44261-6", "PHQ-9 total score", ("44250-9", "44255-8"), True)
    obs = m.score_observation(
        id="o-1", patient_id="p-1", code=phq, total=Decimal("3"), answers=[1, 2], effective=AT
    )
    assert _codes(obs) == [(codes.LOINC, "44261-6")]
    assert obs.valueQuantity.value == 3 and obs.valueQuantity.code == "{score}"
    assert [(x.code.coding[0].code, x.valueInteger) for x in obs.component] == [
        ("44250-9", 1),
        ("44255-8", 2),
    ]
    madrs = m.ScoreCode(codes.LOCAL_INSTRUMENT, "madrs", "MADRS total score")
    obs = m.score_observation(
        id="o-2", patient_id="p-1", code=madrs, total=20, answers=[2] * 10, effective=AT
    )
    assert obs.component is None
    assert _codes(obs) == [(codes.LOCAL_INSTRUMENT, "madrs")]


def test_vitals_use_the_loinc_codes_and_ucum_units():
    bp, hr, rr, spo2 = m.vital_signs(
        id_prefix="v-1",
        patient_id="p-1",
        encounter_id="e-1",
        taken_at=AT,
        sbp=128,
        dbp=82,
        hr=71,
        rr=14,
        spo2=97,
    )
    assert _codes(bp) == [(codes.LOINC, "85354-9")]
    assert [
        (x.code.coding[0].code, x.valueQuantity.value, x.valueQuantity.code) for x in bp.component
    ] == [
        ("8480-6", 128, "mm[Hg]"),
        ("8462-4", 82, "mm[Hg]"),
    ]
    assert (_codes(hr), hr.valueQuantity.code) == ([(codes.LOINC, "8867-4")], "/min")
    assert (_codes(rr), rr.valueQuantity.code) == ([(codes.LOINC, "9279-1")], "/min")
    assert _codes(spo2) == [(codes.LOINC, "2708-6"), (codes.LOINC, "59408-5")]
    assert spo2.valueQuantity.code == "%"
    assert bp.category[0].coding[0].code == "vital-signs"
    weight = m.body_weight(
        id="w-1", patient_id="p-1", encounter_id=None, measured_at=AT, weight_kg=Decimal("70.5")
    )
    assert (_codes(weight), weight.valueQuantity.code) == ([(codes.LOINC, "29463-7")], "kg")


def test_an_infusion_gives_delivered_and_ordered_dose_in_mg_route_iv_and_rxnorm():
    ma = m.medication_administration(
        id="ma-1",
        patient_id="p-1",
        encounter_id="e-1",
        running=False,
        ordered_mg=Decimal("35.00"),
        delivered_mg=Decimal("30.125"),
        rate_mg_per_h=Decimal("52.50"),
        start=AT,
        end=AT + dt.timedelta(minutes=35),
    )
    assert _codes(ma, "medicationCodeableConcept") == [(codes.RXNORM, "6130")]
    assert ma.dosage.dose.value == Decimal("30.125") and ma.dosage.dose.code == "mg"
    assert ma.extension[0].valueQuantity.value == Decimal("35.00")
    assert ma.dosage.rateQuantity.code == "mg/h"
    assert _codes(ma.dosage, "route") == [(codes.SNOMED, "47625008")]
    assert ma.context.reference == "Encounter/e-1"
    assert ma.status == "completed"


def test_consent_names_the_sheet_version_and_a_signature_is_provenance():
    consent = m.consent(
        id="cs-1",
        patient_id="p-1",
        signed_at=AT,
        sheet_uri="urn:kitclinic:fhir:organization:n:information-sheet:depression:3",
        sheet_title="Patient information sheet, Depression, version 3",
        method="paper",
    )
    assert consent.policy[0].uri.endswith(":depression:3")
    assert "version 3" in consent.sourceAttachment.title
    prov = m.signature_provenance(
        id="pv-1", targets=[("Consent", "cs-1")], signed_at=AT, signer=("Patient", "p-1")
    )
    assert prov.signature[0].who.reference == "Patient/p-1"
    assert [t.reference for t in prov.target] == ["Consent/cs-1"]


def test_an_adverse_event_points_at_the_infusion_and_the_session():
    ae = m.adverse_event(
        id="ae-1",
        patient_id="p-1",
        encounter_id="e-1",
        administration_id="ma-1",
        occurred_at=AT,
        description="Nausea",
        severity="mild",
        action_taken="Paused the infusion",
        rescue="ondansetron 4 mg IV",
    )
    assert ae.suspectEntity[0].instance.reference == "MedicationAdministration/ma-1"
    assert ae.severity.coding[0].code == "mild"


def test_a_schema_error_fails_at_the_export():
    with pytest.raises(ValidationError):
        m.encounter(
            id="bad id with spaces", patient_id="p", state="signed", number=1, start=AT, end=None
        )
    with pytest.raises(ValueError, match="time zone"):
        m.instant(dt.datetime(2026, 1, 1, 10, 0))


def test_unresolved_references_names_what_the_export_does_not_hold():
    resources = [
        {"resourceType": "Patient", "id": "p-1"},
        {"resourceType": "Encounter", "id": "e-1", "subject": {"reference": "Patient/p-1"}},
        {"resourceType": "Observation", "id": "o-1", "encounter": {"reference": "Encounter/e-9"}},
    ]
    assert m.unresolved_references(resources) == ["Encounter/e-9"]


def test_a_self_report_is_a_questionnaire_response_with_loinc_link_ids_and_no_wording():
    qr = m.questionnaire_response(
        id="qr-1",
        patient_id="p-1",
        instrument_id="phq9",
        item_codes=("44250-9", "44255-8"),
        answers=[3, None],
        authored=AT,
    )
    assert qr.questionnaire == "urn:kitclinic:fhir:questionnaire:phq9"
    assert [(i.linkId, i.text) for i in qr.item] == [("/44250-9", None), ("/44255-8", None)]
    assert qr.item[0].answer[0].valueInteger == 3 and qr.item[1].answer is None
    local = m.questionnaire_response(
        id="qr-2", patient_id="p-1", instrument_id="peg", item_codes=(), answers=[5], authored=AT
    )
    assert local.item[0].linkId == "1"
    obs = m.score_observation(
        id="o-1",
        patient_id="p-1",
        code=m.ScoreCode(codes.LOCAL_INSTRUMENT, "peg", "PEG"),
        total=5,
        answers=[5],
        effective=AT,
        derived_from="qr-2",
    )
    assert obs.derivedFrom[0].reference == "QuestionnaireResponse/qr-2"


def test_an_mrn_system_is_recognized_for_any_organization_and_nothing_else():
    assert codes.is_mrn_system(codes.mrn_system("demo"))
    assert codes.is_mrn_system(codes.mrn_system("another-clinic"))
    assert not codes.is_mrn_system(codes.local_id_system("demo", "staff"))
    assert not codes.is_mrn_system(f"{codes.LOCAL_BASE}:organization::mrn")
    assert not codes.is_mrn_system("http://hospital.example.org/mrn")
    assert not codes.is_mrn_system(None)
