"""Payment pages (mounted at the root: patient pages under /patients/, the rest under /payments/)."""

from django.urls import path

from kitclinic.payments import views

urlpatterns = [
    path("patients/<int:patient_id>/payments/", views.patient_payments, name="patient-payments"),
    path("patients/<int:patient_id>/payments/new/", views.payment_new, name="payment-new"),
    path("patients/<int:patient_id>/packages/buy/", views.package_buy, name="package-buy"),
    path("payments/<int:payment_id>/", views.receipt_page, name="payment-receipt-page"),
    path("payments/<int:payment_id>/receipt.pdf", views.receipt_pdf, name="payment-receipt"),
    path("payments/<int:payment_id>/refund/", views.payment_refund, name="payment-refund"),
    path("payments/<int:payment_id>/void/", views.payment_void, name="payment-void"),
    path("payments/takings/", views.takings, name="payment-takings"),
    path("payments/setup/", views.payment_setup, name="payment-setup"),
]
