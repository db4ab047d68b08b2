"""HL7 FHIR R4 (R4B models of fhir.resources) in and out: docs/fhir.md has the mapping."""
