"""URLs of the payments API (mounted at /api/v1/)."""

from django.urls import path

from kitclinic.lib.api.base import endpoint
from kitclinic.payments.api import views as api

app_name = "payments-api"

urlpatterns = [
    path(
        "patients/<int:patient_id>/payments/",
        endpoint("PatientPaymentsApi", api.PaymentListApi, api.PaymentRecordApi).as_view(),
        name="patient-payments",
    ),
    path(
        "patients/<int:patient_id>/packages/",
        api.PackageBalanceListApi.as_view(),
        name="patient-packages",
    ),
    path(
        "payments/<int:payment_id>/refunds/",
        api.PaymentRefundRecordApi.as_view(),
        name="payment-refund",
    ),
    path(
        "payments/<int:payment_id>/void/", api.PaymentVoidRecordApi.as_view(), name="payment-void"
    ),
    path("payments/takings/", api.TakingsRetrieveApi.as_view(), name="takings"),
]
