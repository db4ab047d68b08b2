"""REST API v1 of the infusion workflow (mounted under /api/v1/ by api/urls.py): the drug
library, courses, chairs, appointments and every step of a session.

Same rules as the pages: the actor from the request, objects through the infusions access
functions (another organization's is a 404, a role that may not act a 403), shape checked by a
StrictSerializer, one service per write, an explicit output serializer.

Status codes: 200 read or replayed, 201 created, 400 bad input (naming the field; nothing
written), 409 the record's current state forbids it (a step out of order, a signed session, a
vitals slot already recorded, an idempotency key used for another reading). 409 bodies carry
``detail`` (what must come first) and ``state`` (the session's state now).

One module per area: ``library``, ``courses`` (courses, chairs, appointments) and ``sessions``;
``_common`` has the 409 mapping and the helpers they share.
"""

from __future__ import annotations

from kitclinic.infusions.api.views.common import IDEMPOTENCY_HEADER, InfusionApiView, StateConflict
from kitclinic.infusions.api.views.courses import (
    AppointmentBookApi,
    AppointmentCancelApi,
    AppointmentDayApi,
    ChairListApi,
    CourseListApi,
    CoursePlanApi,
    CourseTransitionApi,
)
from kitclinic.infusions.api.views.library import (
    LibraryActiveApi,
    LibraryApproveApi,
    LibraryDraftCreateApi,
    LibraryVersionListApi,
)
from kitclinic.infusions.api.views.sessions import (
    AddendumWriteApi,
    AdverseEventRecordApi,
    CheckInApi,
    CheckInCorrectApi,
    DischargeApi,
    DoubleCheckApi,
    NoShowApi,
    OrderPlaceApi,
    OrderPreviewApi,
    OrderSendBackApi,
    OrderWithdrawApi,
    PauseApi,
    RateChangeApi,
    ResumeApi,
    ScoreRecordApi,
    SessionCancelApi,
    SessionDetailApi,
    SignApi,
    StartApi,
    StopApi,
    SummaryApi,
    VitalsRecordApi,
    WasteApi,
)

__all__ = [
    "AddendumWriteApi",
    "AdverseEventRecordApi",
    "AppointmentBookApi",
    "AppointmentCancelApi",
    "AppointmentDayApi",
    "ChairListApi",
    "CheckInApi",
    "CheckInCorrectApi",
    "CourseListApi",
    "CoursePlanApi",
    "CourseTransitionApi",
    "DischargeApi",
    "DoubleCheckApi",
    "IDEMPOTENCY_HEADER",
    "InfusionApiView",
    "LibraryActiveApi",
    "LibraryApproveApi",
    "LibraryDraftCreateApi",
    "LibraryVersionListApi",
    "NoShowApi",
    "OrderPlaceApi",
    "OrderPreviewApi",
    "OrderSendBackApi",
    "OrderWithdrawApi",
    "PauseApi",
    "RateChangeApi",
    "ResumeApi",
    "ScoreRecordApi",
    "SessionCancelApi",
    "SessionDetailApi",
    "SignApi",
    "SummaryApi",
    "StartApi",
    "StateConflict",
    "StopApi",
    "VitalsRecordApi",
    "WasteApi",
]
