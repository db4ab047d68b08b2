"""REST API v1 of the infusion workflow (mounted under /api/v1/ by api/urls.py): the drug
library, courses, chairs, appointments and every step of a session.

Same rules as the pages: the actor from the request, objects through the infusions access
functions (another organization's is a 404, a role that may not act a 403), shape checked by a
StrictSerializer, one service per write, an explicit output serializer.

Status codes: 200 read or replayed, 201 created, 400 bad input (naming the field; nothing
written), 409 the record's current state forbids it (a step out of order, a signed session, a
vitals slot already recorded, an idempotency key used for another reading). 409 bodies carry
``detail`` (what must come first) and ``state`` (the session's state now).

One module per area: ``library``, ``courses`` (courses, chairs, appointments) and the package
``sessions`` (one module per part of the workflow); ``common`` has the 409 mapping and the helpers
they share. The URLs (``kitclinic.infusions.api.urls``) name each operation's class in its module.
"""
