"""``/healthz`` for load balancers and monitors: can this server reach its database?

200 ``{"status": "ok", "database": "ok"}`` when ``SELECT 1`` answers, 503
``{"status": "error", "database": "unavailable"}`` when it does not; never the error itself.

The middleware answers before every other one. The session, authentication and axes middleware
may read or write the database (a request carrying a session cookie saves its session on every
response here), so behind them a probe would end in a 500 with the database down, or renew a
session. In front of them it sets no cookie, needs no log-in, and a load balancer may probe each
server by its address over plain HTTP (no host check, no HTTPS redirect: the answer carries
nothing but these two words).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

HEALTHZ_PATH = "/healthz"
# A server that cannot answer SELECT 1 within this is as good as down to its load balancer.
# Connecting has its own limit (connect_timeout, config/settings.py).
QUERY_TIMEOUT_MS = 2000


def database_available(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``SELECT 1`` answers on the ``alias`` connection. Never raises a database error: a
    refused or dropped connection is False (Django discards a broken connection at the end of
    the request, so the next probe connects afresh)."""
    connection = connections[alias]
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # LOCAL: ends with this transaction, not set on the kept-alive connection.
                cursor.execute(f"SET LOCAL statement_timeout = {QUERY_TIMEOUT_MS}")
            cursor.execute("SELECT 1")
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row == (1,)
    except Error:
        return False


def healthz(request: HttpRequest) -> HttpResponse:
    if database_available():
        response: HttpResponse = JsonResponse({"status": "ok", "database": "ok"})
    else:
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers ``/healthz`` itself, first in MIDDLEWARE (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)
