"""docs/security.md holds exactly the permission matrix of the code."""

from __future__ import annotations

from pathlib import Path

from kitclinic.accounts.roles import (
    ACTION_DESCRIPTIONS,
    PERMISSIONS,
    Action,
    Role,
    permission_matrix_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def _tables(text: str) -> list[str]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return ["\n".join(t) for t in tables]


def test_security_doc_contains_exactly_the_generated_permission_matrix():
    tables = _tables(DOC.read_text(encoding="utf-8"))
    assert tables == [permission_matrix_markdown()], (
        "docs/security.md is out of date: paste permission_matrix_markdown() into it"
    )


def test_matrix_has_one_row_per_action_and_one_column_per_role():
    lines = permission_matrix_markdown().splitlines()
    assert len(lines) == 2 + len(Action)
    for action, line in zip(Action, lines[2:], strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == f"{ACTION_DESCRIPTIONS[action]} (`{action.value}`)"
        assert cells[1:] == ["yes" if r in PERMISSIONS[action] else "—" for r in Role]


def test_security_doc_names_the_access_rules_and_protections():
    text = DOC.read_text(encoding="utf-8")
    for phrase in ("404", "403", "Argon2", "Lockout", "Idle expiry", "CSRF", "append-only"):
        assert phrase in text, phrase


def test_auditor_writes_no_patient_data_and_only_physicians_sign():
    patient_writes = (
        Action.PATIENT_REGISTER,
        Action.PATIENT_EDIT_DEMOGRAPHICS,
        Action.CLINICAL_HISTORY_EDIT,
        Action.CONTRAINDICATION_SCREEN_RECORD,
        Action.ELIGIBILITY_SIGN,
    )
    assert all(Role.AUDITOR not in PERMISSIONS[action] for action in patient_writes)
    assert PERMISSIONS[Action.ELIGIBILITY_SIGN] == {Role.PHYSICIAN}
    assert PERMISSIONS[Action.AUDIT_VIEW] == {Role.CLINIC_ADMIN, Role.AUDITOR}
