"""Writes to the infusion record. Every service takes ``actor`` and keyword arguments, checks the
rules, writes and audits in one transaction, and raises ValidationError (naming the field)
or PermissionDenied, writing nothing. API handlers call these directly."""
