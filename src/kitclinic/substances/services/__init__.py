"""Writes to the controlled-substance log. Each service checks the rules, locks the lot row, writes
one or more append-only entries and audits them, all in one transaction; bad input raises
ValidationError naming the field and writes nothing.

``stock`` receives and transfers lots, ``dispensing`` records what was given and wasted,
``counts`` records physical counts and the adjustments that resolve them; ``_common`` holds the
checks and writes they share.
"""
