"""The check-in's pre-infusion rating and the session's CADSS and post-infusion rating entered
item by item on the pages: what the pages ask, a wrong item answered with 422 and nothing
written, the paste line as a shortcut, and every persona against the item-by-item CADSS."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.assessments.models import Assessment
from kitclinic.infusions.models import CheckIn, SessionScore
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import NORMAL, PHQ9, advance
from tests.support.personas import ROLES
from tests.support.rows import rolled_back, row_counts

pytestmark = pytest.mark.django_db

CADSS = [1, 0, 2] + [0] * 19 + [1]


def _items(answers, prefix: str = "item_") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f"{prefix}{n}": str(a) for n, a in enumerate(answers, start=1)}


def _check_in(**rating: str) -> dict[str, str]:
    return {
        "identity_confirmed": "on",
        "consent_on_file": "on",
        "fasting_confirmed": "on",
        "escort_confirmed": "on",
        "weight_kg": "70",
        "weight_method": "measured",
        "pregnancy_status": "not_pregnant",
        **{k: str(v) for k, v in NORMAL.items()},
        **rating,
    }


def test_check_in_asks_the_phq9_item_by_item_with_its_wording(login, session):
    page = login("nurse").get(reverse("infusions-check-in", args=[session.pk])).content.decode()
    assert page.count('data-scale-item="') == 9
    assert 'for="id_rating_item_9"' in page
    assert "9. Thoughts that you would be better off dead or of hurting yourself" in page
    assert "0 = Not at all · 1 = Several days · 2 = More than half the days" in page
    assert 'name="rating_answers"' in page  # the paste line


def test_check_in_with_the_phq9_typed_item_by_item(login, session):
    url = reverse("infusions-check-in", args=[session.pk])
    response = login("nurse").post(url, _check_in(**_items(PHQ9, "rating_item_")))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CheckIn.objects.get(session=session).pre_rating_answers == PHQ9


def test_check_in_refuses_a_wrong_item_with_422_and_writes_nothing(login, session):
    nurse = login("nurse")
    url = reverse("infusions-check-in", args=[session.pk])
    before = row_counts()
    wrong = [*PHQ9[:2], 4, *PHQ9[3:]]
    response = nurse.post(url, _check_in(**_items(wrong, "rating_item_")))
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "rating_item_3": ["Item 3: 4 is outside the allowed 0–3."]
    }
    body = response.content.decode()
    assert 'id="id_rating_item_3_error"' in body and 'value="4"' in body
    disagree = nurse.post(
        url, _check_in(**_items(PHQ9, "rating_item_"), rating_answers="0,0,0,0,0,0,0,0,0")
    )
    assert disagree.status_code == 422
    assert "disagree at item 1 (typed 1, pasted 0)" in disagree.content.decode()
    assert row_counts() == before


@pytest.fixture
def running(world, session):  # type: ignore[no-untyped-def]
    return advance(world, session, SessionState.RUNNING, elapsed_min=40)


def test_the_session_page_asks_cadss_and_the_post_rating_item_by_item(login, running):
    page = login("nurse").get(reverse("infusions-session", args=[running.pk])).content.decode()
    # three forms on one page: the ids stay apart, so each label names its own input
    assert 'for="cadss_item_23"' in page and 'id="cadss_item_23"' in page
    assert 'for="post_item_9"' in page and 'id="post_item_9"' in page
    assert "Item 23 (0–4)" in page and "Post-infusion rating (PHQ-9)" in page
    assert 'for="moaas_level"' in page


def test_cadss_and_post_rating_typed_item_by_item_are_recorded(login, running):
    nurse = login("nurse")
    url = reverse("infusions-score", args=[running.pk])
    response = nurse.post(url, {"kind": "cadss", **_items(CADSS)})
    assert response.status_code == 302
    assert SessionScore.objects.get(session=running, kind="cadss").answers == CADSS
    response = nurse.post(url, {"kind": "post_rating", **_items(PHQ9)})
    assert response.status_code == 302
    post = SessionScore.objects.get(session=running, kind="post_rating")
    assert post.answers == PHQ9 and post.assessment is not None
    assert Assessment.objects.get(pk=post.assessment_id).answers == PHQ9


def test_a_wrong_cadss_item_comes_back_on_its_own_page_with_422(login, running):
    nurse = login("nurse")
    url = reverse("infusions-score", args=[running.pk])
    before = row_counts()
    answers = [*CADSS[:9], 6, *CADSS[10:]]
    response = nurse.post(url, {"kind": "cadss", **_items(answers)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Item 10: 6 is outside the allowed 0–4." in body
    assert "Nothing has been saved" in body
    assert response.context["form"]["item_3"].value() == "2"  # kept as typed
    short = nurse.post(url, {"kind": "post_rating", "answers": "1,2"})
    assert short.status_code == 422
    assert "2 answers pasted; PHQ-9 has 9 items" in short.content.decode()
    assert row_counts() == before


def test_a_scale_the_session_cannot_take_now_is_refused_with_422(login, session):
    # booked, not started: the service refuses; the answers come back with its reason
    nurse = login("nurse")
    before = row_counts()
    response = nurse.post(
        reverse("infusions-score", args=[session.pk]), {"kind": "cadss", **_items(CADSS)}
    )
    assert response.status_code == 422
    assert response.context["form"].non_field_errors()
    assert row_counts() == before


def test_every_persona_against_the_cadss_typed_item_by_item(subtests, world, login, running):
    url = reverse("infusions-score", args=[running.pk])
    for persona in [*ROLES, "other_org"]:
        with subtests.test(persona=persona), rolled_back():
            before = row_counts(SessionScore)
            response = login(persona).post(url, {"kind": "cadss", **_items(CADSS)})
            if persona == "other_org":
                expected = 404
            elif Role(persona) in PERMISSIONS[Action.INFUSION_RUN]:
                expected = 302
            else:
                expected = 403
            assert response.status_code == expected, f"{persona}: {response.status_code}"
            written = row_counts(SessionScore) != before
            assert written == (expected == 302), persona
