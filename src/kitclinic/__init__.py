"""kitclinic: clinic software for ketamine infusion therapy."""

__version__ = "0.1.0"
