"""Reading the infusion record, one module per page: the library, the clinic day, the session
(its chart and timeline), the patient chart's infusions and the sign-off summary. Reads of a
patient's record are audited."""
