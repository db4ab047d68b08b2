"""The schema run's summary line: its counts, summed per client at the end of the session."""

from __future__ import annotations

import pytest

from tests.api.helpers import SUMMARY_PROPERTY

# The schema run's counts, summed per client into one line each at the end of the session (also
# under pytest-xdist, which keeps a passing test's output to itself).
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
