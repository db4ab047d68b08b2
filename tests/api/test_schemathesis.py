"""The whole API against its own OpenAPI schema, with Schemathesis.

Every operation of ``/api/schema/`` is called with generated requests (valid and invalid
bodies, query strings and path ids) through the WSGI application, and every response must:
not be a server error, have a status code the schema documents for the operation, have the
documented content type, match the documented body schema and the documented headers.

Each operation runs the three phases of the ``schemathesis`` command: the schema's examples,
the coverage cases (boundary values, missing and wrongly typed values, other media types and
methods) and fuzzing, each with valid and invalid data. Bounded so that ``make test`` runs it:
a fixed number of fuzzed examples per operation, derandomized (the same requests on every run),
no example database. Every other generated path id and clinic header is swapped for one that
exists in the demo clinic, so the handlers run past their 404 and 403.
"""

from __future__ import annotations

import copy
import functools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.python import wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import SUMMARY_PROPERTY
from tests.support.clock import afternoon

pytestmark = pytest.mark.schemathesis


def errors_are_json_in_one_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer of the API, documented for the operation or not (a 405 for an
    undeclared method, a 415 for another media type), is JSON in the one error shape:
    ``{"detail": str, "errors"?: {field: [str, ...]}}``."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}, not JSON"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("detail"), str), (
        f"{response.status_code} without a string 'detail': {body!r}"[:300]
    )
    errors = body.get("errors", {})
    assert isinstance(errors, dict) and all(
        isinstance(reasons, list) and all(isinstance(r, str) for r in reasons)
        for reasons in errors.values()
    ), f"'errors' is not {{field: [reason, ...]}}: {errors!r}"[:300]
    return True


CHECKS = [
    errors_are_json_in_one_shape,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Fuzzed examples per operation (the examples and coverage phases add their own fixed cases):
# about 9,300 requests for the 98 operations as the physician, 490 without credentials.
EXAMPLES_AUTHENTICATED = 10
EXAMPLES_ANONYMOUS = 5

# Operations that cannot be checked against a schema, with the reason. None today: every
# operation answers JSON.
EXCLUDED: dict[str, str] = {}


def _ids(model_path: str) -> Callable[[], list[int]]:
    def load() -> list[int]:
        from django.apps import apps

        model = apps.get_model(model_path)
        return list(model.objects.order_by("pk").values_list("pk", flat=True)[:50])

    return load


# Path parameters (and the acting-clinic header) whose generated values are partly replaced by
# ids of existing rows.
EXISTING_IDS: dict[str, Callable[[], list[int]]] = {
    "patient_id": _ids("patients.Patient"),
    "session_id": _ids("infusions.InfusionSession"),
    "course_id": _ids("infusions.TreatmentCourse"),
    "appointment_id": _ids("infusions.Appointment"),
    "version_id": _ids("infusions.DrugLibraryVersion"),
    "alert_id": _ids("assessments.SafetyAlert"),
    "payment_id": _ids("payments.Payment"),
    "clinic": _ids("accounts.Clinic"),  # the demo organization's two clinics
    # spare tokens (auth_headers): revoking one leaves the fuzzing client's own token working
    "token_id": lambda: _spare_tokens(),
}


SPARE_TOKEN = "spare"


def _spare_tokens() -> list[int]:
    from kitclinic.accounts.models import ApiToken

    return list(
        ApiToken.objects.filter(name=SPARE_TOKEN).order_by("pk").values_list("pk", flat=True)
    )


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The document ``/api/schema/`` serves (drf-spectacular's generator, no request); the same
    for every part of a run, so generated once per process."""
    return SchemaGenerator().get_schema(request=None, public=True)


@dataclass
class Tally:
    operations: int = 0
    requests: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # "operation: check" -> message
    seconds: float = 0.0
    succeeded: set[str] = field(default_factory=set)  # operations that answered a 2xx
    labels: list[str] = field(default_factory=list)

    def summary(self, who: str) -> str:
        return (
            f"schemathesis ({who}): {self.operations} operations, {self.requests} requests, "
            f"{len(self.failures)} failures, {len(self.succeeded)} operations answered 2xx, "
            f"{self.seconds:.0f} s"
        )


@pytest.fixture
def wsgi_app(settings) -> Iterator[Any]:
    """The project's WSGI application, answering inside the test's transaction.

    Django closes the connection around each request (``close_old_connections``); inside the
    test's transaction that would drop it, so those hooks are off while the fuzzer runs (as
    Django's own test client does)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, wsgi.HOST]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def afternoon_clock() -> Iterator[None]:
    """The clock reads today 13:00 when the module's first test starts and runs on from there
    (tests/support/clock.py): the demo's appointments of the morning have all begun, whatever
    hour the suite runs at, so every run reaches the same states."""
    with afternoon():
        yield


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker, afternoon_clock) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The demo clinic (12 patients) and the fuzzing client's credentials, made once for the
    tests of this module that a worker runs and rolled back after the last of them. Each test
    runs in a savepoint inside it (its ``db``), so every part starts from the same records
    whatever the others changed. Yields the physician's token."""
    from django.db import transaction

    from kitclinic.accounts.models import User
    from kitclinic.accounts.tokens import api_token_create
    from kitclinic.demo.seed import seed_demo
    from tests.factories import api_token_for

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(patients=12)
        for username in ("physician", "physician", "nurse"):
            user = User.objects.get(username=username)
            api_token_create(user=user, name=SPARE_TOKEN, scope="write", days=None)
        token = api_token_for(User.objects.get(username="physician"))
        yield token
        transaction.set_rollback(True)


@pytest.fixture
def demo_clinic(seeded_demo, db) -> None:  # type: ignore[no-untyped-def]
    """The module's demo clinic, as this test's savepoint sees it."""


@pytest.fixture
def auth_headers(seeded_demo, db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Credentials of the fuzzing client: the demo physician (the broadest clinical rights) at
    Northside, by a write-scoped API token."""
    return {"Authorization": f"Bearer {seeded_demo}"}


# Money is the front desk's and the clinic admin's, not the physician's (docs/payments.md): the
# payments operations are called as the demo clinic admin, who may do every one of them.
ADMIN_PATHS = ("/api/v1/payments/", "/payments/", "/packages/")


def _headers_for(label: str, headers: dict[str, str], made: dict[str, str]) -> dict[str, str]:
    """The physician's headers, or for a payments operation the clinic admin's (made once per
    run, in ``made``); none stay none (the run without credentials)."""
    if not headers or not any(part in label for part in ADMIN_PATHS):
        return headers
    if not made:
        from kitclinic.accounts.models import User
        from tests.factories import api_token_for

        made["Authorization"] = f"Bearer {api_token_for(User.objects.get(username='admin'))}"
    return made


CLINIC_HEADER = "X-Kitclinic-Clinic"


def _existing(value: Any, pool: list[int]) -> Any:
    """An existing id for every other generated value (chosen by the generated value, so the
    choice is as repeatable as the generation); the generated value otherwise."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    if not pool or number % 2:
        return value
    return pool[(abs(number) // 2) % len(pool)]


def _with_existing_ids(case: Any, pools: dict[str, list[int]]) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        if name in pools:
            case.path_parameters[name] = _existing(value, pools[name])
    if case.headers and CLINIC_HEADER in case.headers:
        case.headers[CLINIC_HEADER] = str(_existing(case.headers[CLINIC_HEADER], pools["clinic"]))


def _run_operation(
    operation: Any,
    label: str,
    examples: int,
    headers: dict[str, str],
    pools: dict[str, list[int]],
    tally: Tally,
    modes: list[HypothesisTestMode],
) -> None:
    def run(case: Any) -> None:
        _with_existing_ids(case, pools)
        tally.requests += 1
        response = case.call(headers=headers)
        if 200 <= response.status_code < 300:
            tally.succeeded.add(label)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{label}: {failure.title}"
                tally.failures.setdefault(key, f"{failure.message} [{response.status_code}]"[:600])
        except AssertionError as exc:
            tally.failures.setdefault(f"{label}: {type(exc).__name__}", str(exc)[:600])

    # Three phases, as the schemathesis command runs them: the schema's examples, the coverage
    # cases (boundaries, missing and wrong-typed values, undeclared methods) and fuzzing, each
    # with valid and invalid data; derandomized, so every run sends the same requests.
    bounded = hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    test = create_test(
        operation=operation,
        test_func=run,
        config=HypothesisTestConfig(
            project=operation.schema.config,
            modes=modes,
            settings=bounded,
            # also as the test's own settings, so that no loaded Hypothesis profile (explore,
            # ci) changes the bounds or the seed
            explicit_settings=bounded,
            apply_ci_profile=False,
        ),
    )
    test()


def fuzz(
    app: Any,
    headers: dict[str, str],
    examples: int,
    modes: list[HypothesisTestMode],
    part: int = 0,
    parts: int = 1,
) -> Tally:
    """Run every ``parts``-th operation from the ``part``-th on (parts run on separate workers)."""
    schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi_document()))
    schema.app = app
    pools = {name: load() for name, load in EXISTING_IDS.items()}
    tally = Tally()
    admin_headers: dict[str, str] = {}
    started = time.monotonic()
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        label = operation.label
        if index % parts != part or label in EXCLUDED:
            continue
        tally.operations += 1
        tally.labels.append(label)
        op_headers = _headers_for(label, headers, admin_headers)
        _run_operation(operation, label, examples, op_headers, pools, tally, modes)
    tally.seconds = time.monotonic() - started
    return tally


def _report(request: pytest.FixtureRequest, tally: Tally, who: str) -> None:
    request.node.user_properties.append(
        (
            SUMMARY_PROPERTY,
            {
                "who": who,
                "operations": tally.operations,
                "requests": tally.requests,
                "failures": len(tally.failures),
                "answered_2xx": len(tally.succeeded),
            },
        )
    )
    print(tally.summary(who))
    for label in tally.labels:
        if label not in tally.succeeded:
            print(f"  never 2xx: {label}")
    for key, message in sorted(tally.failures.items()):
        print(f"  {key}\n    {message}")


# The authenticated run is the long one: split into parts that pytest-xdist spreads over workers
# (each takes every sixth operation; the requests sent are the same whatever the split).
PARTS = 6


@pytest.mark.parametrize("part", range(PARTS))
def test_api_conforms_to_its_schema_for_a_physician(request, wsgi_app, auth_headers, part) -> None:
    modes = list(HypothesisTestMode)
    tally = fuzz(wsgi_app, auth_headers, EXAMPLES_AUTHENTICATED, modes, part, PARTS)
    _report(request, tally, "physician")
    assert tally.operations >= 60 // PARTS
    assert tally.requests >= tally.operations
    assert not tally.failures, tally.summary("physician")
    # The demo ids and clinic header reach every handler past its refusals at least once.
    assert [label for label in tally.labels if label not in tally.succeeded] == []


def test_api_conforms_to_its_schema_without_credentials(request, wsgi_app, demo_clinic) -> None:
    # Without credentials every operation must answer a documented 401; fuzzing alone shows it.
    tally = fuzz(wsgi_app, {}, EXAMPLES_ANONYMOUS, [HypothesisTestMode.FUZZING])
    _report(request, tally, "anonymous")
    assert tally.operations >= 60
    assert tally.requests >= tally.operations
    assert not tally.failures, tally.summary("anonymous")
    assert tally.succeeded == set(), "answered without credentials"
