"""Writes to the payment ledger. Each service checks the rules, locks what it counts on, writes
append-only entries with their receipt numbers and audits them, all in one transaction; bad input
raises ValidationError naming the field and writes nothing.

``ledger`` records payments, refunds and voids; ``packages`` sells prepaid packages, draws a
unit for each signed session and refunds the unused ones; ``setup`` holds the clinic's payment
settings and package types; ``_common`` the checks and writes they share.
"""
