"""The clinic admin's settings page: the clinic's own values of the settings that are clinic
policy (crisis text, alert escalation, link lifetimes, lab units, pregnancy-test age range); an
empty field is the deployment's default."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kitclinic.accounts import services
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.forms import ClinicSettingsForm
from kitclinic.accounts.models import ClinicSettings
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import clinic_settings, clinic_settings_defaults
from kitclinic.lib.forms import form_page

ANALYTE_LABELS = {"crp": "CRP", "hs_crp": "hs-CRP", "il6": "IL-6", "tnf_alpha": "TNF-α"}


def _initial(clinic_id: int) -> dict[str, Any]:
    row = ClinicSettings.objects.filter(clinic_id=clinic_id).first()
    initial: dict[str, Any] = {}
    if row is not None:
        initial = {name: getattr(row, name) for name in services.SETTING_FIELDS}
    for key, unit in clinic_settings(clinic_id).lab_units.items():
        initial[f"lab_unit_{key}"] = unit
    return initial


def _own_labels(form: ClinicSettingsForm, own: frozenset[str]) -> list[str]:
    """What the clinic set itself, in the page's words."""
    words = {"pregnancy_age_y": "the pregnancy-test age range", "lab_units": "the lab units"}
    return sorted(
        words.get(name) or str(form.fields[name].label).lower()
        for name in own
        if name in words or name in form.fields
    )


@clinic_page
def clinic_settings_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.CLINIC_SETTINGS_EDIT)
    analytes = [(key, ANALYTE_LABELS.get(key, key)) for key in settings.KITCLINIC_LAB_UNITS_DEFAULT]
    form = ClinicSettingsForm(
        request.POST or None,
        initial=_initial(actor.clinic.pk),
        defaults=clinic_settings_defaults(),
        analytes=analytes,
    )

    def save(f: forms.Form) -> object:
        assert isinstance(f, ClinicSettingsForm)
        return services.clinic_settings_update(actor=actor, values=f.values())

    return form_page(
        request,
        form,
        save,
        template="accounts/clinic_settings.html",
        context={"own": _own_labels(form, clinic_settings(actor.clinic.pk).own)},
        done="Settings saved.",
        success=lambda _row: redirect("clinic-settings"),
    )
