"""Vitals posted over the API at the same moment by several clients: different slots are all
kept, one slot keeps exactly one reading (the others get 409), one idempotency key keeps exactly
one reading (the others get it back with 200). On PostgreSQL the posts run in threads with their
own connections, released together by a barrier; SQLite serialises writers itself, so there the
same posts run one after the other and the same outcome is asserted."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from kitclinic.infusions.models import VitalSign
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import VITALS_BODY, walk
from tests.support.clients import api_client

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def _post_all(world, session, posts: list[tuple[str, dict[str, Any], str]]) -> list[Any]:  # type: ignore[no-untyped-def]
    """Each post is (persona, body, idempotency key or ""); returns (status, json) per post."""
    url = f"/api/v1/sessions/{session.pk}/vitals/"
    results: list[Any] = [None] * len(posts)
    threaded = connection.vendor == "postgresql"
    barrier = threading.Barrier(len(posts) if threaded else 1)

    def run(i: int) -> None:
        persona, body, key = posts[i]
        client = api_client(world, persona)
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        try:
            barrier.wait()
            response = client.post(url, body, format="json", **headers)
            results[i] = (response.status_code, response.json())
        except Exception as error:  # noqa: BLE001 - the outcome is what is compared
            results[i] = error
        finally:
            if threaded:
                connections.close_all()

    if threaded:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    else:
        for i in range(len(posts)):
            run(i)
    return results


@pytest.fixture
def running(world, session, physician2):
    return walk(world, session, SessionState.RUNNING, physician2)


def test_concurrent_posts_of_different_slots_are_all_kept(world, running):
    posts = [
        ("nurse" if i % 2 else "physician", {**VITALS_BODY, "slot_minute": 5 * (i + 1)}, "")
        for i in range(THREADS)
    ]
    results = _post_all(world, running, posts)
    assert [r[0] for r in results] == [201] * THREADS, results
    slots = sorted(VitalSign.objects.filter(session=running).values_list("slot_minute", flat=True))
    assert slots == [0, *[5 * (i + 1) for i in range(THREADS)]]


def test_concurrent_posts_of_one_slot_keep_exactly_one_reading(world, running):
    posts = [
        ("nurse" if i % 2 else "physician", {**VITALS_BODY, "hr": 70 + i}, f"device-{i}")
        for i in range(THREADS)
    ]
    results = _post_all(world, running, posts)
    codes = sorted(r[0] for r in results)
    assert codes == [201] + [409] * (THREADS - 1), results
    kept = VitalSign.objects.get(session=running, slot_minute=10)
    winner = next(body for code, body in results if code == 201)
    assert winner["id"] == kept.pk
    for code, body in results:
        if code == 409:
            assert f"already recorded by {kept.recorded_by}" in body["detail"]


def test_concurrent_retries_with_one_key_store_one_reading(world, running):
    posts = [("nurse", VITALS_BODY, "monitor-42")] * THREADS
    results = _post_all(world, running, posts)
    codes = sorted(r[0] for r in results)
    assert codes == [200] * (THREADS - 1) + [201], results
    assert len({body["id"] for _, body in results}) == 1
    assert VitalSign.objects.filter(session=running, idempotency_key="monitor-42").count() == 1
    assert VitalSign.objects.filter(session=running).count() == 2  # the baseline and this one


def test_mixed_slots_and_keys_lose_nothing_and_duplicate_nothing(world, running):
    # four slots, each posted twice with its own key (a retry) and once by a second device
    posts = []
    for slot in (5, 10, 15, 20):
        body = {**VITALS_BODY, "slot_minute": slot}
        posts += [("nurse", body, f"n-{slot}"), ("nurse", body, f"n-{slot}")]
        posts.append(("physician", body, f"p-{slot}"))
    results = _post_all(world, running, posts)
    assert all(isinstance(r, tuple) for r in results), results
    rows = {v.slot_minute: v for v in VitalSign.objects.filter(session=running, slot_minute__gt=0)}
    assert sorted(rows) == [5, 10, 15, 20]
    for (_, body, key), (code, answer) in zip(posts, results, strict=True):
        kept = rows[body["slot_minute"]]
        if key == kept.idempotency_key:  # the winner and its retry: the same reading
            assert code in (200, 201) and answer["id"] == kept.pk, (key, code, answer)
        else:  # the other device: told who recorded the slot
            assert code == 409 and "already recorded by" in answer["detail"], (key, answer)
    created = [answer["id"] for code, answer in results if code == 201]
    assert sorted(created) == sorted(v.pk for v in rows.values())
