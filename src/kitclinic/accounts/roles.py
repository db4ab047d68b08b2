"""Staff roles and the permission matrix (docs/security.md is generated from and tested against this).

Roles are held per clinic. Every view and API handler asks for one ``Action`` through the access
functions in ``kitclinic.accounts.access``; nothing else decides who may do what.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PHYSICIAN = "physician"
    NURSE = "nurse"
    FRONT_DESK = "front_desk"
    CLINIC_ADMIN = "clinic_admin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PHYSICIAN: "Physician (prescriber)",
    Role.NURSE: "Nurse",
    Role.FRONT_DESK: "Front desk",
    Role.CLINIC_ADMIN: "Clinic admin",
    Role.AUDITOR: "Auditor (read-only)",
}


class Action(StrEnum):
    PATIENT_VIEW = "patient.view"
    CLINICAL_VIEW = "clinical.view"
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT_DEMOGRAPHICS = "patient.edit_demographics"
    CLINICAL_HISTORY_EDIT = "clinical_history.edit"
    CONTRAINDICATION_SCREEN_RECORD = "contraindication_screen.record"
    ELIGIBILITY_SIGN = "eligibility.sign"
    ELIGIBILITY_CODES_PUBLISH = "eligibility_codes.publish"
    AUDIT_VIEW = "audit.view"
    ASSESSMENT_RECORD = "assessment.record"
    SELF_REPORT_LINK_ISSUE = "self_report_link.issue"
    ASSESSMENT_SCHEDULE_EDIT = "assessment_schedule.edit"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    LAB_RECORD = "lab.record"
    OUTCOMES_VIEW = "outcomes.view"
    CONSENT_RECORD = "consent.record"
    INFO_SHEET_PUBLISH = "info_sheet.publish"
    REPORT_EXPORT = "report.export"
    FHIR_BULK_EXPORT = "fhir.bulk_export"
    LIBRARY_EDIT = "library.edit"
    LIBRARY_APPROVE = "library.approve"
    CHAIR_MANAGE = "chair.manage"
    COURSE_PLAN = "course.plan"
    APPOINTMENT_BOOK = "appointment.book"
    SESSION_CHECK_IN = "session.check_in"
    ORDER_PLACE = "order.place"
    ORDER_DOUBLE_CHECK = "order.double_check"
    INFUSION_RUN = "infusion.run"
    DISCHARGE = "session.discharge"
    DISCHARGE_OVERRIDE = "session.discharge_override"
    SESSION_SIGN = "session.sign"
    ADDENDUM_WRITE = "addendum.write"
    SUBSTANCE_LOG_VIEW = "substance_log.view"
    SUBSTANCE_RECEIVE = "substance.receive"
    SUBSTANCE_DISPENSE = "substance.dispense"
    SUBSTANCE_RECONCILE = "substance.reconcile"
    SUBSTANCE_REPORT = "substance.report"
    REMS_VIEW = "rems.view"
    REMS_CERTIFY = "rems.certify"
    REMS_ENROL = "rems.enrol"
    REMS_FORM_SUBMIT = "rems.form_submit"
    REMS_REPORT = "rems.report"
    API_TOKEN_REVOKE_STAFF = "api_token.revoke_staff"
    SECOND_FACTOR_RESET = "second_factor.reset"
    STAFF_MANAGE = "staff.manage"
    CLINIC_SETTINGS_EDIT = "clinic_settings.edit"
    PAYMENT_VIEW = "payment.view"
    PAYMENT_RECORD = "payment.record"
    PAYMENT_REFUND = "payment.refund"
    PAYMENT_SETUP = "payment.setup"
    TAKINGS_REPORT = "payment.takings_report"
    FEE_SCHEDULE_VIEW = "fee_schedule.view"
    BILLING_SETUP = "billing.setup"
    BILLING_VIEW = "billing.view"
    BILLING_ISSUE = "billing.issue"


ACTION_DESCRIPTIONS: dict[Action, str] = {
    Action.PATIENT_VIEW: "View the patient list and a patient's chart",
    Action.CLINICAL_VIEW: (
        "Read clinical content: rating-scale answers and scores, what a safety alert flagged, "
        "infusion session records and summaries, labs and outcomes"
    ),
    Action.PATIENT_REGISTER: "Register a new patient",
    Action.PATIENT_EDIT_DEMOGRAPHICS: "Edit demographics, contact and emergency contact",
    Action.CLINICAL_HISTORY_EDIT: "Add diagnoses and psychiatric treatment trials",
    Action.CONTRAINDICATION_SCREEN_RECORD: "Record a contraindication screen",
    Action.ELIGIBILITY_SIGN: "Decide and sign eligibility (supersedes the previous decision)",
    Action.ELIGIBILITY_CODES_PUBLISH: (
        "Publish the organization's list of qualifying diagnosis codes for an indication"
    ),
    Action.AUDIT_VIEW: "Browse and filter the audit trail",
    Action.ASSESSMENT_RECORD: "Record a rating-scale assessment (scored by the server)",
    Action.SELF_REPORT_LINK_ISSUE: "Issue a patient self-report link or start a kiosk session",
    Action.ASSESSMENT_SCHEDULE_EDIT: "Set a patient's questionnaire schedule",
    Action.ALERT_ACKNOWLEDGE: "Acknowledge a safety alert with a note",
    Action.LAB_RECORD: "Record an inflammatory-marker lab result",
    Action.OUTCOMES_VIEW: "View the clinic outcomes dashboard",
    Action.CONSENT_RECORD: "Record a patient's consent against an information-sheet version",
    Action.INFO_SHEET_PUBLISH: "Publish a new patient information-sheet version",
    Action.REPORT_EXPORT: "Export outcomes CSV and patient progress-report PDFs",
    Action.FHIR_BULK_EXPORT: (
        "Export every patient record of the organization as FHIR (bulk export), and download it"
    ),
    Action.LIBRARY_EDIT: "Draft a drug-library version from the active one, edit it, discard it",
    Action.LIBRARY_APPROVE: "Approve a drug-library draft (not one's own), making it active, or send it back",
    Action.CHAIR_MANAGE: (
        "Add, rename and retire the clinic's infusion chairs and set its opening hours"
    ),
    Action.COURSE_PLAN: "Plan a treatment course and change its status",
    Action.APPOINTMENT_BOOK: "Book or cancel an infusion appointment on a chair",
    Action.SESSION_CHECK_IN: "Check a patient in (weight, vitals, consent, escort, rating)",
    Action.ORDER_PLACE: "Place an infusion order (dose checked against the library)",
    Action.ORDER_DOUBLE_CHECK: "Independently double-check an order (not one's own) and co-sign",
    Action.INFUSION_RUN: "Run an infusion: start, pause, rate change, stop, vitals, scores, events",
    Action.DISCHARGE: "Discharge after recovery (modified Aldrete at least 9)",
    Action.DISCHARGE_OVERRIDE: "Discharge below the criteria with a reason",
    Action.SESSION_SIGN: "Sign an infusion session (the record becomes immutable)",
    Action.ADDENDUM_WRITE: "Write an addendum to a signed infusion session",
    Action.SUBSTANCE_LOG_VIEW: "View the clinic's controlled-substance log and lot balances",
    Action.SUBSTANCE_RECEIVE: "Receive controlled-substance stock and transfer it between clinics",
    Action.SUBSTANCE_DISPENSE: "Dispense a controlled substance to a session and record waste",
    Action.SUBSTANCE_RECONCILE: "Count controlled-substance stock and adjust after the count",
    Action.SUBSTANCE_REPORT: "Download the controlled-substance report (CSV, PDF)",
    Action.REMS_VIEW: (
        "View the clinic's esketamine REMS certification, enrolments and Patient Monitoring Forms"
    ),
    Action.REMS_CERTIFY: "Record the clinic's esketamine REMS certification (history kept)",
    Action.REMS_ENROL: "Enrol prescribers and patients in the esketamine REMS and end enrolments",
    Action.REMS_FORM_SUBMIT: "Mark a Patient Monitoring Form submitted to the REMS",
    Action.REMS_REPORT: "Download the esketamine REMS report (CSV, PDF)",
    Action.API_TOKEN_REVOKE_STAFF: "Revoke any API token of the clinic's staff",
    Action.SECOND_FACTOR_RESET: "Reset a staff member's second factor (a lost device), with the reason",
    Action.STAFF_MANAGE: (
        "List the organization's staff; invite, grant and revoke roles, deactivate, reactivate "
        "and send a password-reset link"
    ),
    Action.CLINIC_SETTINGS_EDIT: (
        "Change the clinic's settings (crisis text, alert escalation, link lifetimes, lab units, "
        "pregnancy-test age range)"
    ),
    Action.PAYMENT_VIEW: (
        "See a patient's payments, refunds, receipts and prepaid-package balances"
    ),
    Action.PAYMENT_RECORD: "Record a payment or a package purchase and print its receipt",
    Action.PAYMENT_REFUND: "Refund or void a payment (a new entry, with the reason)",
    Action.PAYMENT_SETUP: (
        "Set the clinic's currency and package refund rule; define and retire package types"
    ),
    Action.TAKINGS_REPORT: "View and download the daily takings report (CSV, PDF)",
    Action.FEE_SCHEDULE_VIEW: "See the clinic's fee schedule (its prices per billing code)",
    Action.BILLING_SETUP: (
        "Publish a new fee schedule version; set the clinic's billing name, NPI, tax id and "
        "address and the physicians' NPIs"
    ),
    Action.BILLING_VIEW: (
        "See a patient's Good Faith Estimates, superbills and balance (these show the billing "
        "diagnosis codes)"
    ),
    Action.BILLING_ISSUE: (
        "Issue a Good Faith Estimate or a superbill, and record the patient's signature on an "
        "estimate"
    ),
}

_ALL = frozenset(Role)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.PATIENT_VIEW: _ALL,
    # Minimum necessary: the front desk books and registers; it needs to know that clinical
    # follow-up is pending, never the answers, scores or session record behind it.
    Action.CLINICAL_VIEW: _ALL - {Role.FRONT_DESK},
    Action.PATIENT_REGISTER: frozenset(
        {Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK, Role.CLINIC_ADMIN}
    ),
    Action.PATIENT_EDIT_DEMOGRAPHICS: frozenset(
        {Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK, Role.CLINIC_ADMIN}
    ),
    Action.CLINICAL_HISTORY_EDIT: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.CONTRAINDICATION_SCREEN_RECORD: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.ELIGIBILITY_SIGN: frozenset({Role.PHYSICIAN}),
    Action.ELIGIBILITY_CODES_PUBLISH: frozenset({Role.PHYSICIAN}),
    Action.AUDIT_VIEW: frozenset({Role.CLINIC_ADMIN, Role.AUDITOR}),
    Action.ASSESSMENT_RECORD: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.SELF_REPORT_LINK_ISSUE: frozenset({Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK}),
    Action.ASSESSMENT_SCHEDULE_EDIT: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.ALERT_ACKNOWLEDGE: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.LAB_RECORD: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.OUTCOMES_VIEW: frozenset({Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN, Role.AUDITOR}),
    Action.CONSENT_RECORD: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.INFO_SHEET_PUBLISH: frozenset({Role.PHYSICIAN}),
    Action.REPORT_EXPORT: frozenset({Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN}),
    # The whole organization's records in one download: the prescriber and the clinic admin,
    # who answer for handing records to another system; not every reader of a chart.
    Action.FHIR_BULK_EXPORT: frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN}),
    Action.LIBRARY_EDIT: frozenset({Role.CLINIC_ADMIN}),
    Action.LIBRARY_APPROVE: frozenset({Role.PHYSICIAN}),
    Action.CHAIR_MANAGE: frozenset({Role.CLINIC_ADMIN}),
    Action.COURSE_PLAN: frozenset({Role.PHYSICIAN}),
    Action.APPOINTMENT_BOOK: frozenset({Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK}),
    Action.SESSION_CHECK_IN: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.ORDER_PLACE: frozenset({Role.PHYSICIAN}),
    Action.ORDER_DOUBLE_CHECK: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.INFUSION_RUN: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.DISCHARGE: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.DISCHARGE_OVERRIDE: frozenset({Role.PHYSICIAN}),
    Action.SESSION_SIGN: frozenset({Role.PHYSICIAN}),
    Action.ADDENDUM_WRITE: frozenset({Role.PHYSICIAN, Role.NURSE}),
    # Only licensed clinical staff handle the drug; admins and auditors read and report
    # ([waste-witness], [az-nursing-ketamine] in docs/sources.md).
    Action.SUBSTANCE_LOG_VIEW: frozenset(
        {Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN, Role.AUDITOR}
    ),
    Action.SUBSTANCE_RECEIVE: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.SUBSTANCE_DISPENSE: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.SUBSTANCE_RECONCILE: frozenset({Role.PHYSICIAN, Role.NURSE}),
    Action.SUBSTANCE_REPORT: frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN, Role.AUDITOR}),
    # The clinic admin holds the setting's certification; physicians handle REMS enrolments;
    # whoever sends a Patient Monitoring Form records it ([spravato-rems-setting]).
    Action.REMS_VIEW: frozenset({Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN, Role.AUDITOR}),
    Action.REMS_CERTIFY: frozenset({Role.CLINIC_ADMIN}),
    Action.REMS_ENROL: frozenset({Role.PHYSICIAN}),
    Action.REMS_FORM_SUBMIT: frozenset({Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN}),
    Action.REMS_REPORT: frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN, Role.AUDITOR}),
    # Everyone manages their own tokens; the clinic admin can also stop a colleague's.
    Action.API_TOKEN_REVOKE_STAFF: frozenset({Role.CLINIC_ADMIN}),
    Action.SECOND_FACTOR_RESET: frozenset({Role.CLINIC_ADMIN}),
    Action.STAFF_MANAGE: frozenset({Role.CLINIC_ADMIN}),
    Action.CLINIC_SETTINGS_EDIT: frozenset({Role.CLINIC_ADMIN}),
    # Money is handled at the front desk; refunds and voids give money back or undo a record, so
    # they need the clinic admin. Physicians and nurses need no patient's payments to treat them
    # (minimum necessary); the auditor reads everything (docs/payments.md, "Who may do what").
    Action.PAYMENT_VIEW: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.AUDITOR}),
    Action.PAYMENT_RECORD: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    Action.PAYMENT_REFUND: frozenset({Role.CLINIC_ADMIN}),
    Action.PAYMENT_SETUP: frozenset({Role.CLINIC_ADMIN}),
    Action.TAKINGS_REPORT: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.AUDITOR}),
    # Billing is the front desk's work: estimates and superbills carry the diagnosis codes a claim
    # needs (a payment use of the record), so the front desk sees those codes on billing
    # documents only (docs/billing.md, docs/security.md). Nurses need no bill to treat.
    Action.FEE_SCHEDULE_VIEW: _ALL,
    Action.BILLING_SETUP: frozenset({Role.CLINIC_ADMIN}),
    Action.BILLING_VIEW: frozenset(
        {Role.PHYSICIAN, Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.AUDITOR}
    ),
    Action.BILLING_ISSUE: frozenset({Role.PHYSICIAN, Role.FRONT_DESK, Role.CLINIC_ADMIN}),
}


def role_may(role: Role | str, action: Action) -> bool:
    return Role(role) in PERMISSIONS[action]


def permission_matrix_markdown() -> str:
    """The matrix as a Markdown table, as it stands in docs/security.md."""
    roles = list(Role)
    header = "| action | " + " | ".join(r.label for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {ACTION_DESCRIPTIONS[a]} (`{a.value}`) | "
        + " | ".join("yes" if r in PERMISSIONS[a] else "—" for r in roles)
        + " |"
        for a in Action
    ]
    return "\n".join([header, rule, *rows])
