"""Every page × every persona × GET/POST. Expectations come from kitclinic.accounts.roles: a role
in PERMISSIONS[action] gets the page (200) or the write (302), any other role 403, another
organization's patient is 404 to everybody, and an anonymous visitor is sent to the log-in page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.patients import services
from tests.patients.helpers import clear_screen
from tests.support.personas import ROLES
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "other_org"]
PERSONA_ROLE = {**{r: Role(r) for r in ROLES}, "other_org": Role.PHYSICIAN}


def _demographics_post(mrn: str) -> dict[str, str]:
    return {
        "mrn": mrn,
        "family_name": "Nakamura",
        "given_name": "Kei",
        "date_of_birth": "1979-08-02",
        "sex_at_birth": "male",
    }


def _screen_post() -> dict[str, str]:
    return {f"item_{code}": "no" for code in clear_screen()}


@dataclass(frozen=True)
class Page:
    name: str
    action: Action | None  # None: any role
    on_patient: bool
    get: bool = True
    post: Callable[[str], dict[str, str]] | None = None  # persona -> valid form data


PAGES = [
    Page("dashboard", Action.PATIENT_VIEW, on_patient=False),
    Page("patient-list", Action.PATIENT_VIEW, on_patient=False),
    Page(
        "patient-register",
        Action.PATIENT_REGISTER,
        on_patient=False,
        post=lambda persona: _demographics_post(f"NEW-{persona.replace('_', '-')}"),
    ),
    Page("patient-chart", Action.PATIENT_VIEW, on_patient=True),
    Page(
        "patient-edit",
        Action.PATIENT_EDIT_DEMOGRAPHICS,
        on_patient=True,
        post=lambda persona: _demographics_post("KC-EDITED"),
    ),
    Page(
        "episode-edit",
        Action.CLINICAL_HISTORY_EDIT,
        on_patient=True,
        post=lambda persona: {"episode_onset_date": "2025-06-01", "episode_severity": "moderate"},
    ),
    Page(
        "diagnosis-add",
        Action.CLINICAL_HISTORY_EDIT,
        on_patient=True,
        post=lambda persona: {"icd10_code": "f332", "description": "MDD, recurrent, severe"},
    ),
    Page(
        "trial-add",
        Action.CLINICAL_HISTORY_EDIT,
        on_patient=True,
        post=lambda persona: {
            "treatment_name": "Sertraline",
            "treatment_class": "ssri",
            "weeks": "8",
            "adequate": "yes",
            "outcome": "no_response",
            "current_episode": "on",
        },
    ),
    Page(
        "screen-record",
        Action.CONTRAINDICATION_SCREEN_RECORD,
        on_patient=True,
        post=lambda persona: _screen_post(),
    ),
    Page(
        "eligibility-decide",
        Action.ELIGIBILITY_SIGN,
        on_patient=True,
        # No diagnosis on file: the rules give not eligible, the only outcome to sign.
        post=lambda persona: {"indication": "anxiety", "outcome": "not_eligible"},
    ),
    Page("audit-trail", Action.AUDIT_VIEW, on_patient=False),
    Page("clinic-switch", None, on_patient=False, get=False, post=lambda persona: {}),
]
PAGES_BY_NAME = {p.name: p for p in PAGES}
CASES = [
    pytest.param(page.name, method, persona, id=f"{page.name}-{method}-{persona}")
    for page in PAGES
    for method in ("GET", "POST")
    if (page.get if method == "GET" else page.post is not None)
    for persona in [*PERSONAS, "anonymous"]
]


@pytest.fixture
def screened_patient(world, patient):
    """The shared patient, with a screen so that an eligibility decision can be signed."""
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    return patient


def _url(page: Page, patient_id: int) -> str:
    return (
        reverse(page.name, kwargs={"patient_id": patient_id})
        if page.on_patient
        else reverse(page.name)
    )


def _post_data(page: Page, persona: str, world) -> dict[str, str]:
    assert page.post is not None
    data = page.post(persona)
    if page.name == "clinic-switch" and persona != "anonymous":
        data = {"clinic": str(world.memberships[persona].clinic_id)}
    return data


def _expected(page: Page, persona: str, method: str) -> int:
    if persona == "anonymous":
        return 302
    if page.on_patient and persona == "other_org":
        return 404
    allowed = page.action is None or PERSONA_ROLE[persona] in PERMISSIONS[page.action]
    if not allowed:
        return 403
    return 200 if method == "GET" else 302


@pytest.mark.parametrize(("page_name", "method", "persona"), CASES)
def test_page_answers_each_persona_as_the_permission_matrix_says(
    login, world, screened_patient, page_name, method, persona
):
    page = PAGES_BY_NAME[page_name]
    client = login(persona)
    url = _url(page, screened_patient.pk)
    before = row_counts()
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _post_data(page, persona, world))
    expected = _expected(page, persona, method)
    assert response.status_code == expected, response.content[:500]
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login") + "?next=")
    if expected in (403, 404) or persona == "anonymous":
        assert row_counts() == before, "a refused request wrote something"
    if expected == 302 and persona != "anonymous" and page.name != "clinic-switch":
        assert row_counts() != before, "an allowed write wrote nothing"
        assert "/patients/" in response["Location"]


PATIENT_PAGES = [p for p in PAGES if p.on_patient]


@pytest.mark.parametrize("persona", ROLES)
@pytest.mark.parametrize("page", PATIENT_PAGES, ids=lambda p: p.name)
def test_another_organizations_patient_is_404_for_every_role(
    login, world, other_org_patient, persona, page
):
    services.screen_record(
        actor=world.actor("other_org"), patient=other_org_patient, answers=clear_screen()
    )
    client = login(persona)
    url = _url(page, other_org_patient.pk)
    before = row_counts()
    assert client.get(url).status_code == 404
    if page.post is not None:
        assert client.post(url, page.post(persona)).status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("persona", ROLES)
def test_unknown_patient_is_404(login, persona):
    assert (
        login(persona).get(reverse("patient-chart", kwargs={"patient_id": 999999})).status_code
        == 404
    )


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_patient_search_with_htmx_header_returns_only_the_results_partial(
    login, screened_patient, persona
):
    response = login(persona).get(reverse("patient-list"), {"q": "riv"}, HTTP_HX_REQUEST="true")
    if persona == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="results"' in html
    assert "<html" not in html
    if persona == "other_org":
        assert "Rivera" not in html
    else:
        assert "Rivera, Sam" in html


def test_clinic_switch_to_a_clinic_without_a_role_is_403(login, world):
    response = login("nurse").post(reverse("clinic-switch"), {"clinic": world.other_clinic.pk})
    assert response.status_code == 403


def test_clinic_switch_is_post_only(login):
    assert login("nurse").get(reverse("clinic-switch")).status_code == 405


def test_clinic_switch_changes_the_acting_role(login, world):
    from tests.factories import MembershipFactory

    clinic_b = world.clinic.organization.clinics.create(name="Southside")
    MembershipFactory(user=world.users["nurse"], clinic=clinic_b, role="clinic_admin")
    client = login("nurse")
    assert client.get(reverse("audit-trail")).status_code == 403
    switched = client.post(reverse("clinic-switch"), {"clinic": clinic_b.pk})
    assert switched.status_code == 302
    assert client.get(reverse("audit-trail")).status_code == 200


def test_user_without_any_active_role_is_403(login, world):
    membership = world.memberships["physician"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert login("physician").get(reverse("dashboard")).status_code == 403


def test_anonymous_is_redirected_to_login_with_next(login):
    response = login("anonymous").get(reverse("patient-list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + reverse("patient-list")


def test_revoked_role_at_the_chosen_clinic_falls_back_to_a_remaining_role(login, world):
    from tests.factories import MembershipFactory

    clinic_b = world.clinic.organization.clinics.create(name="Southside")
    at_b = MembershipFactory(user=world.users["nurse"], clinic=clinic_b, role="clinic_admin")
    client = login("nurse")
    assert client.post(reverse("clinic-switch"), {"clinic": clinic_b.pk}).status_code == 302
    at_b.is_active = False
    at_b.save(update_fields=["is_active"])
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["actor"].membership == world.memberships["nurse"]
    assert client.get(reverse("audit-trail")).status_code == 403


def test_clinic_header_for_a_clinic_without_a_role_is_403(login, world):
    response = login("nurse").get(
        reverse("dashboard"), HTTP_X_KITCLINIC_CLINIC=str(world.other_clinic.pk)
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("page_name", "method"),
    [
        pytest.param(page.name, method, id=f"{page.name}-{method}")
        for page in PATIENT_PAGES
        for method in ("GET", "POST")
        if (page.get if method == "GET" else page.post is not None)
    ],
)
def test_patient_pages_with_the_role_only_at_another_clinic(
    login, world, screened_patient, page_name, method
):
    """Patients are the organization's, not a clinic's: a role that may do the action, held
    only at Southside, opens and changes the chart of a patient registered at Northside as the
    matrix says (the clinic rule is for sessions, appointments, lots, counts and alerts)."""
    page = PAGES_BY_NAME[page_name]
    role = next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[page.action])
    persona = world.elsewhere(role)
    assert screened_patient.home_clinic_id == world.clinic.pk
    client = login(persona)
    url = _url(page, screened_patient.pk)
    before = row_counts()
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _post_data(page, persona, world))
    assert response.status_code == (200 if method == "GET" else 302), response.content[:500]
    if method == "POST":
        assert row_counts() != before
