"""Plain helpers shared by every test folder: the personas and their ``World``, row counts of the
database's tables, and logged-in test clients. The fixtures that hand them to tests live in
tests/conftest.py; builders of one domain's records stay in that domain's folder."""
