"""Running the infusion, one module per part of the bedside work:

- ``pump``: start (only after the double check, with the controlled-substance draw), pause,
  resume, rate change (under the one soft-limit rule: the protocol's rate and duration limits,
  never more than the ordered volume);
- ``stop``: the stop (an early stop documented with its reason) and the witnessed waste of what
  was drawn but not given;
- ``observations``: vitals on the schedule (not before a slot is due) with threshold alerts,
  dissociation and sedation scores, adverse events;
- ``events``: the session event every pump change writes, and the current rate.

The controlled-substance draw ([kitclinic-workflow]: after the double check, before the pump is set)
is logged at the start: with a ``lot``, the ordered amount is dispensed from it to the session in
the start's transaction. What was drawn but not given (an early stop) must be wasted with a witness
before sign-off, at the stop (``waste_witness``) or later (``stop.remainder_waste``): the part not
given is booked back against the dispense (an adjustment naming it) and recorded as witnessed waste,
so the lot's balance drops by exactly the amount drawn and the session's net dispense is the amount
given. The amount given is the pump replay's (``kitclinic.infusions.delivery``)."""
