"""Every outcomes test starts and ends without a held outcome dataset: the dataset is held in the
process per organization, and a rolled-back test's organization id may come back in the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kitclinic.outcomes.data import dataset


@pytest.fixture(autouse=True)
def _no_held_dataset() -> Iterator[None]:
    dataset.forget()
    yield
    dataset.forget()
