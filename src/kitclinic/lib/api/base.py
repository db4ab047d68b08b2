"""Shared pieces of the API handlers: the acting clinic, strict input fields, pagination, and the
schema annotations every operation carries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from kitclinic.lib.bounds import validate_plain_text


def endpoint(name: str, *operations: type[APIView]) -> type[APIView]:
    """One URL serving several operations (e.g. GET list and POST create on ``patients/``).

    Each operation stays its own class with its own serializers; this only joins their handler
    methods for Django's URL routing. Two operations defining the same method is a mistake."""
    seen: dict[str, str] = {}
    for op in operations:
        for method in APIView.http_method_names:
            if method in op.__dict__:
                if method in seen:
                    raise TypeError(f"{op.__name__} and {seen[method]} both handle {method}")
                seen[method] = op.__name__
    return type(name, operations, {})


LIMIT_PARAMETERS = [
    OpenApiParameter("limit", OpenApiTypes.INT, description="Page size (default 50, at most 200)."),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Index of the first row."),
]


class ApiPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200

    @property
    def total(self) -> int:
        """How many rows the paginated query has in all, once ``paginate_queryset`` has run."""
        if self.count is None:  # only without a page size, and this class always has one
            raise RuntimeError("paginate_queryset has not counted the rows")
        return self.count


class StrictSerializer(serializers.Serializer[Any]):
    """Input serializer that rejects fields it does not know, naming them."""

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, dict):
            unknown = {name: ["Unknown field."] for name in sorted(set(data) - set(self.fields))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictCharField(serializers.CharField):
    """A JSON string, not a number or boolean turned into one."""

    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_plain_text)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true`` or ``false`` only: a clinical yes/no is never guessed from "1" or "yes"."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ErrorOut(serializers.Serializer[Any]):
    detail = serializers.CharField()
    # DRF's serializer metaclass takes declared fields off the class, so ``errors`` does not
    # replace ``Serializer.errors`` at run time; the stubs see a plain class attribute.
    errors = serializers.DictField(  # type: ignore[assignment]  # a declared field, see above
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="{field: [reason, ...]} for invalid input",
    )


CLINIC_HEADER_PARAMETER = OpenApiParameter(
    name="X-Kitclinic-Clinic",
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Id of the clinic to act in, for users with a role at several clinics. Without it: the "
        "clinic chosen in the browser session, else the user's first clinic. A clinic where the "
        "user has no active role is refused (403)."
    ),
)

_ERRORS = {
    # Any request may be refused before its handler: a query parameter holding a control
    # character (kitclinic.lib.web.errors.QueryStringGuardMiddleware) or an unreadable body.
    400: OpenApiResponse(
        ErrorOut,
        description="Invalid input: `errors` names each field (a dotted path inside nested "
        "input) and what is allowed.",
    ),
    401: OpenApiResponse(ErrorOut, description="Not authenticated."),
    403: OpenApiResponse(
        ErrorOut,
        description="No role at the clinic, the role may not do this, or a session request "
        "without the CSRF token.",
    ),
}
_PATIENT_ERRORS = {
    404: OpenApiResponse(ErrorOut, description="No such patient in your organization.")
}
_INPUT_ERRORS = {
    413: OpenApiResponse(ErrorOut, description="The request body is larger than accepted."),
    415: OpenApiResponse(
        ErrorOut,
        description="A body in a media type the API does not read (JSON and the form "
        "encodings are read).",
    ),
}


# A handler method (or view class) that ``api_schema`` hands back unchanged.
_Described = TypeVar("_Described", bound=Callable[..., Any])


def api_schema(
    *,
    tag: str,
    summary: str,
    responses: dict[int, Any],
    request: Any = None,
    parameters: Sequence[OpenApiParameter | type[serializers.Serializer[Any]]] | None = None,
    patient: bool = False,
    description: str = "",
    operation_id: str | None = None,
) -> Callable[[_Described], _Described]:
    """``extend_schema`` with the clinic header and the error responses every operation shares.

    ``parameters`` takes ``OpenApiParameter`` objects and serializer classes (each field a query
    parameter). The decorator only attaches the schema, so the handler keeps its own signature.
    """
    # The operation's own entries last: a handler may describe its 400 or 404 more precisely.
    all_responses = {
        **_ERRORS,
        **(_INPUT_ERRORS if request is not None else {}),
        **(_PATIENT_ERRORS if patient else {}),
        **responses,
    }
    # drf-spectacular ships no type information; its decorator sets an attribute on the handler
    # and returns the same object, which is what the annotation says.
    decorate: Callable[[_Described], _Described] = extend_schema(
        operation_id=operation_id,
        tags=[tag],
        summary=summary,
        description=description,
        request=request,
        responses=all_responses,
        parameters=[CLINIC_HEADER_PARAMETER, *(parameters or [])],
    )
    return decorate


def paginated(item: type[serializers.Serializer[Any]]) -> type[serializers.Serializer[Any]]:
    """The limit/offset page of ``item`` rows, as a named schema component."""
    name = "Paginated" + item.__name__.removesuffix("Out") + "List"
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


def validated(
    serializer_class: type[serializers.Serializer[Any]], data: Any, **options: Any
) -> dict[str, Any]:
    """The input checked by ``serializer_class`` (a request's body or query string), or a 400
    naming each bad field (nothing is written: the service has not been called)."""
    serializer = serializer_class(data=data, **options)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
