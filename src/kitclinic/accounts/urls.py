from django.urls import path

from kitclinic.accounts.views import (
    api_tokens,
    clinic_settings,
    password_links,
    second_factor,
    staff,
)

urlpatterns = [
    path("account/api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        api_tokens.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("login/code/", second_factor.second_factor_code, name="second-factor-code"),
    path("login/forgot/", password_links.password_forgot, name="password-forgot"),
    path("staff-link/<str:token>/", password_links.password_link, name="password-link"),
    path("account/second-factor/", second_factor.second_factor_page, name="second-factor"),
    path(
        "account/second-factor/reset/",
        second_factor.second_factor_reset_view,
        name="second-factor-reset",
    ),
    path("administration/", staff.administration, name="administration"),
    path("administration/staff/", staff.staff_list, name="staff-list"),
    path("administration/staff/invite/", staff.staff_invite_view, name="staff-invite"),
    path("administration/staff/<int:user_id>/", staff.staff_member_view, name="staff-member"),
    path(
        "administration/staff/<int:user_id>/roles/",
        staff.staff_role_set_view,
        name="staff-role-set",
    ),
    path(
        "administration/staff/<int:user_id>/roles/<int:membership_id>/revoke/",
        staff.staff_role_revoke_view,
        name="staff-role-revoke",
    ),
    path(
        "administration/staff/<int:user_id>/deactivate/",
        staff.staff_deactivate_view,
        name="staff-deactivate",
    ),
    path(
        "administration/staff/<int:user_id>/reactivate/",
        staff.staff_reactivate_view,
        name="staff-reactivate",
    ),
    path(
        "administration/staff/<int:user_id>/reinvite/",
        staff.staff_reinvite_view,
        name="staff-reinvite",
    ),
    path(
        "administration/staff/<int:user_id>/invitation/cancel/",
        staff.staff_invitation_cancel_view,
        name="staff-invitation-cancel",
    ),
    path(
        "administration/staff/<int:user_id>/password-reset/",
        staff.staff_password_reset_view,
        name="staff-password-reset",
    ),
    path("administration/settings/", clinic_settings.clinic_settings_view, name="clinic-settings"),
]
