"""``kitclinic pk ...``: simulate a regimen or plan a TCI from the command line.

JSON for machines (``--json``), a PNG for people (``--plot FILE.png``), a short summary
otherwise. Bad arguments exit with status 2, a message naming the argument on stderr, and no
file written.

``main`` (the command) reads the arguments with ``arguments`` and runs ``simulate`` or ``tci``.
"""
