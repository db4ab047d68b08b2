"""API v1 routes of the infusion workflow, included under /api/v1/ by kitclinic.config.urls."""

from django.urls import path

from kitclinic.infusions.api import views as api
from kitclinic.lib.api.base import endpoint

SESSION = "sessions/<int:session_id>/"

urlpatterns = [
    path(
        "library/versions/",
        endpoint(
            "LibraryVersionsApi", api.LibraryVersionListApi, api.LibraryDraftCreateApi
        ).as_view(),
        name="api-library-versions",
    ),
    path("library/active/", api.LibraryActiveApi.as_view(), name="api-library-active"),
    path(
        "library/versions/<int:version_id>/approve/",
        api.LibraryApproveApi.as_view(),
        name="api-library-approve",
    ),
    path(
        "patients/<int:patient_id>/courses/",
        endpoint("CoursesApi", api.CourseListApi, api.CoursePlanApi).as_view(),
        name="api-course-list",
    ),
    path(
        "courses/<int:course_id>/transition/",
        api.CourseTransitionApi.as_view(),
        name="api-course-transition",
    ),
    path(
        "courses/<int:course_id>/appointments/",
        api.AppointmentBookApi.as_view(),
        name="api-appointment-book",
    ),
    path("chairs/", api.ChairListApi.as_view(), name="api-chair-list"),
    path("appointments/", api.AppointmentDayApi.as_view(), name="api-appointment-day"),
    path(
        "appointments/<int:appointment_id>/cancel/",
        api.AppointmentCancelApi.as_view(),
        name="api-appointment-cancel",
    ),
    path(SESSION, api.SessionDetailApi.as_view(), name="api-session-detail"),
    path(SESSION + "check-in/", api.CheckInApi.as_view(), name="api-session-check-in"),
    path(
        SESSION + "check-in/correct/",
        api.CheckInCorrectApi.as_view(),
        name="api-session-check-in-correct",
    ),
    path(SESSION + "order-preview/", api.OrderPreviewApi.as_view(), name="api-order-preview"),
    path(SESSION + "order/", api.OrderPlaceApi.as_view(), name="api-order-place"),
    path(SESSION + "double-check/", api.DoubleCheckApi.as_view(), name="api-double-check"),
    path(SESSION + "start/", api.StartApi.as_view(), name="api-infusion-start"),
    path(SESSION + "pause/", api.PauseApi.as_view(), name="api-infusion-pause"),
    path(SESSION + "resume/", api.ResumeApi.as_view(), name="api-infusion-resume"),
    path(SESSION + "rate/", api.RateChangeApi.as_view(), name="api-infusion-rate"),
    path(SESSION + "stop/", api.StopApi.as_view(), name="api-infusion-stop"),
    path(SESSION + "vitals/", api.VitalsRecordApi.as_view(), name="api-vitals"),
    path(SESSION + "scores/", api.ScoreRecordApi.as_view(), name="api-scores"),
    path(
        SESSION + "adverse-events/", api.AdverseEventRecordApi.as_view(), name="api-adverse-events"
    ),
    path(SESSION + "discharge/", api.DischargeApi.as_view(), name="api-discharge"),
    path(SESSION + "waste/", api.WasteApi.as_view(), name="api-waste"),
    path(SESSION + "summary/", api.SummaryApi.as_view(), name="api-session-summary"),
    path(SESSION + "sign/", api.SignApi.as_view(), name="api-sign"),
    path(SESSION + "addenda/", api.AddendumWriteApi.as_view(), name="api-addenda"),
    path(SESSION + "cancel/", api.SessionCancelApi.as_view(), name="api-session-cancel"),
    path(SESSION + "no-show/", api.NoShowApi.as_view(), name="api-session-no-show"),
    path(SESSION + "send-back/", api.OrderSendBackApi.as_view(), name="api-order-send-back"),
    path(SESSION + "withdraw/", api.OrderWithdrawApi.as_view(), name="api-order-withdraw"),
]
