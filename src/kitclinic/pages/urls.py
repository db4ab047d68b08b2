from django.contrib.auth import views as auth_views
from django.urls import include, path

from kitclinic.pages import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.dashboard, name="dashboard"),
    path("clinic/switch/", views.clinic_switch, name="clinic-switch"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("patients/<int:patient_id>/", views.patient_chart_view, name="patient-chart"),
    path("", include("kitclinic.patients.urls")),
    path("", include("kitclinic.assessments.urls")),
    path("", include("kitclinic.infusions.urls")),
    path("substances/", include("kitclinic.substances.urls")),
    path("", include("kitclinic.payments.urls")),
    path("rems/", include("kitclinic.rems.urls")),
    path("", include("kitclinic.outcomes.urls")),
    path("", include("kitclinic.billing.urls")),
    path("", include("kitclinic.accounts.urls")),
]
