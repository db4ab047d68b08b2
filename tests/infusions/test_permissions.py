"""Every infusion page × every persona, expectations derived from PERMISSIONS: a role in
PERMISSIONS[action] gets the page (200) or the write (302), any other role 403 and nothing
written, another organization's object is 404, an anonymous visitor goes to the log-in page, and
a role held only at another clinic of the organization cannot act on this clinic's sessions.

The records are built once per page and every persona is checked against them, each in a
savepoint rolled back after its check (``rolled_back``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.services.library import library_draft_create
from tests.support.personas import ROLES
from tests.support.rows import rolled_back, row_counts

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
    args: tuple[str, ...] = ()  # after the object's id


VIEWS = [
    View("infusions-today", Action.PATIENT_VIEW, None),
    View("infusions-library", Action.PATIENT_VIEW, None),
    View("infusions-library-draft", Action.LIBRARY_EDIT, None, "POST"),
    View("infusions-library-import", Action.LIBRARY_EDIT, None),
    View("infusions-library-export", Action.PATIENT_VIEW, "version"),
    View("infusions-library-draft-edit", Action.LIBRARY_EDIT, "version"),
    View("infusions-library-details", Action.LIBRARY_EDIT, "version"),
    View("infusions-library-protocol-add", Action.LIBRARY_EDIT, "version"),
    View(
        "infusions-library-protocol",
        Action.LIBRARY_EDIT,
        "version",
        args=("depression-standard",),
    ),
    View(
        "infusions-library-limits",
        Action.LIBRARY_EDIT,
        "version",
        args=("depression-standard", "dose_limits"),
    ),
    View(
        "infusions-library-protocol-retire",
        Action.LIBRARY_EDIT,
        "version",
        "POST",
        args=("anxiety-standard",),
    ),
    View(
        "infusions-library-protocol-restore",
        Action.LIBRARY_EDIT,
        "version",
        "POST",
        args=("depression-standard",),
    ),
    View("infusions-library-discard", Action.LIBRARY_EDIT, "version", "POST"),
    View("infusions-library-review", Action.PATIENT_VIEW, "version"),
    View("infusions-library-approve", Action.LIBRARY_APPROVE, "version", "POST"),
    View(
        "infusions-library-send-back",
        Action.LIBRARY_APPROVE,
        "version",
        "POST",
        (("reason", "The soft maximum needs its citation."),),
    ),
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
    return reverse(view.name, args=[objects[view.on], *view.args])


def _allowed_role(action: Action) -> Role:
    return next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[action])


def _expected(view: View, persona: str) -> int:
    """The status the matrix gives ``persona``: 200 for a page, 302 for a write, 403 refused,
    404 for another organization's object, 302 to the log-in page for an anonymous visitor;
    ``elsewhere_<role>`` holds a role that may do the action, at Southside only: Northside's
    session (and all under it) is refused, while the library, patients and courses are the
    organization's and answer as the matrix says."""
    success = 200 if view.method == "GET" else 302
    if persona == "anonymous":
        return 302
    if persona.startswith("elsewhere_"):
        return 403 if view.on == "session" else success
    if persona == "other_org" and view.on is not None:
        return 404
    return success if PERSONA_ROLE[persona] in PERMISSIONS[view.action] else 403


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.name}-{v.method}")
def test_view_permission(subtests, login, world, objects, view):
    """Every persona, and a user whose role is only at Southside, against one built world: each
    request runs in a savepoint rolled back after its check, so every persona meets the same
    rows; each persona is its own subtest, named in the report when it fails."""
    url = _url(view, objects)
    personas = [*PERSONAS, world.elsewhere(_allowed_role(view.action))]
    for persona in personas:
        with subtests.test(persona=persona), rolled_back():
            client = login(persona)
            before = row_counts()
            if view.method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, dict(view.data))
            expected = _expected(view, persona)
            assert response.status_code == expected, f"{persona}: {response.status_code}"
            if persona == "anonymous":
                assert "/login/" in response["Location"]
            if persona == "anonymous" or expected in (403, 404):
                # a refused request writes no row at all (only the audit of nothing)
                assert row_counts() == before, persona
            if persona.startswith("elsewhere_") and expected == 403:
                assert b"no role at Northside" in response.content, persona


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
