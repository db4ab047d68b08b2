"""Browser forms of the accounts pages. Shape only; the rules live in ``kitclinic.accounts.tokens``."""

from __future__ import annotations

from django import forms
from django.conf import settings

from kitclinic.accounts.token_rules import Scope


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'pump gateway'.")
    scope = forms.ChoiceField(
        choices=[(s.value, s.label) for s in Scope],
        initial=Scope.READ.value,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(label="Lifetime (days)")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
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


class SecondFactorResetForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Member of staff")  # type: ignore[arg-type]
    reason = forms.CharField(
        max_length=200,
        help_text="e.g. phone lost; identity checked in person.",
        widget=forms.TextInput(),
    )

    def __init__(self, *args: object, staff: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from kitclinic.accounts.models import User

        field = self.fields["user"]
        field.queryset = User.objects.filter(pk__in=[m.user_id for m in staff])  # type: ignore[attr-defined]
        labels = {
            m.user_id: f"{m.user.get_full_name() or m.user.username} ({m.get_role_display()})"
            for m in staff
        }
        field.label_from_instance = lambda user: labels.get(user.pk, user.username)  # type: ignore[attr-defined]
