"""A likely duplicate person at registration and on a demographics change: same name (without
case, accents or spaces) and date of birth, or same phone, or same e-mail as a patient of the
organization. The page and the API show the candidates and write nothing until the user
confirms that this is a different person; the confirmation is in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.intake import identity
from kitclinic.patients import services
from kitclinic.patients.models import Patient
from tests.patients.helpers import demographics
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

RIVERA = {
    "family_name": "Rivera",
    "given_name": "Sam",
    "date_of_birth": dt.date(1984, 3, 12),
    "sex_at_birth": "male",
}


@pytest.fixture
def rivera(world) -> Patient:
    return services.patient_register(
        actor=world.actor("front_desk"),
        data=demographics(
            mrn="R-1", phone="(555) 010-0142", email="Sam.Rivera@Example.org", **RIVERA
        ),
    )


# --- the pure keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Rivera", "Sam"), ("RIVERA", "sam")),
        (("José", "Núñez"), ("Jose", "Nunez")),
        (("de la Cruz", "Ana María"), ("DelaCruz", "Ana-Maria")),
        (("O'Brien", "Sam"), ("OBrien", "  Sam ")),
    ],
)
def test_names_are_compared_without_case_accents_spaces_or_punctuation(a, b):
    assert identity.name_key(*a) == identity.name_key(*b) != ""


def test_different_names_or_an_empty_name_do_not_match():
    assert identity.name_key("Rivera", "Sam") != identity.name_key("Rivera", "Samuel")
    assert identity.name_key("Rivera", "Sam") != identity.name_key("Sam", "Rivera")
    assert identity.name_key("", "Sam") == ""


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("+1 (555) 010-0142", "555.010.0142", True),
        ("555-010-0142", "555-010-0143", False),
        ("12", "12", False),  # too short to compare: never a match
    ],
)
def test_phones_are_compared_by_their_last_digits(a, b, same):
    keys_a, keys_b = identity.phone_key(a), identity.phone_key(b)
    assert (keys_a != "" and keys_a == keys_b) is same


def test_matches_lists_every_reason_in_order():
    new = identity.keys_of(
        family_name="Rivera",
        given_name="Sam",
        birth_date="1984-03-12",
        phone="5550100142",
        email="a@b.org",
    )
    same = identity.keys_of(
        family_name="rivera",
        given_name="SAM",
        birth_date="1984-03-12",
        phone="555 010 0142",
        email="A@B.ORG",
    )
    assert identity.matches(new, same) == [
        identity.Match.NAME_AND_BIRTH_DATE,
        identity.Match.PHONE,
        identity.Match.EMAIL,
    ]
    other_day = identity.keys_of(
        family_name="Rivera", given_name="Sam", birth_date="1984-03-13", phone="", email=""
    )
    assert identity.matches(new, other_day) == []


# --- the service ---------------------------------------------------------------------------------


def test_the_same_name_and_birth_date_is_refused_without_confirmation(world, rivera, unchanged):
    with pytest.raises(services.LikelyDuplicateError) as caught:
        services.patient_register(
            actor=world.actor("nurse"),
            data=demographics(
                mrn="R-2", phone="", email="", **{**RIVERA, "family_name": "RIVERA "}
            ),
        )
    [candidate] = caught.value.candidates
    assert candidate.patient == rivera
    assert candidate.reasons == (identity.Match.NAME_AND_BIRTH_DATE,)
    assert "MRN R-1" in caught.value.message_dict["confirm_not_duplicate"][0]


@pytest.mark.parametrize(
    ("contact", "reason"),
    [
        ({"phone": "555 010 0142", "email": ""}, identity.Match.PHONE),
        ({"phone": "", "email": "sam.rivera@example.ORG"}, identity.Match.EMAIL),
    ],
)
def test_the_same_phone_or_email_is_refused_without_confirmation(
    world, rivera, unchanged, contact, reason
):
    with pytest.raises(services.LikelyDuplicateError) as caught:
        services.patient_register(
            actor=world.actor("nurse"),
            data=demographics(mrn="K-2", family_name="Kim", given_name="Jo", **contact),
        )
    assert [(c.patient, c.reasons) for c in caught.value.candidates] == [(rivera, (reason,))]


def test_a_confirmed_different_person_is_registered_and_the_confirmation_audited(world, rivera):
    twin = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(mrn="R-2", phone="", email="", **RIVERA),
        confirm_not_duplicate=True,
    )
    event = AuditEvent.objects.get(object_id=str(twin.pk), action=AuditAction.CREATE)
    assert "different person" in event.detail and "MRN R-1" in event.detail
    assert "same name and date of birth" in event.detail


def test_a_person_unlike_anyone_needs_no_confirmation_and_says_nothing(world, rivera):
    other = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(
            mrn="R-3", phone="555-010-9999", email="", **{**RIVERA, "given_name": "Samuel"}
        ),
    )
    assert AuditEvent.objects.get(object_id=str(other.pk), action=AuditAction.CREATE).detail == ""


def test_another_organizations_patient_is_not_a_duplicate(world, other_org_patient):
    services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(
            mrn="X-1",
            family_name=other_org_patient.family_name,
            given_name=other_org_patient.given_name,
            date_of_birth=other_org_patient.date_of_birth,
            phone="",
            email="",
        ),
    )


def test_changing_demographics_into_another_patients_identity_needs_confirmation(world, rivera):
    kim = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(mrn="K-1", family_name="Kim", given_name="Jo", phone="", email=""),
    )
    change = demographics(
        mrn="K-1", family_name="Kim", given_name="Jo", phone="5550100142", email=""
    )
    with pytest.raises(services.LikelyDuplicateError):
        services.patient_update_demographics(actor=world.actor("nurse"), patient=kim, data=change)
    kim.refresh_from_db()
    assert kim.phone == ""
    services.patient_update_demographics(
        actor=world.actor("nurse"), patient=kim, data=change, confirm_not_duplicate=True
    )
    kim.refresh_from_db()
    assert kim.phone_key == "5550100142"


def test_an_edit_that_leaves_the_identity_alone_never_asks(world, rivera):
    twin = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(mrn="R-2", phone="", email="", **RIVERA),
        confirm_not_duplicate=True,
    )
    services.patient_update_demographics(
        actor=world.actor("nurse"),
        patient=twin,
        data=demographics(mrn="R-2", phone="", email="", address="1 Main St", **RIVERA),
    )


# --- the page ------------------------------------------------------------------------------------


def _form(**overrides: object) -> dict[str, object]:
    body = {
        "mrn": "R-2",
        "family_name": "Rivera",
        "given_name": "Sam",
        "date_of_birth": "1984-03-12",
        "sex_at_birth": "male",
    }
    body.update(overrides)
    return body


def test_the_page_shows_the_likely_duplicate_and_writes_nothing(login, rivera):
    client = login("front_desk")
    before = row_counts()
    response = client.post(reverse("patient-register"), _form())
    assert row_counts() == before
    assert response.status_code == 422
    body = response.content.decode()
    assert "This may be a patient already registered" in body
    assert "R-1" in body and "1984-03-12" in body and "Same name and date of birth" in body
    assert reverse("patient-chart", args=[rivera.pk]) in body
    assert 'name="confirm_not_duplicate"' in body


def test_the_page_registers_once_the_different_person_is_confirmed(login, rivera):
    client = login("front_desk")
    response = client.post(reverse("patient-register"), _form(confirm_not_duplicate="on"))
    assert response.status_code == 302
    twin = Patient.objects.get(mrn="R-2")
    assert response["Location"] == reverse("patient-chart", args=[twin.pk])
    assert (
        "different person"
        in AuditEvent.objects.get(object_id=str(twin.pk), action=AuditAction.CREATE).detail
    )


def test_the_page_asks_again_when_the_box_is_left_unticked(login, rivera):
    client = login("front_desk")
    before = row_counts()
    # the field was shown, then sent without the tick (an unticked box sends nothing)
    response = client.post(reverse("patient-register"), _form())
    assert row_counts() == before
    assert response.status_code == 422
    assert "tick this box" in response.content.decode()


def test_the_demographics_page_warns_too(login, world, rivera):
    kim = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(mrn="K-1", family_name="Kim", given_name="Jo", phone="", email=""),
    )
    url = reverse("patient-edit", args=[kim.pk])
    form = _form(mrn="K-1", family_name="Kim", given_name="Jo", email="sam.rivera@example.org")
    response = login("nurse").post(url, form)
    assert response.status_code == 422 and "Same e-mail address" in response.content.decode()
    kim.refresh_from_db()
    assert kim.email == ""
    assert login("nurse").post(url, {**form, "confirm_not_duplicate": "on"}).status_code == 302


# --- the API -------------------------------------------------------------------------------------


def _body(**overrides: object) -> dict[str, object]:
    return {**_form(), **overrides}


def test_the_api_answers_409_with_the_candidates_and_writes_nothing(client_for, rivera, unchanged):
    response = client_for("nurse").post("/api/v1/patients/", _body(), format="json")
    assert response.status_code == 409
    data = response.json()
    assert data["candidates"] == [
        {
            "id": rivera.pk,
            "mrn": "R-1",
            "family_name": "Rivera",
            "given_name": "Sam",
            "date_of_birth": "1984-03-12",
            "reasons": ["name_and_birth_date"],
        }
    ]
    assert "confirm_not_duplicate" in data["errors"]


def test_the_api_registers_with_the_confirmation_flag(client_for, rivera):
    response = client_for("nurse").post(
        "/api/v1/patients/", _body(confirm_not_duplicate=True), format="json"
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(object_id=str(response.json()["id"]), action=AuditAction.CREATE)
    assert "MRN R-1" in event.detail


def test_the_api_confirmation_must_be_a_boolean(client_for, rivera, unchanged):
    response = client_for("nurse").post(
        "/api/v1/patients/", _body(confirm_not_duplicate="yes"), format="json"
    )
    assert response.status_code == 400
    assert "confirm_not_duplicate" in response.json()["errors"]


def test_the_api_patch_into_a_duplicate_is_409_then_allowed_with_the_flag(
    world, client_for, rivera
):
    kim = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(mrn="K-1", family_name="Kim", given_name="Jo", phone="", email=""),
    )
    client = client_for("front_desk")
    url = f"/api/v1/patients/{kim.pk}/"
    response = client.patch(url, {"phone": "555-010-0142"}, format="json")
    assert response.status_code == 409
    assert [c["reasons"] for c in response.json()["candidates"]] == [["phone"]]
    kim.refresh_from_db()
    assert kim.phone == ""
    response = client.patch(
        url, {"phone": "555-010-0142", "confirm_not_duplicate": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["phone"] == "555-010-0142"


def test_only_the_demographics_endpoints_document_the_duplicate_answer():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    patient = "/api/v1/patients/{patient_id}/"
    assert "409" in paths["/api/v1/patients/"]["post"]["responses"]
    assert "409" in paths[patient]["put"]["responses"]
    assert "409" in paths[patient]["patch"]["responses"]
    # The episode (onset, severity) changes no identity key: it is never a likely duplicate.
    assert "409" not in paths[patient + "episode/"]["put"]["responses"]
