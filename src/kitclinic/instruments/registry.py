"""The instrument registry: id -> Instrument."""

from __future__ import annotations

from types import MappingProxyType

from .model import Instrument, UnknownInstrumentError
from .scales import aldrete, cadss, gad7, madrs, pcl5, peg, phq9, qids_sr16

_ALL = (
    phq9.INSTRUMENT,
    gad7.INSTRUMENT,
    pcl5.INSTRUMENT,
    qids_sr16.INSTRUMENT,
    madrs.INSTRUMENT,
    peg.INSTRUMENT,
    cadss.INSTRUMENT,
    aldrete.INSTRUMENT,
)

INSTRUMENTS = MappingProxyType({inst.id: inst for inst in _ALL})
INSTRUMENT_IDS: tuple[str, ...] = tuple(INSTRUMENTS)


def get_instrument(instrument_id: str) -> Instrument:
    """Return the instrument definition; raise ``UnknownInstrumentError`` listing valid ids."""
    try:
        return INSTRUMENTS[instrument_id]
    except KeyError:
        raise UnknownInstrumentError(instrument_id, INSTRUMENT_IDS) from None
