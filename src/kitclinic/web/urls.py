from django.contrib.auth import views as auth_views
from django.urls import include, path

from kitclinic.patients import views as patient_views
from kitclinic.web import views

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
    path("patients/", patient_views.patient_list, name="patient-list"),
    path("patients/new/", patient_views.patient_register, name="patient-register"),
    path("patients/<int:patient_id>/", patient_views.patient_chart_view, name="patient-chart"),
    path("patients/<int:patient_id>/edit/", patient_views.patient_edit, name="patient-edit"),
    path("patients/<int:patient_id>/episode/", patient_views.episode_edit, name="episode-edit"),
    path(
        "patients/<int:patient_id>/diagnoses/new/",
        patient_views.diagnosis_add,
        name="diagnosis-add",
    ),
    path("patients/<int:patient_id>/trials/new/", patient_views.trial_add, name="trial-add"),
    path(
        "patients/<int:patient_id>/screen/new/", patient_views.screen_record, name="screen-record"
    ),
    path(
        "patients/<int:patient_id>/eligibility/new/",
        patient_views.eligibility_decide,
        name="eligibility-decide",
    ),
    path("", include("kitclinic.assessments.urls")),
    path("", include("kitclinic.infusions.urls")),
    path("substances/", include("kitclinic.substances.urls")),
    path("", include("kitclinic.outcomes.urls")),
    path("", include("kitclinic.accounts.urls")),
]
