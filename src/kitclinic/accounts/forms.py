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
