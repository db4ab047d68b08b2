"""The drug library: one entry per indication and protocol, each with its own limits (L1;
[ismp-smart-pumps]).

Everything here is plain frozen dataclasses built from, and serialised to, a JSON-compatible dict.
That dict is how a library *version* is stored (immutably, Q1): ``library_from_dict`` validates it
and raises :class:`LibraryError` naming the offending field, ``library_to_dict`` writes it back.
Numbers are :class:`~decimal.Decimal` (written as strings so a JSON round trip is exact).

Every figure is a :class:`SourcedValue`: the number plus where it comes from. A ``reference``
source names its keys in docs/sources.md and a short citation; a ``clinic_setting`` source gives
the reason the value is a local choice (UNVERIFIED, a one-clinic [C] figure, or no figure at all;
see [kitclinic-settings]). Limits are inclusive: a value equal
to a limit is within it.

``model`` holds the dataclasses, ``parse`` builds them from the stored dict (``library_from_dict``)
and ``serialize`` writes them back (``library_to_dict``).
"""
