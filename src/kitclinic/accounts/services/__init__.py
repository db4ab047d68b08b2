"""Writes to staff accounts: roles at clinics (``kitclinic staff_grant`` and the staff pages),
inviting, deactivating and reactivating staff, password-reset links sent by a clinic admin, and
a clinic's own settings. Each runs in one transaction with its audit events.

One rule holds at every door (the pages, the command): an organization always keeps at least one
active clinic admin, so no change of a role, revocation or deactivation may remove the last one;
and a clinic admin cannot take away their own admin role or deactivate themselves
(``memberships.admins_remain_check``)."""

from kitclinic.accounts.services.clinic_settings import (
    CRISIS_TEXT_MAX,
    LAB_UNIT_MAX,
    SETTING_BOUNDS,
    SETTING_FIELDS,
    clinic_settings_update,
)
from kitclinic.accounts.services.memberships import (
    LAST_ADMIN_MESSAGE,
    admins_remain_check,
    membership_grant,
    staff_role_revoke,
    staff_role_set,
)
from kitclinic.accounts.services.staff import (
    staff_deactivate,
    staff_invitation_cancel,
    staff_invite,
    staff_password_reset_send,
    staff_reactivate,
    staff_reinvite,
)

__all__ = [
    "CRISIS_TEXT_MAX",
    "LAB_UNIT_MAX",
    "LAST_ADMIN_MESSAGE",
    "SETTING_BOUNDS",
    "SETTING_FIELDS",
    "admins_remain_check",
    "clinic_settings_update",
    "membership_grant",
    "staff_deactivate",
    "staff_invitation_cancel",
    "staff_invite",
    "staff_password_reset_send",
    "staff_reactivate",
    "staff_reinvite",
    "staff_role_revoke",
    "staff_role_set",
]
