"""Auditing every read of patient data, in one place (docs/security.md, "Reads of patient data").

A request runs inside a read scope opened by ``ReadAuditMiddleware``. The access functions that
fetch a patient or a patient-owned object (``access_patient``, ``access_session``,
``access_course``, ``access_appointment``, ``access_alert``) note the patient in it; searches note
what was searched; worklists (the dashboard, the patient list, the day's schedule, the alert
queue) note the patients they list. When a GET (or HEAD) answers with a success, the middleware
writes one view event per patient shown, one search event per search and one worklist event per
worklist, in one transaction, before the response leaves the server: no audit event, no data. A view cannot forget to audit its read, because it
cannot reach a patient but through an access function.

Writes (POST and the rest) are audited by their services; a form shown again after an invalid
POST writes nothing (bad input writes nothing), its page having been recorded by the GET before.

Outside a request (a command, a task, a selector called directly) ``read_record`` writes at once
and ``read_note`` does nothing: there is no page to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models, transaction
from django.http import HttpRequest, HttpResponse

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.audit.services import AuditActor, audit_record

SAFE_METHODS = frozenset({"GET", "HEAD"})
# the object type of a worklist's view event
WORKLIST = "worklist"


@dataclass
class _Read:
    actor: AuditActor
    patient_id: int
    obj: models.Model | None
    detail: str


@dataclass
class _Search:
    actor: AuditActor
    what: str
    fields: list[str]
    results: int
    patient_ids: list[int]
    patient_id: int | None


@dataclass
class _Worklist:
    actor: AuditActor
    what: str
    patient_ids: list[int]


@dataclass
class _Scope:
    method: str
    path: str
    reads: dict[int, _Read] = field(default_factory=dict)
    searches: list[_Search] = field(default_factory=list)
    worklists: dict[str, _Worklist] = field(default_factory=dict)
    # patients whose read this request's own audit event records already (an export)
    covered: set[int] = field(default_factory=set)

    @property
    def shows(self) -> bool:
        return self.method in SAFE_METHODS


_scope: ContextVar[_Scope | None] = ContextVar("kitclinic_read_scope", default=None)


def _patient_ref(patient_id: int) -> models.Model:
    # The model the event's patient field points at, named through the relation: the audit trail
    # sits below the apps it records and imports none of them.
    patient_model: type[models.Model] = AuditEvent._meta.get_field("patient").related_model
    return patient_model(pk=patient_id)


def _write_read(read: _Read) -> None:
    audit_record(
        actor=read.actor,
        action=AuditAction.VIEW,
        obj=read.obj if read.obj is not None else _patient_ref(read.patient_id),
        patient=_patient_ref(read.patient_id),
        detail=read.detail,
    )


def _write_search(search: _Search) -> None:
    audit_record(
        actor=search.actor,
        action=AuditAction.SEARCH,
        patient=_patient_ref(search.patient_id) if search.patient_id is not None else None,
        object_type=search.what,
        # what was searched by, not the text typed (a name or a date of birth): which fields,
        # how many results, and which patients the page showed
        changes={
            "fields": search.fields,
            "results": search.results,
            "patient_ids": search.patient_ids,
        },
        detail=f"search: {search.what} by {', '.join(search.fields) or 'nothing'}",
    )


def _write_worklist(worklist: _Worklist) -> None:
    audit_record(
        actor=worklist.actor,
        action=AuditAction.VIEW,
        # a list of patients, no one patient: the patients it named are in ``changes`` as a
        # search's are, so one question ("which lists showed this patient?") finds both
        object_type=WORKLIST,
        changes={"worklist": worklist.what, "patient_ids": worklist.patient_ids},
        detail=f"worklist: {worklist.what}",
    )


def read_note(
    actor: AuditActor, patient_id: int, obj: models.Model | None = None, detail: str = ""
) -> None:
    """The current request shows ``patient_id``'s data (through ``obj``): recorded once per
    patient when the request, a GET, succeeds. Called by the access functions; outside a request
    nothing is recorded."""
    scope = _scope.get()
    if scope is None or not scope.shows:
        return
    noted = scope.reads.get(patient_id)
    if noted is None:
        scope.reads[patient_id] = _Read(actor, patient_id, obj, detail or scope.path)
    elif detail and noted.detail == scope.path:
        noted.detail = detail  # what the page shows, named by its selector


def read_record(
    actor: AuditActor, patient_id: int, obj: models.Model | None = None, detail: str = ""
) -> None:
    """A selector's read of ``patient_id``'s data: noted in the request (one event per patient),
    or written at once outside one."""
    scope = _scope.get()
    if scope is None:
        with transaction.atomic():
            _write_read(_Read(actor, patient_id, obj, detail))
        return
    read_note(actor, patient_id, obj, detail)


def read_covered(patient_id: int) -> None:
    """The current request's own audit event (an export of the patient's report) records this
    read already: no second event for the patient."""
    scope = _scope.get()
    if scope is not None:
        scope.covered.add(patient_id)


def search_record(
    actor: AuditActor,
    *,
    what: str,
    fields: Iterable[str],
    results: int,
    patient_ids: Iterable[int],
    patient_id: int | None = None,
) -> None:
    """One search event: ``what`` was searched (``patients``, ``audit``) by ``fields``, found
    ``results`` and showed ``patient_ids``; ``patient_id``: the patient the search was about."""
    search = _Search(actor, what, sorted(fields), results, list(patient_ids), patient_id)
    scope = _scope.get()
    if scope is None:
        with transaction.atomic():
            _write_search(search)
    elif scope.shows:
        scope.searches.append(search)


def worklist_record(actor: AuditActor, *, what: str, patient_ids: Iterable[int]) -> None:
    """A worklist (``dashboard``, ``patients``, ``schedule``, ``alerts``...) named ``patient_ids``:
    one view event for the whole list when the request succeeds, written at once outside one.
    A list that names nobody shows no patient and records nothing; the same worklist noted twice
    in a request (a page built from several lists) is still one event naming them all."""
    ids = set(patient_ids)
    if not ids:
        return
    scope = _scope.get()
    if scope is None:
        with transaction.atomic():
            _write_worklist(_Worklist(actor, what, sorted(ids)))
        return
    if not scope.shows:
        return
    noted = scope.worklists.get(what)
    if noted is None:
        scope.worklists[what] = _Worklist(actor, what, sorted(ids))
    else:
        noted.patient_ids = sorted(ids.union(noted.patient_ids))


class ReadAuditMiddleware:
    """Opens the read scope of each request and writes its reads when a GET succeeded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = _Scope(method=request.method or "", path=request.path)
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
        finally:
            _scope.reset(token)
        noted = scope.reads or scope.searches or scope.worklists
        if scope.shows and 200 <= response.status_code < 300 and noted:
            with transaction.atomic():
                for read in scope.reads.values():
                    if read.patient_id not in scope.covered:
                        _write_read(read)
                for search in scope.searches:
                    _write_search(search)
                for worklist in scope.worklists.values():
                    _write_worklist(worklist)
        return response
