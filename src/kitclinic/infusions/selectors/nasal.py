"""What the session page shows of an esketamine nasal-spray session (docs/esketamine.md): the
fixed-dose order in devices, the blood pressure before and after dosing, the devices given, and
the times the next steps wait for. The rules are the services' and the pure core's; this only
reads them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kitclinic.dosing import Protocol
from kitclinic.dosing.nasal import discharge_possible_at, next_device_at, post_dose_bp_due_at
from kitclinic.infusions.models import (
    BloodPressureMoment,
    InfusionOrder,
    InfusionSession,
    NasalBloodPressure,
    NasalDevice,
)

# Where the IV page shows its pharmacokinetic preview, a nasal session says why there is none.
NO_PK_PREVIEW = (
    "No predicted concentration is shown for the nasal spray: kitclinic's concentration models "
    "are for ketamine given into a vein, and none is validated for esketamine through the nose."
)


@dataclass(frozen=True)
class NasalDetail:
    protocol: Protocol
    order: InfusionOrder | None
    devices_given: list[NasalDevice]
    predose: NasalBloodPressure | None
    post_dose: NasalBloodPressure | None
    # the times the session waits for (None: not yet known or not any more)
    next_device_at: dt.datetime | None
    post_dose_bp_due_at: dt.datetime | None
    discharge_possible_at: dt.datetime | None
    no_pk_preview: str = NO_PK_PREVIEW

    @property
    def devices_ordered(self) -> int:
        return 0 if self.order is None or self.order.devices is None else self.order.devices

    @property
    def dose_given_mg(self) -> Decimal:
        return sum((d.dose_mg for d in self.devices_given), Decimal(0))

    @property
    def next_device_number(self) -> int:
        return len(self.devices_given) + 1

    @property
    def allowed_doses_mg(self) -> tuple[Decimal, ...]:
        assert self.protocol.nasal is not None
        return self.protocol.nasal.doses_mg

    @property
    def mg_per_device(self) -> Decimal:
        assert self.protocol.nasal is not None
        return self.protocol.nasal.mg_per_device.value

    @property
    def predose_waits_for_physician(self) -> bool:
        return self.predose is not None and self.predose.needs_physician


def nasal_detail(
    session: InfusionSession, protocol: Protocol, order: InfusionOrder | None
) -> NasalDetail | None:
    """The nasal-spray part of the session page (two queries), or None for an infusion."""
    if protocol.nasal is None:
        return None
    devices = list(
        NasalDevice.objects.filter(session=session).select_related("recorded_by").order_by("number")
    )
    readings = {
        r.moment: r
        for r in NasalBloodPressure.objects.filter(session=session).select_related(
            "recorded_by", "override_by"
        )
    }
    dosing_over = session.ended_at is not None
    next_at = (
        next_device_at(protocol, devices[-1].given_at) if devices and not dosing_over else None
    )
    post_due = (
        post_dose_bp_due_at(protocol, session.ended_at) if session.ended_at is not None else None
    )
    ready = (
        discharge_possible_at(protocol, session.ended_at) if session.ended_at is not None else None
    )
    return NasalDetail(
        protocol=protocol,
        order=order,
        devices_given=devices,
        predose=readings.get(BloodPressureMoment.PREDOSE),
        post_dose=readings.get(BloodPressureMoment.POST_DOSE),
        next_device_at=next_at,
        post_dose_bp_due_at=post_due,
        discharge_possible_at=ready,
    )
