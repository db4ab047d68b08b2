"""URLs of the billing API (mounted at /api/v1/billing/)."""

from django.urls import path

from kitclinic.billing.api import views as api
from kitclinic.lib.api.base import endpoint

app_name = "billing-api"

urlpatterns = [
    path(
        "fee-schedules/",
        endpoint("FeeSchedulesApi", api.FeeScheduleListApi, api.FeeScheduleCreateApi).as_view(),
        name="fee-schedules",
    ),
    path(
        "patients/<int:patient_id>/estimates/",
        endpoint("EstimatesApi", api.EstimateListApi, api.EstimateIssueApi).as_view(),
        name="estimates",
    ),
    path(
        "estimates/<int:estimate_id>/signature/",
        api.EstimateSignApi.as_view(),
        name="estimate-signature",
    ),
    path(
        "patients/<int:patient_id>/superbills/",
        endpoint("SuperbillsApi", api.SuperbillListApi, api.SuperbillIssueApi).as_view(),
        name="superbills",
    ),
]
