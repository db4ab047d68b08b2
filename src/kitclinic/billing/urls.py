"""Billing pages (fee schedule and billing details at /billing/, a patient's documents under the
patient)."""

from django.urls import path

from kitclinic.billing import views

urlpatterns = [
    path("billing/", views.fee_schedule_view, name="billing-fee-schedule"),
    path("billing/fee-schedule/new/", views.fee_schedule_publish_view, name="billing-fee-new"),
    path("billing/details/", views.billing_identity_view, name="billing-identity"),
    path("billing/providers/", views.provider_npis_view, name="billing-providers"),
    path("patients/<int:patient_id>/billing/", views.patient_billing_view, name="billing-patient"),
    path(
        "patients/<int:patient_id>/billing/balance/",
        views.patient_balance_view,
        name="billing-balance",
    ),
    path(
        "patients/<int:patient_id>/billing/estimates/new/",
        views.estimate_new_view,
        name="billing-estimate-new",
    ),
    path(
        "patients/<int:patient_id>/billing/superbills/new/",
        views.superbill_new_view,
        name="billing-superbill-new",
    ),
    path("billing/estimates/<int:estimate_id>/", views.estimate_view, name="billing-estimate"),
    path(
        "billing/estimates/<int:estimate_id>/pdf/",
        views.estimate_pdf_view,
        name="billing-estimate-pdf",
    ),
    path(
        "billing/superbills/<int:superbill_id>/pdf/",
        views.superbill_pdf_view,
        name="billing-superbill-pdf",
    ),
]
