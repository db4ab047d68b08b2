"""Append-only records: rows that are inserted once and never updated or deleted.

Used by the audit trail, the controlled-substance log and published information sheets and
consents. Corrections are new rows. The model and queryset refuse changes here; on PostgreSQL a
trigger (``postgres_append_only_sql``) refuses them in the database too.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyError(Exception):
    """Raised on any attempt to update or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name} records are append-only: no updates."
        )

    def delete(self) -> NoReturn:
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name} records are append-only: no deletes."
        )

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name} records are append-only: no updates."
        )


class AppendOnlyModel(models.Model):
    """Abstract base: ``save`` only inserts, ``delete`` always refuses."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError(
                f"{self._meta.verbose_name} records are append-only: they cannot be changed; "
                "record a correction instead."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"{self._meta.verbose_name} records are append-only: they cannot be deleted."
        )
