"""gunicorn settings for kitclinic: ``gunicorn -c python:kitclinic.config.gunicorn kitclinic.config.wsgi``.

The access log keeps gunicorn's combined format (documented in docs/deployment.md) with the request
time in microseconds, and every access and error line passes through the redaction of
self-report link tokens (``kitclinic.config.log_redaction``). Workers, bind address and the rest
stay on the command line or in ``GUNICORN_CMD_ARGS``."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from kitclinic.config.log_redaction import RedactLinkTokens

# Combined log format plus the request time (µs): address, user, time, request line, status,
# response length, Referer, User-Agent, duration.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
accesslog = "-"


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    """gunicorn's logger with link tokens redacted from the access and error logs."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactLinkTokens) for f in log.filters):
                log.addFilter(RedactLinkTokens())


logger_class = RedactingLogger
