"""URLs of the controlled-substance API (mounted at /api/v1/substances/)."""

from django.urls import path

from kitclinic.substances.api import views as api

app_name = "substances-api"

urlpatterns = [
    path("lots/", api.LotListApi.as_view(), name="lot-list"),
    path("entries/", api.EntryListApi.as_view(), name="entry-list"),
    path("receipts/", api.ReceiptCreateApi.as_view(), name="receipt-create"),
    path("dispenses/", api.DispenseCreateApi.as_view(), name="dispense-create"),
    path("wastes/", api.WasteCreateApi.as_view(), name="waste-create"),
]
