"""The archive format on its own: every value type round-trips exactly through its JSON encoding
and the field's ``to_python``, and a malformed manifest is refused with the problem named."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from kitclinic.operations.archive import (
    ArchiveError,
    encode_value,
    manifest_parse,
    member_name,
    row_encoder,
)

ROUND_TRIPS: list[tuple[models.Field, Any]] = [
    (models.DecimalField(max_digits=12, decimal_places=3), Decimal("1.500")),
    (models.DecimalField(max_digits=12, decimal_places=3), Decimal("-0.001")),
    (models.DateTimeField(), dt.datetime(2024, 3, 10, 7, 30, 1, 123456, tzinfo=dt.UTC)),
    (models.DateField(), dt.date(1969, 12, 31)),
    (models.TimeField(), dt.time(23, 59, 59, 999999)),
    (models.DurationField(), dt.timedelta(days=-1, seconds=5, microseconds=7)),
    (models.DurationField(), dt.timedelta(days=40, hours=3)),
    (models.UUIDField(), uuid.UUID("12345678-1234-5678-1234-567812345678")),
    (models.FloatField(), 0.1 + 0.2),
    (models.FloatField(), 1e-300),
    (models.FloatField(), -0.0),
    (models.BigIntegerField(), 2**62),
    (models.BooleanField(), False),
    (models.CharField(max_length=50), "Zoë Ñúñez — 東京"),
    (models.GenericIPAddressField(), "2001:db8::1"),
]


@pytest.mark.parametrize(("field", "value"), ROUND_TRIPS, ids=lambda v: repr(v)[:40])
def test_every_value_type_round_trips_exactly(field: models.Field, value: Any) -> None:
    encoded = json.loads(json.dumps(encode_value(value)))
    decoded = field.to_python(encoded)
    assert decoded == value
    assert type(decoded) is type(value)
    if isinstance(value, float):
        assert decoded.hex() == value.hex()
    if isinstance(value, Decimal):
        assert str(decoded) == str(value)


def test_bytes_travel_as_base64_and_come_back() -> None:
    payload = bytes(range(256))
    encoded = encode_value(memoryview(payload))
    assert isinstance(encoded, str)
    assert bytes(models.BinaryField().to_python(encoded)) == payload


def test_an_unknown_value_type_is_an_error_not_a_silent_string() -> None:
    with pytest.raises(TypeError, match="set"):
        encode_value({1, 2})


def test_a_row_is_one_json_line_with_json_columns_as_they_are() -> None:
    fields = [models.BigAutoField(primary_key=True), models.JSONField(), models.DecimalField()]
    line = row_encoder(fields)((7, {"dose_mg": "35.0", "x": [1.5, None]}, Decimal("2.50")))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == [7, {"dose_mg": "35.0", "x": [1.5, None]}, "2.50"]
    assert "ë".encode() in row_encoder([models.TextField()])(("Zoë",))


def _manifest(**changes: Any) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format": "kitclinic-backup",
        "format_version": 1,
        "kitclinic_version": "0.1.0",
        "created_at": "2025-01-01T00:00:00Z",
        "source": {"vendor": "sqlite"},
        "migrations": {"patients": ["0001_initial"]},
        "tables": [
            {
                "model": "patients.Patient",
                "db_table": "patients_patient",
                "member": member_name("patients_patient"),
                "fields": ["id"],
                "rows": 2,
                "sha256": "a" * 64,
            }
        ],
        "rows": 2,
        "content_sha256": "b" * 64,
    }
    manifest.update(changes)
    return manifest


def test_a_well_formed_manifest_is_read() -> None:
    manifest = manifest_parse(json.dumps(_manifest()).encode())
    assert manifest.applied() == {("patients", "0001_initial")}
    assert manifest.tables[0].fields == ("id",)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "zip"}, '"format" is not "kitclinic-backup"'),
        ({"format_version": 3}, "format version 3"),
        ({"content_sha256": "xyz"}, '"content_sha256" is not a SHA-256'),
        ({"migrations": {"patients": "0001_initial"}}, '"migrations"."patients"'),
        ({"rows": 3}, '"rows" is not the sum of the tables'),
        ({"tables": [{"model": "x"}]}, 'tables[0]."db_table" is missing'),
    ],
)
def test_a_malformed_manifest_is_refused_naming_the_problem(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ArchiveError) as refusal:
        manifest_parse(json.dumps(_manifest(**changes)).encode())
    assert message in str(refusal.value)


def test_a_member_outside_the_tables_folder_is_refused() -> None:
    manifest = _manifest()
    manifest["tables"][0]["member"] = "../../etc/passwd"
    with pytest.raises(ArchiveError, match="unexpected member"):
        manifest_parse(json.dumps(manifest).encode())


def test_a_manifest_that_is_not_json_is_refused() -> None:
    with pytest.raises(ArchiveError, match="not valid JSON"):
        manifest_parse(b"\x00\xff not json")
