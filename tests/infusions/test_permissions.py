"""Every infusion page × every persona, expectations derived from PERMISSIONS: a role in
PERMISSIONS[action] gets the page (200) or the write (302), any other role 403 and nothing
written, another organization's object is 404, an anonymous visitor goes to the log-in page."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.services.library import library_draft_create
from tests.support.personas import ROLES
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "other_org", "anonymous"]
PERSONA_ROLE = {**{r: Role(r) for r in ROLES}, "other_org": Role.PHYSICIAN}


@dataclass(frozen=True)
class View:
    name: str
    action: Action
    on: str | None  # None, "patient", "course", "session", "version"
    method: str = "GET"
    data: tuple[tuple[str, str], ...] = ()


VIEWS = [
    View("infusions-today", Action.PATIENT_VIEW, None),
    View("infusions-library", Action.PATIENT_VIEW, None),
    View("infusions-library-draft", Action.LIBRARY_EDIT, None),
    View("infusions-library-approve", Action.LIBRARY_APPROVE, "version", "POST"),
    View("infusions-course-plan", Action.COURSE_PLAN, "patient"),
    View("infusions-course", Action.PATIENT_VIEW, "course"),
    View(
        "infusions-course-status",
        Action.COURSE_PLAN,
        "course",
        "POST",
        (("status", "maintenance"),),
    ),
    View("infusions-book", Action.APPOINTMENT_BOOK, "course"),
    View("infusions-session", Action.PATIENT_VIEW, "session"),
    View("infusions-check-in", Action.SESSION_CHECK_IN, "session"),
    View("infusions-check-in-correct", Action.SESSION_CHECK_IN, "session"),
    View("infusions-order", Action.ORDER_PLACE, "session"),
    View("infusions-double-check", Action.ORDER_DOUBLE_CHECK, "session"),
    View("infusions-pump", Action.INFUSION_RUN, "session", "POST", (("op", "start"),)),
    View("infusions-vitals", Action.INFUSION_RUN, "session", "POST", (("slot_minute", "10"),)),
    View(
        "infusions-score",
        Action.INFUSION_RUN,
        "session",
        "POST",
        (("kind", "moaas"), ("level", "4")),
    ),
    View("infusions-adverse-event", Action.INFUSION_RUN, "session"),
    View("infusions-discharge", Action.DISCHARGE, "session"),
    View("infusions-rate-change", Action.INFUSION_RUN, "session"),
    View("infusions-stop", Action.INFUSION_RUN, "session"),
    View("infusions-waste", Action.SUBSTANCE_DISPENSE, "session"),
    View("infusions-sign", Action.SESSION_SIGN, "session"),  # the summary
    View("infusions-sign", Action.SESSION_SIGN, "session", "POST"),
    View("infusions-addendum", Action.ADDENDUM_WRITE, "session"),
    View("infusions-cancel", Action.APPOINTMENT_BOOK, "session"),
    View("infusions-no-show", Action.APPOINTMENT_BOOK, "session"),
    View("infusions-send-back", Action.ORDER_DOUBLE_CHECK, "session"),
    View("infusions-withdraw", Action.ORDER_PLACE, "session"),
]


@pytest.fixture
def objects(world, session):
    draft = library_draft_create(
        actor=world.actor("clinic_admin"),
        data=DrugLibraryVersion.objects.get(status="approved").data,
    )
    return {
        "patient": session.patient_id,
        "course": session.course_id,
        "session": session.pk,
        "version": draft.pk,
    }


def _url(view: View, objects) -> str:  # type: ignore[no-untyped-def]
    if view.on is None:
        return reverse(view.name)
    return reverse(view.name, args=[objects[view.on]])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.name}-{v.method}")
def test_view_permission(login, world, objects, view, persona):
    client = login(persona)
    url = _url(view, objects)
    before = row_counts()
    if view.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, dict(view.data))
    if persona == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert row_counts() == before
        return
    if persona == "other_org" and view.on is not None:
        assert response.status_code == 404
        assert row_counts() == before
        return
    allowed = PERSONA_ROLE[persona] in PERMISSIONS[view.action]
    if not allowed:
        assert response.status_code == 403
        # only the audit of nothing: a refused request writes no row at all
        assert row_counts() == before
    else:
        assert response.status_code == (200 if view.method == "GET" else 302)


def test_post_views_reject_get(login, objects):
    client = login("physician")
    pages = {v.name for v in VIEWS if v.method == "GET"}
    for view in VIEWS:
        if view.method == "POST" and view.name not in pages:
            assert client.get(_url(view, objects)).status_code == 405, view.name


def test_csrf_is_enforced_on_infusion_writes(login, objects):
    client = login("nurse", enforce_csrf_checks=True)
    before = row_counts()
    url = reverse("infusions-pump", args=[objects["session"]])
    assert client.post(url, {"op": "start"}).status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.name}-{v.method}")
def test_view_with_the_role_only_at_another_clinic(login, world, objects, view):
    """A role that may do the action, held at Southside only: Northside's session (and all under
    it) is refused (403, nothing written); the library, patients and courses are the
    organization's and answer as the matrix says."""
    role = next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[view.action])
    client = login(world.elsewhere(role))
    url = _url(view, objects)
    before = row_counts()
    response = client.get(url) if view.method == "GET" else client.post(url, dict(view.data))
    if view.on == "session":
        assert response.status_code == 403
        assert b"no role at Northside" in response.content
        assert row_counts() == before
    else:
        assert response.status_code == (200 if view.method == "GET" else 302)
