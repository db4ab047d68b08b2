"""Browser forms of the accounts pages. Shape only; the rules live in ``kitclinic.accounts.tokens``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings

from kitclinic.accounts.models import StaffMembership, User
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
