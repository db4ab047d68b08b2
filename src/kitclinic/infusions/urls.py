from django.urls import path

from kitclinic.infusions.views import (
    chairs,
    check_in,
    closing,
    courses,
    day,
    infusion,
    library,
    nasal,
    observations,
    order,
    session,
)

urlpatterns = [
    path("infusions/today/", day.clinic_day, name="infusions-today"),
    path("administration/chairs/", chairs.chairs_page, name="chairs"),
    path("administration/chairs/hours/", chairs.opening_hours_view, name="opening-hours"),
    path(
        "administration/chairs/<int:chair_id>/rename/",
        chairs.chair_rename_view,
        name="chair-rename",
    ),
    path(
        "administration/chairs/<int:chair_id>/retire/",
        chairs.chair_retire_view,
        name="chair-retire",
    ),
    path(
        "administration/chairs/<int:chair_id>/return/",
        chairs.chair_return_view,
        name="chair-return",
    ),
    path("infusions/library/", library.library_page, name="infusions-library"),
    path("infusions/library/new/", library.library_draft_start, name="infusions-library-draft"),
    path("infusions/library/import/", library.library_import, name="infusions-library-import"),
    path(
        "infusions/library/<int:version_id>/export/",
        library.library_export,
        name="infusions-library-export",
    ),
    path(
        "infusions/library/<int:version_id>/edit/",
        library.library_draft_edit,
        name="infusions-library-draft-edit",
    ),
    path(
        "infusions/library/<int:version_id>/edit/details/",
        library.library_details_edit,
        name="infusions-library-details",
    ),
    path(
        "infusions/library/<int:version_id>/edit/protocols/new/",
        library.library_protocol_add,
        name="infusions-library-protocol-add",
    ),
    path(
        "infusions/library/<int:version_id>/edit/protocols/<slug:protocol_id>/",
        library.library_protocol_edit,
        name="infusions-library-protocol",
    ),
    path(
        "infusions/library/<int:version_id>/edit/protocols/<slug:protocol_id>/retire/",
        library.library_protocol_retire,
        name="infusions-library-protocol-retire",
    ),
    path(
        "infusions/library/<int:version_id>/edit/protocols/<slug:protocol_id>/restore/",
        library.library_protocol_restore,
        name="infusions-library-protocol-restore",
    ),
    path(
        "infusions/library/<int:version_id>/edit/protocols/<slug:protocol_id>/limits/"
        "<slug:quantity>/",
        library.library_limits_edit,
        name="infusions-library-limits",
    ),
    path(
        "infusions/library/<int:version_id>/discard/",
        library.library_draft_discard,
        name="infusions-library-discard",
    ),
    path(
        "infusions/library/<int:version_id>/review/",
        library.library_review_page,
        name="infusions-library-review",
    ),
    path(
        "infusions/library/<int:version_id>/approve/",
        library.library_approve,
        name="infusions-library-approve",
    ),
    path(
        "infusions/library/<int:version_id>/send-back/",
        library.library_send_back,
        name="infusions-library-send-back",
    ),
    path(
        "infusions/patients/<int:patient_id>/courses/new/",
        courses.course_plan,
        name="infusions-course-plan",
    ),
    path("infusions/courses/<int:course_id>/", courses.course_page, name="infusions-course"),
    path(
        "infusions/courses/<int:course_id>/status/",
        courses.course_status,
        name="infusions-course-status",
    ),
    path(
        "infusions/courses/<int:course_id>/book/", courses.appointment_book, name="infusions-book"
    ),
    path("infusions/sessions/<int:session_id>/", session.session_page, name="infusions-session"),
    path(
        "infusions/sessions/<int:session_id>/check-in/",
        check_in.check_in,
        name="infusions-check-in",
    ),
    path(
        "infusions/sessions/<int:session_id>/check-in/correct/",
        check_in.check_in_correction,
        name="infusions-check-in-correct",
    ),
    path("infusions/sessions/<int:session_id>/order/", order.order_page, name="infusions-order"),
    path(
        "infusions/sessions/<int:session_id>/double-check/",
        order.double_check,
        name="infusions-double-check",
    ),
    path("infusions/sessions/<int:session_id>/pump/", infusion.pump_operate, name="infusions-pump"),
    path(
        "infusions/sessions/<int:session_id>/nasal/order/",
        nasal.nasal_order,
        name="infusions-nasal-order",
    ),
    path(
        "infusions/sessions/<int:session_id>/nasal/predose-bp/",
        nasal.predose_bp,
        name="infusions-nasal-predose-bp",
    ),
    path(
        "infusions/sessions/<int:session_id>/nasal/predose-override/",
        nasal.predose_override,
        name="infusions-nasal-predose-override",
    ),
    path(
        "infusions/sessions/<int:session_id>/nasal/device/",
        nasal.device_give,
        name="infusions-nasal-device",
    ),
    path(
        "infusions/sessions/<int:session_id>/nasal/post-dose-bp/",
        nasal.post_dose_bp,
        name="infusions-nasal-post-dose-bp",
    ),
    path(
        "infusions/sessions/<int:session_id>/rate/",
        infusion.rate_change,
        name="infusions-rate-change",
    ),
    path("infusions/sessions/<int:session_id>/stop/", infusion.stop_page, name="infusions-stop"),
    path("infusions/sessions/<int:session_id>/waste/", infusion.waste, name="infusions-waste"),
    path(
        "infusions/sessions/<int:session_id>/vitals/", observations.vitals, name="infusions-vitals"
    ),
    path("infusions/sessions/<int:session_id>/score/", observations.score, name="infusions-score"),
    path(
        "infusions/sessions/<int:session_id>/adverse-event/",
        observations.adverse_event,
        name="infusions-adverse-event",
    ),
    path(
        "infusions/sessions/<int:session_id>/discharge/",
        closing.discharge,
        name="infusions-discharge",
    ),
    path("infusions/sessions/<int:session_id>/sign/", closing.sign, name="infusions-sign"),
    path(
        "infusions/sessions/<int:session_id>/addendum/",
        closing.addendum,
        name="infusions-addendum",
    ),
    path(
        "infusions/sessions/<int:session_id>/cancel/",
        closing.appointment_cancel,
        name="infusions-cancel",
    ),
    path("infusions/sessions/<int:session_id>/no-show/", closing.no_show, name="infusions-no-show"),
    path(
        "infusions/sessions/<int:session_id>/send-back/",
        order.order_send_back,
        name="infusions-send-back",
    ),
    path(
        "infusions/sessions/<int:session_id>/withdraw/",
        order.order_withdraw,
        name="infusions-withdraw",
    ),
]
