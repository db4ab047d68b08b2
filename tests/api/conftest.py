"""API test helpers: valid request bodies, and the schema run's summary line."""

from __future__ import annotations

import pytest

from kitclinic.intake import contraindications
from kitclinic.patients import services
from kitclinic.patients.models import ContraindicationScreen


def screen_answers(**present: bool) -> dict[str, bool]:
    """A complete screen: every catalogue item absent unless given."""
    answers = {item.code: False for item in contraindications.CATALOGUE}
    answers.update(present)
    return answers


def demographics(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "mrn": "NEW-1",
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": "1975-03-02",
        "sex_at_birth": "female",
        "phone": "555-0100",
    }
    body.update(overrides)
    return body


def record_screen(world, patient, **present: bool) -> ContraindicationScreen:
    return services.screen_record(
        actor=world.actor("nurse"), patient=patient, answers=screen_answers(**present)
    )


# The schema run's counts, summed per client into one line each at the end of the session (also
# under pytest-xdist, which keeps a passing test's output to itself).
SUMMARY_PROPERTY = "schemathesis summary"
_summaries: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == SUMMARY_PROPERTY:
            total = _summaries.setdefault(
                value["who"], {"operations": 0, "requests": 0, "failures": 0, "answered_2xx": 0}
            )
            for name in total:
                total[name] += value[name]


def pytest_terminal_summary(terminalreporter) -> None:
    for who, total in _summaries.items():
        terminalreporter.write_line(
            f"schemathesis ({who}): {total['operations']} operations, "
            f"{total['requests']} requests, {total['failures']} failures, "
            f"{total['answered_2xx']} operations answered 2xx at least once"
        )
