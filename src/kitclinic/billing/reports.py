"""Billing documents as PDF (WeasyPrint): the Good Faith Estimate, with the block the patient
signs, and the superbill. Both are drawn from what the document kept when it was issued."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from kitclinic.billing.models import GoodFaithEstimate, Superbill


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def estimate_pdf(estimate: GoodFaithEstimate) -> bytes:
    return _pdf("billing/estimate_pdf.html", {"estimate": estimate, "doc": estimate.content})


def superbill_pdf(superbill: Superbill) -> bytes:
    return _pdf("billing/superbill_pdf.html", {"superbill": superbill, "doc": superbill.content})
