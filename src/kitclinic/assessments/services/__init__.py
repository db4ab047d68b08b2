"""Writes of the assessments app. Each service checks its rules, writes and audits in one
transaction; bad input raises ValidationError naming the field and writes nothing.

``assessments`` records and scores, ``alerts`` raises, acknowledges and escalates safety alerts,
``links`` issues self-report links and files the answers given through them, ``schedules`` sends
links on a calendar.
"""
