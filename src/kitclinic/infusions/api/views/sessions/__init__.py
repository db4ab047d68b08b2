"""Session endpoints: the session record and every step (check-in, order, double check, pump
events, vitals, scores, adverse events, discharge, sign-off, addenda), and the ways out before
the start (cancel, no-show, an order sent back or withdrawn); one module per part of the
workflow, as the pages."""
