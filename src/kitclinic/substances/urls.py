"""Pages of the controlled-substance log (mounted at /substances/)."""

from django.urls import path

from kitclinic.substances import views

urlpatterns = [
    path("", views.substance_log, name="substance-log"),
    path("receive/", views.substance_receive, name="substance-receive"),
    path("dispense/", views.substance_dispense, name="substance-dispense"),
    path("waste/", views.substance_waste, name="substance-waste"),
    path("transfer/", views.substance_transfer, name="substance-transfer"),
    path("adjust/", views.substance_adjust, name="substance-adjust"),
    path("counts/new/", views.reconciliation_new, name="substance-reconcile"),
    path(
        "counts/<int:reconciliation_id>/",
        views.reconciliation_detail,
        name="substance-reconciliation",
    ),
    path("report/", views.substance_report, name="substance-report"),
]
