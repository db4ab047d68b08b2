from django.urls import path

from kitclinic.infusions import views

urlpatterns = [
    path("infusions/today/", views.clinic_day, name="infusions-today"),
    path("infusions/library/", views.library_page, name="infusions-library"),
    path("infusions/library/new/", views.library_draft, name="infusions-library-draft"),
    path(
        "infusions/library/<int:version_id>/approve/",
        views.library_approve,
        name="infusions-library-approve",
    ),
    path(
        "infusions/patients/<int:patient_id>/courses/new/",
        views.course_plan,
        name="infusions-course-plan",
    ),
    path("infusions/courses/<int:course_id>/", views.course_page, name="infusions-course"),
    path(
        "infusions/courses/<int:course_id>/status/",
        views.course_status,
        name="infusions-course-status",
    ),
    path("infusions/courses/<int:course_id>/book/", views.appointment_book, name="infusions-book"),
    path("infusions/sessions/<int:session_id>/", views.session_page, name="infusions-session"),
    path(
        "infusions/sessions/<int:session_id>/check-in/",
        views.check_in,
        name="infusions-check-in",
    ),
    path(
        "infusions/sessions/<int:session_id>/check-in/correct/",
        views.check_in_correction,
        name="infusions-check-in-correct",
    ),
    path("infusions/sessions/<int:session_id>/order/", views.order_page, name="infusions-order"),
    path(
        "infusions/sessions/<int:session_id>/double-check/",
        views.double_check,
        name="infusions-double-check",
    ),
    path("infusions/sessions/<int:session_id>/pump/", views.pump, name="infusions-pump"),
    path(
        "infusions/sessions/<int:session_id>/rate/",
        views.rate_change,
        name="infusions-rate-change",
    ),
    path("infusions/sessions/<int:session_id>/stop/", views.stop, name="infusions-stop"),
    path("infusions/sessions/<int:session_id>/waste/", views.waste, name="infusions-waste"),
    path("infusions/sessions/<int:session_id>/vitals/", views.vitals, name="infusions-vitals"),
    path("infusions/sessions/<int:session_id>/score/", views.score, name="infusions-score"),
    path(
        "infusions/sessions/<int:session_id>/adverse-event/",
        views.adverse_event,
        name="infusions-adverse-event",
    ),
    path(
        "infusions/sessions/<int:session_id>/discharge/",
        views.discharge,
        name="infusions-discharge",
    ),
    path("infusions/sessions/<int:session_id>/sign/", views.sign, name="infusions-sign"),
    path(
        "infusions/sessions/<int:session_id>/addendum/",
        views.addendum,
        name="infusions-addendum",
    ),
    path(
        "infusions/sessions/<int:session_id>/cancel/",
        views.appointment_cancel,
        name="infusions-cancel",
    ),
    path("infusions/sessions/<int:session_id>/no-show/", views.no_show, name="infusions-no-show"),
    path(
        "infusions/sessions/<int:session_id>/send-back/",
        views.order_send_back,
        name="infusions-send-back",
    ),
    path(
        "infusions/sessions/<int:session_id>/withdraw/",
        views.order_withdraw,
        name="infusions-withdraw",
    ),
]
