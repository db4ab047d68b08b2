"""Infusion pages: the clinic day, the drug library, courses and booking, and one screen per
session step. Each view: actor, access function, form for shape, one service, redirect.

One module per area; ``common`` holds what the step pages share."""
