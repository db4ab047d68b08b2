"""The controlled-substance log of each clinic (a registered location): lots, an append-only log of
entries, and physical counts (reconciliations) with their lines.

Record-keeping follows US federal rules ([cfr-1304-04], [cfr-1304-21]; docs/sources.md): ketamine is
Schedule III; records are kept per registered location, complete for every unit received or disposed
of, waste is witnessed by two licensed staff, and there is a running balance per lot and a
discrepancy workflow.

Nothing here is ever updated or deleted: the models and their querysets refuse it, and on
PostgreSQL a trigger refuses it as well (migration 0002). A mistake is corrected by a new
adjustment entry that names the entry it corrects. The balance of a lot is never stored; it is the
sum of its entries' ``change_mg`` (see selectors).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value

from kitclinic.audit.append_only import AppendOnlyError, AppendOnlyModel

__all__ = ["AppendOnlyError"]


class Drug(models.TextChoices):
    KETAMINE_HCL = "ketamine hydrochloride", "Ketamine hydrochloride"
    # a lot of nasal-spray devices: 28 mg in 0.2 mL each, a "vial" is one device ([spravato-label])
    ESKETAMINE_HCL_NASAL = "esketamine hydrochloride nasal spray", "Esketamine nasal spray"


# Schedule of each drug ("Ketamine is Schedule III", esketamine CIII, [esketamine-label-summary]).
DRUG_SCHEDULE = {Drug.KETAMINE_HCL: "III", Drug.ESKETAMINE_HCL_NASAL: "III"}


class DecimalShape(TypedDict):
    """The keyword arguments that shape a decimal field (model, form or serializer)."""

    max_digits: int
    decimal_places: int


# Every amount of the log in mg: 12 digits, 3 of them decimals.
MG: DecimalShape = {"max_digits": 12, "decimal_places": 3}
# Every amount of the log is kept on this grid (the columns' 3 decimal places).
MG_STEP = Decimal("0.001")
HALF_MG_STEP = Value(MG_STEP / 2, output_field=models.DecimalField(max_digits=12, decimal_places=4))


class SubstanceLot(AppendOnlyModel):
    """One receipt of a manufacturer's lot at a clinic (from a supplier or by transfer from another
    clinic of the organization). Its balance is the sum of its entries."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="substance_lots"
    )
    drug = models.CharField(max_length=60, choices=Drug.choices, default=Drug.KETAMINE_HCL)
    strength_mg_per_ml = models.DecimalField(max_digits=8, decimal_places=3)
    vial_volume_ml = models.DecimalField(max_digits=8, decimal_places=3)
    supplier = models.CharField(max_length=200)
    lot_number = models.CharField(max_length=60)
    expiry_date = models.DateField()
    received_vials = models.PositiveIntegerField()
    received_from_clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Set when the lot came by transfer from another clinic of the organization.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["expiry_date", "lot_number", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(strength_mg_per_ml__gt=0), name="substance_lot_strength_positive"
            ),
            models.CheckConstraint(
                condition=Q(vial_volume_ml__gt=0), name="substance_lot_volume_positive"
            ),
            models.CheckConstraint(
                condition=Q(received_vials__gt=0), name="substance_lot_vials_positive"
            ),
        ]

    @property
    def mg_per_vial(self) -> Decimal:
        return (self.strength_mg_per_ml * self.vial_volume_ml).quantize(Decimal("0.001"))

    @property
    def schedule(self) -> str:
        return DRUG_SCHEDULE[Drug(self.drug)]

    def __str__(self) -> str:
        return (
            f"Lot {self.lot_number} — {self.get_drug_display()} "
            f"{self.strength_mg_per_ml.normalize():f} mg/mL × {self.vial_volume_ml.normalize():f} mL"
        )


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DISPENSE = "dispense", "Dispense"
    WASTE = "waste", "Waste"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    ADJUSTMENT = "adjustment", "Adjustment"


# Plain values, so that the migration's check constraint does not depend on the enum.
INCREASING = (EntryKind.RECEIPT.value, EntryKind.TRANSFER_IN.value)
DECREASING = (EntryKind.DISPENSE.value, EntryKind.WASTE.value, EntryKind.TRANSFER_OUT.value)


class Reconciliation(AppendOnlyModel):
    """A physical count of every lot at a clinic, compared with the book balances."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="substance_reconciliations"
    )
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-counted_at", "-id"]

    def __str__(self) -> str:
        return f"Count of {self.counted_at:%Y-%m-%d %H:%M}"


class ReconciliationLine(AppendOnlyModel):
    """One lot's count. A non-zero discrepancy stays open until an adjustment entry resolves it."""

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, related_name="lines"
    )
    lot = models.ForeignKey(SubstanceLot, on_delete=models.PROTECT, related_name="+")
    book_mg = models.DecimalField(**MG)
    counted_mg = models.DecimalField(**MG)
    discrepancy_mg = models.DecimalField(**MG, help_text="counted − book")

    class Meta:
        ordering = ["reconciliation", "lot__expiry_date", "lot_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "lot"], name="one_count_line_per_lot"
            ),
            models.CheckConstraint(
                condition=Q(counted_mg__gte=0), name="count_line_counted_not_negative"
            ),
            # counted − book, to within half the 0.001 mg step: on the grid every amount is
            # kept on, that is exact equality; the half step absorbs SQLite, which stores and
            # subtracts decimals as binary floating point (408.0 − 409.2 ≠ −1.2 there).
            models.CheckConstraint(
                condition=Q(
                    discrepancy_mg__gte=F("counted_mg") - F("book_mg") - HALF_MG_STEP,
                    discrepancy_mg__lte=F("counted_mg") - F("book_mg") + HALF_MG_STEP,
                ),
                name="count_line_discrepancy_is_counted_minus_book",
            ),
        ]

    @property
    def has_discrepancy(self) -> bool:
        return self.discrepancy_mg != 0

    def __str__(self) -> str:
        return f"Count line {self.pk}: book {self.book_mg} mg, counted {self.counted_mg} mg"


class SubstanceLogEntry(AppendOnlyModel):
    """One movement of a lot. ``quantity_mg`` is the amount (always > 0); ``change_mg`` is its
    signed effect on the lot's balance (receipts and transfers in add, dispenses, waste and
    transfers out subtract, an adjustment does either)."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="substance_entries"
    )
    lot = models.ForeignKey(SubstanceLot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    quantity_mg = models.DecimalField(**MG)
    change_mg = models.DecimalField(**MG)
    vials = models.PositiveIntegerField(
        null=True, blank=True, help_text="Whole vials, for receipts and transfers."
    )
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = models.TextField(blank=True)
    session = models.ForeignKey(
        "infusions.InfusionSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="substance_entries",
        help_text="The infusion session the drug was dispensed to or wasted from.",
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
        help_text="The entry this adjustment corrects.",
    )
    transfer_pair = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="On a transfer in: the transfer-out entry at the sending clinic.",
    )
    resolves = models.ForeignKey(
        ReconciliationLine,
        on_delete=models.PROTECT,
        related_name="resolutions",
        null=True,
        blank=True,
        help_text="The count discrepancy this adjustment resolves.",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "substance log entries"
        indexes = [
            # The log's sort orders (substances.selectors.ENTRY_LIST), ending with the id.
            models.Index(
                fields=["clinic", "occurred_at", "id"], name="substance_entry_clinic_time"
            ),
            models.Index(
                fields=["clinic", "kind", "occurred_at", "id"], name="substance_entry_kind"
            ),
            models.Index(fields=["lot", "occurred_at"], name="substance_entry_lot_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_mg__gt=0), name="substance_entry_quantity_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=INCREASING, change_mg=F("quantity_mg"))
                    | Q(kind__in=DECREASING, change_mg=-F("quantity_mg"))
                    | Q(kind="adjustment", change_mg=F("quantity_mg"))
                    | Q(kind="adjustment", change_mg=-F("quantity_mg"))
                ),
                name="substance_entry_change_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["waste", "adjustment"]) | Q(witness__isnull=False),
                name="substance_entry_waste_and_adjustment_witnessed",
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=F("recorded_by")),
                name="substance_entry_witness_is_another_person",
            ),
            models.UniqueConstraint(
                fields=["resolves"],
                condition=Q(resolves__isnull=False),
                name="one_resolution_per_count_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.change_mg} mg"
