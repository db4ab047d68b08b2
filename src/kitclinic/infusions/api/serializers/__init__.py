"""Input and output serializers of the infusion API. Inputs check shape only (types, lengths,
choices); the rules (dose limits, weight in kg, state of the session, who may double-check) are
the services'. Outputs list their fields explicitly.

One module per area: ``library``, ``courses`` (courses, chairs, appointments), the session's
``records`` (outputs) and ``steps`` (inputs); ``fields`` holds what they share."""
