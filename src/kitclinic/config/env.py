"""Typed helpers that read settings from environment variables.

Each helper names the variable in its error, so a misconfigured deployment fails at start-up
with a message that says what to fix.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ImproperlyConfiguredEnv(RuntimeError):
    """An environment variable is missing or has a value of the wrong type."""


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfiguredEnv(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfiguredEnv(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(f"{name} must be an integer; got {value!r}") from exc
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        low = "" if minimum is None else f"{minimum}"
        high = "" if maximum is None else f"{maximum}"
        raise ImproperlyConfiguredEnv(f"{name} must be {low}..{high}; got {number}")
    return number


def env_decimal(
    name: str, default: str, *, minimum: str | None = None, maximum: str | None = None
) -> Decimal:
    """A decimal number (e.g. a share such as 0.99), within [minimum, maximum] when given."""
    value = os.environ.get(name)
    text = default if value is None or value.strip() == "" else value.strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ImproperlyConfiguredEnv(f"{name} must be a number; got {value!r}") from exc
    low = None if minimum is None else Decimal(minimum)
    high = None if maximum is None else Decimal(maximum)
    if (
        not number.is_finite()
        or (low is not None and number < low)
        or (high is not None and number > high)
    ):
        raise ImproperlyConfiguredEnv(
            f"{name} must be {minimum or ''}..{maximum or ''}; got {text}"
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]
