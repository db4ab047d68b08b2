"""Which protocol a session follows: the course's before an order, the order's after."""

from __future__ import annotations

from kitclinic.dosing import Protocol
from kitclinic.infusions.models import InfusionOrder, InfusionSession


def session_protocol(session: InfusionSession) -> Protocol:
    """The course's protocol in the course's library version (used before an order exists)."""
    return session.course.library_version.library().protocol(session.course.protocol_id)


def order_protocol(session: InfusionSession) -> Protocol:
    """The protocol of the session's order (its library version), else the course's."""
    order = InfusionOrder.objects.filter(session=session).select_related("library_version").first()
    if order is None:
        return session_protocol(session)
    return order.library_version.library().protocol(order.protocol_id)
