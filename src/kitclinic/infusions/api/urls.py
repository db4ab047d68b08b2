"""API v1 routes of the infusion workflow, included under /api/v1/ by kitclinic.config.urls."""

from django.urls import path

from kitclinic.infusions.api.views import courses, library
from kitclinic.infusions.api.views.sessions import (
    check_in,
    closing,
    detail,
    infusion,
    nasal,
    observations,
    order,
)
from kitclinic.lib.api.base import endpoint

SESSION = "sessions/<int:session_id>/"

urlpatterns = [
    path(
        "library/versions/",
        endpoint(
            "LibraryVersionsApi", library.LibraryVersionListApi, library.LibraryDraftCreateApi
        ).as_view(),
        name="api-library-versions",
    ),
    path("library/active/", library.LibraryActiveRetrieveApi.as_view(), name="api-library-active"),
    path(
        "library/versions/<int:version_id>/approve/",
        library.LibraryApproveApi.as_view(),
        name="api-library-approve",
    ),
    path(
        "library/versions/<int:version_id>/difference/",
        library.LibraryDifferenceRetrieveApi.as_view(),
        name="api-library-difference",
    ),
    path(
        "library/versions/<int:version_id>/send-back/",
        library.LibrarySendBackApi.as_view(),
        name="api-library-send-back",
    ),
    path(
        "library/versions/<int:version_id>/discard/",
        library.LibraryDraftDiscardApi.as_view(),
        name="api-library-discard",
    ),
    path(
        "patients/<int:patient_id>/courses/",
        endpoint("CoursesApi", courses.CourseListApi, courses.CoursePlanApi).as_view(),
        name="api-course-list",
    ),
    path(
        "courses/<int:course_id>/transition/",
        courses.CourseTransitionApi.as_view(),
        name="api-course-transition",
    ),
    path(
        "courses/<int:course_id>/appointments/",
        courses.AppointmentBookApi.as_view(),
        name="api-appointment-book",
    ),
    path("chairs/", courses.ChairListApi.as_view(), name="api-chair-list"),
    path("appointments/", courses.AppointmentDayListApi.as_view(), name="api-appointment-day"),
    path(
        "appointments/<int:appointment_id>/cancel/",
        courses.AppointmentCancelApi.as_view(),
        name="api-appointment-cancel",
    ),
    path(SESSION, detail.SessionRetrieveApi.as_view(), name="api-session-detail"),
    path(SESSION + "check-in/", check_in.SessionCheckInApi.as_view(), name="api-session-check-in"),
    path(
        SESSION + "check-in/correct/",
        check_in.CheckInCorrectApi.as_view(),
        name="api-session-check-in-correct",
    ),
    path(SESSION + "order-preview/", order.OrderPreviewApi.as_view(), name="api-order-preview"),
    path(SESSION + "order/", order.OrderPlaceApi.as_view(), name="api-order-place"),
    path(SESSION + "double-check/", order.OrderDoubleCheckApi.as_view(), name="api-double-check"),
    path(SESSION + "start/", infusion.SessionStartApi.as_view(), name="api-infusion-start"),
    path(SESSION + "nasal/order/", nasal.NasalOrderPlaceApi.as_view(), name="api-nasal-order"),
    path(
        SESSION + "nasal/predose-bp/",
        nasal.NasalPredoseBpRecordApi.as_view(),
        name="api-nasal-predose-bp",
    ),
    path(
        SESSION + "nasal/predose-override/",
        nasal.NasalPredoseOverrideRecordApi.as_view(),
        name="api-nasal-predose-override",
    ),
    path(SESSION + "nasal/devices/", nasal.NasalDeviceRecordApi.as_view(), name="api-nasal-device"),
    path(
        SESSION + "nasal/post-dose-bp/",
        nasal.NasalPostDoseBpRecordApi.as_view(),
        name="api-nasal-post-dose-bp",
    ),
    path(SESSION + "pause/", infusion.SessionPauseApi.as_view(), name="api-infusion-pause"),
    path(SESSION + "resume/", infusion.SessionResumeApi.as_view(), name="api-infusion-resume"),
    path(SESSION + "rate/", infusion.RateChangeApi.as_view(), name="api-infusion-rate"),
    path(SESSION + "stop/", infusion.SessionStopApi.as_view(), name="api-infusion-stop"),
    path(SESSION + "vitals/", observations.VitalsRecordApi.as_view(), name="api-vitals"),
    path(SESSION + "scores/", observations.ScoreRecordApi.as_view(), name="api-scores"),
    path(
        SESSION + "adverse-events/",
        observations.AdverseEventRecordApi.as_view(),
        name="api-adverse-events",
    ),
    path(SESSION + "discharge/", closing.SessionDischargeApi.as_view(), name="api-discharge"),
    path(SESSION + "waste/", infusion.RemainderWasteApi.as_view(), name="api-waste"),
    path(
        SESSION + "summary/", detail.SessionSummaryRetrieveApi.as_view(), name="api-session-summary"
    ),
    path(SESSION + "sign/", closing.SessionSignApi.as_view(), name="api-sign"),
    path(SESSION + "addenda/", closing.AddendumWriteApi.as_view(), name="api-addenda"),
    path(SESSION + "cancel/", closing.SessionCancelApi.as_view(), name="api-session-cancel"),
    path(SESSION + "no-show/", closing.SessionNoShowApi.as_view(), name="api-session-no-show"),
    path(SESSION + "send-back/", order.OrderSendBackApi.as_view(), name="api-order-send-back"),
    path(SESSION + "withdraw/", order.OrderWithdrawApi.as_view(), name="api-order-withdraw"),
]
