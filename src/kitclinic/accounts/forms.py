"""Browser forms of the accounts pages. Shape only; the rules live in the services
(``kitclinic.accounts.services``, ``kitclinic.accounts.tokens``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings

from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Role
from kitclinic.accounts.services import CRISIS_TEXT_MAX, LAB_UNIT_MAX, SETTING_BOUNDS
from kitclinic.accounts.token_rules import Scope

if TYPE_CHECKING:
    _UserChoiceField = forms.ModelChoiceField[User]
else:
    # Django's form fields take no type arguments at run time; the stubs' fields do.
    _UserChoiceField = forms.ModelChoiceField


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'pump gateway'.")
    scope = forms.ChoiceField(
        choices=[(s.value, s.label) for s in Scope],
        initial=Scope.READ.value,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(label="Lifetime (days)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        maximum = settings.KITCLINIC_API_TOKEN_MAX_DAYS
        days = self.fields["days"]
        days.initial = settings.KITCLINIC_API_TOKEN_DAYS
        days.help_text = f"1 to {maximum} days; the token stops working then."
        days.widget.attrs.update({"min": 1, "max": maximum})


class ApiTokenRevokeForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label="Code",
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class SecondFactorConfirmForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code from the app",
        help_text="After adding the account, enter the 6 digits the app shows.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class StaffMemberField(_UserChoiceField):
    """A member of staff, each shown as ``labels`` names them (user id -> label), else by
    username."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.none(), **kwargs)
        self.labels: dict[int, str] = {}

    def label_from_instance(self, obj: User) -> str:
        return self.labels.get(obj.pk, obj.username)


class SecondFactorResetForm(forms.Form):
    user = StaffMemberField(label="Member of staff")
    reason = forms.CharField(
        max_length=200,
        help_text="e.g. phone lost; identity checked in person.",
        widget=forms.TextInput(),
    )

    def __init__(self, *args: Any, staff: list[StaffMembership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the form's copy of the field declared above
        field = cast(StaffMemberField, self.fields["user"])
        field.queryset = User.objects.filter(pk__in=[m.user_id for m in staff])
        field.labels = {
            m.user_id: f"{m.user.get_full_name() or m.user.username} ({m.get_role_display()})"
            for m in staff
        }


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class StaffInviteForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        max_length=150,
        label="E-mail",
        help_text="The set-password link goes here; it is also their user name.",
    )

    def __init__(self, *args: Any, clinics: list[Clinic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinics = clinics
        for clinic in clinics:
            self.fields[f"role_{clinic.pk}"] = forms.ChoiceField(
                label=f"Role at {clinic.name}",
                choices=[("", "No role there"), *ROLE_CHOICES],
                required=False,
            )

    def roles(self) -> dict[int, str]:
        return {
            clinic.pk: self.cleaned_data[f"role_{clinic.pk}"]
            for clinic in self.clinics
            if self.cleaned_data.get(f"role_{clinic.pk}")
        }


class StaffRoleForm(forms.Form):
    clinic = forms.TypedChoiceField(coerce=int, label="Clinic")
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def __init__(self, *args: Any, clinics: list[Clinic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["clinic"])
        field.choices = [(c.pk, c.name) for c in clinics]


class StaffDeactivateForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        help_text="e.g. left the clinic. Their sessions and API tokens stop at once.",
    )


class SetPasswordLinkForm(forms.Form):
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text="At least 12 characters; not a common password, not only digits, not like "
        "your name or e-mail.",
    )
    new_password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords are not the same.")
        return data


class PasswordForgotForm(forms.Form):
    email = forms.EmailField(max_length=150, label="E-mail address of your account")


class ClinicSettingsForm(forms.Form):
    """Each setting empty = the deployment's default (shown as the placeholder)."""

    crisis_text = forms.CharField(
        required=False,
        max_length=CRISIS_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Crisis resources shown to patients",
    )
    alert_escalation_minutes = forms.IntegerField(
        required=False, label="Escalate an unacknowledged safety alert after (minutes)"
    )
    self_report_link_days = forms.IntegerField(
        required=False, label="Questionnaire link valid for (days)"
    )
    kiosk_link_minutes = forms.IntegerField(
        required=False, label="Kiosk session valid for (minutes)"
    )
    staff_link_hours = forms.IntegerField(
        required=False, label="Staff invitation and password links valid for (hours)"
    )
    pregnancy_age_min_y = forms.IntegerField(
        required=False, label="Pregnancy status asked from age (years)"
    )
    pregnancy_age_max_y = forms.IntegerField(
        required=False, label="Pregnancy status asked up to age (years)"
    )

    def __init__(self, *args: Any, defaults: Any, analytes: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, (low, high) in SETTING_BOUNDS.items():
            field = self.fields[name]
            field.widget.attrs.update({"min": low, "max": high})
            field.help_text = f"{low} to {high}; empty: the default"
        self.fields["crisis_text"].widget.attrs["placeholder"] = defaults.crisis_text
        self.fields[
            "crisis_text"
        ].help_text = f"At most {CRISIS_TEXT_MAX} characters; empty: the default (shown greyed)."
        for name in (
            "alert_escalation_minutes",
            "self_report_link_days",
            "kiosk_link_minutes",
            "staff_link_hours",
        ):
            self.fields[name].widget.attrs["placeholder"] = getattr(defaults, name)
            self.fields[name].help_text += f" ({getattr(defaults, name)})."
        low, high = defaults.pregnancy_age_y
        self.fields["pregnancy_age_min_y"].widget.attrs["placeholder"] = low
        self.fields["pregnancy_age_max_y"].widget.attrs["placeholder"] = high
        self.fields["pregnancy_age_min_y"].help_text += f" ({low})."
        self.fields[
            "pregnancy_age_max_y"
        ].help_text += (
            f" ({high}). A clinic policy, not a clinical figure: no source sets the range."
        )
        self.analytes = analytes
        for key, label in analytes:
            self.fields[f"lab_unit_{key}"] = forms.CharField(
                required=False,
                max_length=LAB_UNIT_MAX,
                label=f"{label} unit (UCUM)",
                help_text="As your laboratory reports it; empty: entry of this marker is off.",
            )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) for name in ("crisis_text", *SETTING_BOUNDS)}
        values["lab_units"] = {key: data.get(f"lab_unit_{key}") or "" for key, _ in self.analytes}
        return values
