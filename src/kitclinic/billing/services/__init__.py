"""Every billing write, one function per business action, audited in its transaction:
``setup`` (fee schedules, the clinic's billing identity, physicians' NPIs), ``estimates``
(Good Faith Estimates) and ``superbills``."""
