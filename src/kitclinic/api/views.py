"""REST API v1 handlers (filled in per domain)."""
from rest_framework import generics


class PatientListCreateApi(generics.GenericAPIView):
    pass
