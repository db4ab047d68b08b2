"""A clinic's own settings, within bounds, audited with their old and new values."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import ClinicSettings
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record

# What a clinic admin may set each per-clinic setting to (inclusive). Not clinical figures: the
# bounds keep a typo (minutes for hours, an extra zero) from reaching patients and staff.
SETTING_BOUNDS: dict[str, tuple[int, int]] = {
    "alert_escalation_minutes": (1, 1440),
    "self_report_link_days": (1, 30),
    "kiosk_link_minutes": (5, 480),
    "staff_link_hours": (1, 336),
    "pregnancy_age_min_y": (0, 120),
    "pregnancy_age_max_y": (0, 120),
}
CRISIS_TEXT_MAX = 600
LAB_UNIT_MAX = 20
SETTING_FIELDS = (
    "crisis_text",
    *SETTING_BOUNDS,
    "lab_units",
)


@transaction.atomic
def clinic_settings_update(*, actor: Actor, values: dict[str, Any]) -> ClinicSettings:
    """Set the acting clinic's own settings. A value of None (or "") returns that setting to
    the deployment's default. Every field is checked against its bounds; the audit event holds
    the old and new values."""
    actor.require(Action.CLINIC_SETTINGS_EDIT)
    errors: dict[str, list[str]] = {}
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        errors["__all__"] = [f"Unknown settings: {', '.join(sorted(unknown))}."]
    clean: dict[str, Any] = {}
    text = (values.get("crisis_text") or "").strip()
    if len(text) > CRISIS_TEXT_MAX:
        errors["crisis_text"] = [f"At most {CRISIS_TEXT_MAX} characters (got {len(text)})."]
    clean["crisis_text"] = text
    for name, (low, high) in SETTING_BOUNDS.items():
        value = values.get(name)
        if value in (None, ""):
            clean[name] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[name] = [f"Enter a whole number from {low} to {high}."]
            continue
        if not low <= number <= high:
            errors[name] = [f"Enter a whole number from {low} to {high} (got {number})."]
        clean[name] = number
    low_age, high_age = clean.get("pregnancy_age_min_y"), clean.get("pregnancy_age_max_y")
    if (low_age is None) != (high_age is None):
        errors.setdefault(
            "pregnancy_age_max_y", ["Give both ends of the age range, or neither (the default)."]
        )
    elif low_age is not None and high_age is not None and low_age > high_age:
        errors.setdefault(
            "pregnancy_age_max_y", [f"The upper age must be at least the lower ({low_age})."]
        )
    units = values.get("lab_units")
    if units in (None, {}):
        clean["lab_units"] = None
    elif not isinstance(units, dict):
        errors["lab_units"] = ["Give one unit per analyte."]
    else:
        known = set(settings.KITCLINIC_LAB_UNITS_DEFAULT)
        unit_map: dict[str, str] = {}
        for analyte, unit in units.items():
            unit_text = str(unit or "").strip()
            if analyte not in known:
                errors["lab_units"] = [
                    f"Unknown analyte {analyte!r}; allowed: {', '.join(sorted(known))}."
                ]
            elif len(unit_text) > LAB_UNIT_MAX or not all(
                c.isalnum() or c in "/.%[]*^-_µ" for c in unit_text
            ):
                errors[f"lab_unit_{analyte}"] = [
                    f"A UCUM unit such as mg/L or pg/mL, at most {LAB_UNIT_MAX} characters."
                ]
            else:
                unit_map[analyte] = unit_text
        defaults = dict(settings.KITCLINIC_LAB_UNITS)
        clean["lab_units"] = None if unit_map == defaults else unit_map
    if errors:
        raise ValidationError(errors)
    row = ClinicSettings.objects.select_for_update().filter(clinic=actor.clinic).first()
    created = row is None
    if row is None:
        row = ClinicSettings(clinic=actor.clinic)
    before = {name: getattr(row, name) for name in SETTING_FIELDS} if not created else {}
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    row.save()
    changes = {
        name: [before.get(name), clean[name]]
        for name in SETTING_FIELDS
        if before.get(name) != clean[name]
    }
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        changes=changes,
        detail=f"settings of {actor.clinic.name}",
    )
    return row
