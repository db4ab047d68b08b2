"""The infusion session's state machine (pure Python; the services ask it before every step).

    scheduled → checked_in → ordered → verified → running ⇄ paused → recovering → discharged → signed

and the ways out before the start: a scheduled or checked-in session can be cancelled, a
scheduled one marked a no-show; an order can be sent back from the double check (ordered →
checked_in) or withdrawn by a physician (ordered or verified → checked_in).

Each step of the workflow is an :class:`Step`; :data:`TRANSITIONS` says from which states it may
be taken and which state follows (``None``: the step records something and the state stays).
A signed session is immutable; only addenda are written to it. docs/infusions.md draws this
table as a diagram (a test keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from django.core.exceptions import ValidationError


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    ORDERED = "ordered"
    VERIFIED = "verified"
    RUNNING = "running"
    PAUSED = "paused"
    RECOVERING = "recovering"
    DISCHARGED = "discharged"
    SIGNED = "signed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    SessionState.SCHEDULED: "Scheduled",
    SessionState.CHECKED_IN: "Checked in",
    SessionState.ORDERED: "Ordered",
    SessionState.VERIFIED: "Double-checked",
    SessionState.RUNNING: "Infusing",
    SessionState.PAUSED: "Paused",
    SessionState.RECOVERING: "Recovering",
    SessionState.DISCHARGED: "Discharged",
    SessionState.SIGNED: "Signed",
    SessionState.CANCELLED: "Cancelled",
    SessionState.NO_SHOW: "No-show",
}

# Sessions that did not take place: they hold no number in their course, free their chair, and
# count as no infusion given anywhere (outcomes, reports, dose history).
NOT_HELD_STATES = frozenset({SessionState.CANCELLED, SessionState.NO_SHOW})


class Step(StrEnum):
    CHECK_IN = "check_in"
    CORRECT_CHECK_IN = "correct_check_in"
    ORDER = "order"
    DOUBLE_CHECK = "double_check"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE_CHANGE = "rate_change"
    STOP = "stop"
    VITALS = "vitals"
    SCORE = "score"
    ADVERSE_EVENT = "adverse_event"
    DISCHARGE = "discharge"
    SIGN = "sign"
    ADDENDUM = "addendum"
    CANCEL = "cancel"
    WASTE = "waste"
    NO_SHOW = "no_show"
    SEND_BACK = "send_back"
    WITHDRAW = "withdraw"
    # esketamine nasal spray (docs/esketamine.md)
    NASAL_ORDER = "nasal_order"
    PREDOSE_BP = "predose_bp"
    DEVICE = "device"
    POST_DOSE_BP = "post_dose_bp"


S = SessionState
_DURING_AND_AFTER = (S.RUNNING, S.PAUSED, S.RECOVERING)
_IN_CLINIC = (S.CHECKED_IN, S.ORDERED, S.VERIFIED, S.RUNNING, S.PAUSED, S.RECOVERING)

# (step, from state) -> next state, or None when the step leaves the state as it is.
TRANSITIONS: dict[tuple[Step, SessionState], SessionState | None] = {
    (Step.CHECK_IN, S.SCHEDULED): S.CHECKED_IN,
    # a correction, not an edit: only before the order, the check-in row stays as recorded
    (Step.CORRECT_CHECK_IN, S.CHECKED_IN): None,
    (Step.ORDER, S.CHECKED_IN): S.ORDERED,
    (Step.DOUBLE_CHECK, S.ORDERED): S.VERIFIED,
    (Step.START, S.VERIFIED): S.RUNNING,
    (Step.PAUSE, S.RUNNING): S.PAUSED,
    (Step.RESUME, S.PAUSED): S.RUNNING,
    (Step.RATE_CHANGE, S.RUNNING): None,
    (Step.STOP, S.RUNNING): S.RECOVERING,
    (Step.STOP, S.PAUSED): S.RECOVERING,
    **{(Step.VITALS, s): None for s in _DURING_AND_AFTER},
    **{(Step.SCORE, s): None for s in _DURING_AND_AFTER},
    **{(Step.ADVERSE_EVENT, s): None for s in _IN_CLINIC},
    (Step.DISCHARGE, S.RECOVERING): S.DISCHARGED,
    (Step.SIGN, S.DISCHARGED): S.SIGNED,
    (Step.ADDENDUM, S.SIGNED): None,
    # the ways out before the infusion starts
    (Step.CANCEL, S.SCHEDULED): S.CANCELLED,
    # what was drawn but not given is wasted after the stop, before sign-off
    (Step.WASTE, S.RECOVERING): None,
    (Step.WASTE, S.DISCHARGED): None,
    (Step.CANCEL, S.CHECKED_IN): S.CANCELLED,
    (Step.NO_SHOW, S.SCHEDULED): S.NO_SHOW,
    (Step.SEND_BACK, S.ORDERED): S.CHECKED_IN,
    (Step.WITHDRAW, S.ORDERED): S.CHECKED_IN,
    (Step.WITHDRAW, S.VERIFIED): S.CHECKED_IN,
    # esketamine nasal spray: a fixed-dose order needs no pump double check; the first device
    # starts the session, the last one ends it (the service moves on to recovering)
    (Step.NASAL_ORDER, S.CHECKED_IN): S.VERIFIED,
    (Step.PREDOSE_BP, S.VERIFIED): None,
    (Step.DEVICE, S.VERIFIED): S.RUNNING,
    (Step.DEVICE, S.RUNNING): None,
    (Step.POST_DOSE_BP, S.RECOVERING): None,
}

# The steps only one treatment kind takes (every other step is shared by both kinds).
IV_ONLY_STEPS = frozenset(
    {
        Step.ORDER,
        Step.DOUBLE_CHECK,
        Step.START,
        Step.PAUSE,
        Step.RESUME,
        Step.RATE_CHANGE,
        Step.STOP,
        Step.WASTE,
        Step.SEND_BACK,
        Step.WITHDRAW,
    }
)
NASAL_ONLY_STEPS = frozenset({Step.NASAL_ORDER, Step.PREDOSE_BP, Step.DEVICE, Step.POST_DOSE_BP})

STEP_WORDS = {
    Step.CHECK_IN: "check in",
    Step.CORRECT_CHECK_IN: "correct the check-in",
    Step.ORDER: "place the order",
    Step.DOUBLE_CHECK: "double-check the order",
    Step.START: "start the infusion",
    Step.PAUSE: "pause the infusion",
    Step.RESUME: "resume the infusion",
    Step.RATE_CHANGE: "change the rate",
    Step.STOP: "stop the infusion",
    Step.VITALS: "record vitals",
    Step.SCORE: "record a score",
    Step.ADVERSE_EVENT: "record an adverse event",
    Step.DISCHARGE: "discharge",
    Step.SIGN: "sign the session",
    Step.ADDENDUM: "write an addendum",
    Step.CANCEL: "cancel the appointment",
    Step.WASTE: "waste the remainder",
    Step.NO_SHOW: "record a no-show",
    Step.SEND_BACK: "send the order back",
    Step.WITHDRAW: "withdraw the order",
    Step.NASAL_ORDER: "order the nasal-spray dose",
    Step.PREDOSE_BP: "record the blood pressure before dosing",
    Step.DEVICE: "chart a nasal-spray device",
    Step.POST_DOSE_BP: "record the blood pressure after dosing",
}


class StepOutOfOrder(ValidationError):
    """A step taken in a state that does not allow it; the message says what must come first."""

    def __init__(self, step: Step, state: SessionState) -> None:
        self.step, self.state = step, state
        allowed = sorted(s.label for (st, s) in TRANSITIONS if st is step)
        if state is SessionState.SIGNED:
            text = (
                f"Cannot {STEP_WORDS[step]}: the session is signed and cannot be changed; "
                "write an addendum instead."
            )
        else:
            text = (
                f"Cannot {STEP_WORDS[step]}: the session is {state.label.lower()}; "
                f"this step needs it to be {' or '.join(a.lower() for a in allowed)}."
            )
        super().__init__(text, code="step_out_of_order")


def allowed(step: Step, state: SessionState | str) -> bool:
    return (step, SessionState(state)) in TRANSITIONS


class StepNotForKind(ValidationError):
    """A step of the other treatment kind (a pump step in a nasal-spray session, or the
    reverse); the message names the kind."""

    def __init__(self, step: Step, kind: str) -> None:
        self.step, self.kind = step, kind
        if step in IV_ONLY_STEPS:
            text = (
                f"Cannot {STEP_WORDS[step]}: this is an esketamine nasal-spray session (no "
                "pump); it follows the nasal-spray steps."
            )
        else:
            text = f"Cannot {STEP_WORDS[step]}: this is an IV ketamine infusion session."
        super().__init__(text)


def step_allowed_for_kind(step: Step, kind: str | None) -> bool:
    """Whether a session of treatment ``kind`` takes ``step`` (None: the kind is not known, every
    step is allowed)."""
    if kind is None:
        return True
    if kind == "esketamine_nasal":
        return step not in IV_ONLY_STEPS
    return step not in NASAL_ONLY_STEPS


def next_state(step: Step, state: SessionState | str, kind: str | None = None) -> SessionState:
    """The state after ``step`` from ``state``; raises StepOutOfOrder if the step is not allowed
    and StepNotForKind if a session of treatment ``kind`` does not take it."""
    if not step_allowed_for_kind(step, kind):
        raise StepNotForKind(step, str(kind))
    current = SessionState(state)
    if (step, current) not in TRANSITIONS:
        raise StepOutOfOrder(step, current)
    following = TRANSITIONS[(step, current)]
    return current if following is None else following


# The next step a clinic would take in each state (for the day page).
NEXT_STEP: dict[SessionState, Step | None] = {
    S.SCHEDULED: Step.CHECK_IN,
    S.CHECKED_IN: Step.ORDER,
    S.ORDERED: Step.DOUBLE_CHECK,
    S.VERIFIED: Step.START,
    S.RUNNING: Step.VITALS,
    S.PAUSED: Step.RESUME,
    S.RECOVERING: Step.DISCHARGE,
    S.DISCHARGED: Step.SIGN,
    S.SIGNED: None,
    S.CANCELLED: None,
    S.NO_SHOW: None,
}


# An esketamine nasal-spray session's next step where it differs from NEXT_STEP.
NASAL_NEXT_STEP: dict[SessionState, Step | None] = {
    S.CHECKED_IN: Step.NASAL_ORDER,
    S.VERIFIED: Step.DEVICE,
    S.RUNNING: Step.DEVICE,
}


def next_step_of(state: SessionState | str, kind: str | None = None) -> Step | None:
    """The next step a clinic takes in ``state`` for a session of treatment ``kind``."""
    current = SessionState(state)
    if kind == "esketamine_nasal" and current in NASAL_NEXT_STEP:
        return NASAL_NEXT_STEP[current]
    return NEXT_STEP[current]


# What a session in these states waits for: the step, and who takes it (shown to a reader who may
# not take it).
WAITING_FOR: dict[SessionState, tuple[Step, str]] = {
    S.SCHEDULED: (Step.CHECK_IN, "Waiting for check-in by a nurse or physician."),
    S.CHECKED_IN: (Step.ORDER, "Waiting for a physician's order."),
    S.ORDERED: (Step.DOUBLE_CHECK, "Waiting for a second clinician's double check."),
    S.DISCHARGED: (Step.SIGN, "Waiting for the physician's sign-off."),
}


def waiting_text(state: SessionState | str, may_take: Callable[[Step], bool]) -> str:
    """What the session waits for, in words, when the reader may not take that step
    (``may_take``); "" otherwise."""
    waiting = WAITING_FOR.get(SessionState(state))
    if waiting is None or may_take(waiting[0]):
        return ""
    return waiting[1]


def withdrawal_voids_double_check(state: SessionState | str) -> bool:
    """Withdrawing an order that was already double-checked voids the double check."""
    return SessionState(state) is S.VERIFIED


def pump_status(state: SessionState | str, *, started: bool) -> str:
    """The pump in words while it is not infusing ("" while it runs: the rate is shown)."""
    current = SessionState(state)
    if current is S.RUNNING:
        return ""
    if current is S.PAUSED:
        return "paused"
    return "stopped" if started else "not started"


class CourseStatus(StrEnum):
    PLANNED = "planned"
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"


C = CourseStatus
COURSE_TRANSITIONS: dict[CourseStatus, frozenset[CourseStatus]] = {
    C.PLANNED: frozenset({C.INDUCTION, C.STOPPED}),
    C.INDUCTION: frozenset({C.MAINTENANCE, C.PAUSED, C.COMPLETED, C.STOPPED}),
    C.MAINTENANCE: frozenset({C.PAUSED, C.COMPLETED, C.STOPPED}),
    C.PAUSED: frozenset({C.INDUCTION, C.MAINTENANCE, C.STOPPED, C.COMPLETED}),
    C.COMPLETED: frozenset(),
    C.STOPPED: frozenset(),
}
# the statuses a course is moved to by hand (planned is only where a course starts)
COURSE_STATUS_CHOICES = [
    (s.value, s.value.capitalize()) for s in CourseStatus if s is not C.PLANNED
]
ACTIVE_COURSE_STATUSES = frozenset({C.PLANNED, C.INDUCTION, C.MAINTENANCE, C.PAUSED})
