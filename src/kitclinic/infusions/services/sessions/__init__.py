"""The session's bedside steps that are not the pump, one module each: ``check_in``,
``discharge``, ``signoff`` (sign-off and addenda); ``protocol`` says which protocol a session
follows."""
