"""Staff screens speak plain words: no internal code (a dose-check verdict such as
``weight_change_above_soft_max``, a state, a reason or protocol code) and no source key or project
file in the running text. Sources are one click away, inside a collapsed "Source"
(``details.source``), which the check skips; so are scripts, styles, ``<code>`` and what a form
hands back for editing (a ``<textarea>`` holds the stored text as it is)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.infusions.services import library as library_service
from kitclinic.infusions.services.infusion import observations
from kitclinic.infusions.states import SessionState
from kitclinic.pages.templatetags.kitclinic import cited, plain_value, role_label, source
from tests.infusions.conftest import chair, course, eligible, library  # noqa: F401  (fixtures)
from tests.infusions.helpers import advance, book, slot_time
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db

SNAKE_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
SOURCE_KEY = re.compile(r"\[[a-z][a-z0-9]*(?:-[a-z0-9]+)+\]")
PROJECT_FILE = re.compile(r"\b(?:docs|src|shared)/[\w/-]+\.md\b|\bkitclinic\.[a-z_]+\b")
SKIPPED = {"script", "style", "code", "template", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Visible(HTMLParser):
    """The text a reader sees: outside scripts, styles, ``<code>`` and collapsed sources."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: whether its text is skipped
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        skipped = tag in SKIPPED or (tag == "details" and "source" in classes)
        self.stack.append(skipped or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def internal_words(text: str) -> list[str]:
    return [m.group(0) for p in (SNAKE_CODE, SOURCE_KEY, PROJECT_FILE) for m in p.finditer(text)]


def test_the_check_finds_codes_and_skips_what_is_one_click_away():
    html = (
        "<p>Soft limit: weight_change_above_soft_max ([kitclinic-dose-rules]; docs/outcomes.md)</p>"
        '<details class="source"><summary>Source</summary><span>[riva-posse-2018]</span></details>'
        "<script>var not_shown = 1;</script><p>PHQ-9 total 12, 07 Dec 19:40</p>"
    )
    assert internal_words(visible_text(html)) == [
        "weight_change_above_soft_max",
        "[kitclinic-dose-rules]",
        "docs/outcomes.md",
    ]


@pytest.fixture
def busy_chart(world, course, chair):  # noqa: F811
    """A patient with a flagged PHQ-9 (an open safety alert), six PEG scores, an earlier infusion
    day at 82 kg and today's session discharged after a 110 kg weight was overridden (a reason
    and a physician's co-signature), so its sign-off page lists the override."""
    patient = course.patient
    nurse = world.actor("nurse")
    now = timezone.now()
    assessment_record(
        actor=nurse,
        patient=patient,
        instrument="phq9",
        answers=[2, 2, 2, 2, 1, 1, 1, 1, 2],
        administered_at=now - dt.timedelta(days=8),
    )
    pegs = ([7, 7, 6], [6, 6, 6], [5, 5, 4], [4, 4, 4], [3, 3, 3], [2, 2, 3])
    for i, answers in enumerate(pegs):
        assessment_record(
            actor=nurse,
            patient=patient,
            instrument="peg",
            answers=answers,
            administered_at=now - dt.timedelta(days=30 - 5 * i),
        )
    earlier = book(world, course, chair, slot_time(9, 0, days=-7))
    advance(world, earlier, SessionState.CHECKED_IN, weight_kg="82")
    today = book(world, course, chair, slot_time(9, 0))
    return advance(
        world,
        today,
        SessionState.DISCHARGED,
        weight_kg="110",
        override_reasons={"weight_change_above_soft_max": "Re-weighed twice on the clinic scale"},
        cosigner=world.users["physician"],
    )


def test_the_main_staff_pages_show_no_internal_codes(world, busy_chart):
    session = busy_chart
    patient = session.patient
    pages = {
        "physician": [
            reverse("dashboard"),
            reverse("patient-list"),
            reverse("patient-chart", args=[patient.pk]),
            reverse("infusions-today"),
            reverse("infusions-course", args=[session.course_id]),
            reverse("infusions-session", args=[session.pk]),
            reverse("infusions-sign", args=[session.pk]),
            reverse("alert-queue"),
            reverse("outcomes-dashboard"),
            reverse("progress-report-page", args=[patient.pk]),
            reverse("progress-report-page", args=[patient.pk]) + "?for=clinician",
            reverse("infusions-library"),
            reverse("substance-log"),
        ],
        "auditor": [reverse("audit-trail")],
    }
    usernames = {u.username for u in world.users.values()}  # names people log in with
    found = {}
    for persona, urls in pages.items():
        client = web_client(world, persona)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = visible_text(response.content.decode())
            words = [w for w in internal_words(text) if w not in usernames]
            if words:
                found[url] = sorted(set(words))
    chart = visible_text(
        web_client(world, "physician")
        .get(reverse("patient-chart", args=[patient.pk]))
        .content.decode()
    )
    planned = session.course
    assert planned.protocol_id not in chart and planned.protocol_name in chart  # name, not id
    assert not found, "\n".join(f"{url}: {', '.join(words)}" for url, words in found.items())


def test_source_keys_leave_the_running_text_for_a_collapsed_source():
    html = str(cited("IV racemic ketamine is off-label for depression ([kitclinic-workflow])."))
    assert html.startswith("IV racemic ketamine is off-label for depression. <details")
    assert internal_words(visible_text(html)) == []
    assert 'class="source"' in html and "kitclinic-workflow" in html
    assert cited("No source here.") == "No source here."
    assert source("") == ""


def test_stored_codes_read_as_words():
    assert plain_value("partial_response") == "partial response"
    assert plain_value(["active_psychosis", "not_pregnant"]) == "active psychosis, not pregnant"
    assert plain_value({"role": "front_desk"}) == "Role: front desk"
    assert plain_value(None) is None and plain_value(3) == 3
    assert role_label("front_desk") == "Front desk" and role_label("") == ""


def _codes_on(client, urls: list[str], usernames: set[str]) -> dict[str, list[str]]:
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        words = [
            w for w in internal_words(visible_text(response.content.decode())) if w not in usernames
        ]
        if words:
            found[url] = sorted(set(words))
    return found


def test_library_editing_and_vital_alerts_show_no_internal_codes(world, course, chair, library):  # noqa: F811
    """The drug library, a draft whose review lists a changed vital-sign alert and a changed
    source, its editor pages; a check-in whose systolic pressure fails the start criteria (its
    order page asks a reason per alert) and a running session with vital-sign alerts."""
    data = copy.deepcopy(library.data)
    depression = data["protocols"][0]
    depression["vitals_thresholds"][0]["limit"]["value"] = "175"
    depression["vitals_thresholds"][0]["limit"]["source"]["reason"] = "the clinic's own limit"
    depression["dose_limits"]["soft_max"]["value"] = "0.7"
    draft = library_service.library_draft_create(
        actor=world.actor("clinic_admin"), data=data, change_note="lower limits"
    )
    gated = advance(
        world,
        book(world, course, chair, slot_time(9, 0, days=-7)),
        SessionState.CHECKED_IN,
        sbp=185,
    )
    running = advance(world, book(world, course, chair, slot_time(9, 0)), SessionState.RUNNING)
    observations.vitals_record(
        actor=world.actor("nurse"),
        session=running,
        slot_minute=15,
        sbp=200,
        dbp=110,
        hr=120,
        rr=8,
        spo2=89,
    )
    editor = [
        reverse("infusions-library"),
        reverse("infusions-library-draft-edit", args=[draft.pk]),
        reverse("infusions-library-review", args=[draft.pk]),
        reverse("infusions-library-protocol", args=[draft.pk, "depression-standard"]),
        reverse("infusions-library-limits", args=[draft.pk, "depression-standard", "dose_limits"]),
        reverse("infusions-library-details", args=[draft.pk]),
        reverse("infusions-library-protocol-add", args=[draft.pk]),
    ]
    clinical = [
        reverse("infusions-library-review", args=[draft.pk]),
        reverse("infusions-session", args=[gated.pk]),
        reverse("infusions-check-in", args=[gated.pk]),
        reverse("infusions-check-in-correct", args=[gated.pk]),
        reverse("infusions-order", args=[gated.pk]),
        reverse("infusions-session", args=[running.pk]),
        reverse("infusions-course", args=[running.course_id]),
    ]
    usernames = {u.username for u in world.users.values()}
    found = _codes_on(web_client(world, "clinic_admin"), editor, usernames)
    found |= _codes_on(web_client(world, "physician"), clinical, usernames)
    assert not found, "\n".join(f"{url}: {', '.join(words)}" for url, words in found.items())

    physician = web_client(world, "physician")
    order = visible_text(
        physician.get(reverse("infusions-order", args=[gated.pk])).content.decode()
    )
    assert "start criteria: systolic blood pressure at the pause limit" in order
    review = physician.get(reverse("infusions-library-review", args=[draft.pk])).content.decode()
    assert "the clinic&#x27;s own limit" in review  # the changed source, one click away
    assert "the clinic" not in visible_text(review)
    running_html = physician.get(reverse("infusions-session", args=[running.pk])).content.decode()
    assert "SBP 200 mmHg" in visible_text(running_html)  # the alert itself is shown, in words
    assert "sanacora-2017" in running_html  # and its source, one click away
