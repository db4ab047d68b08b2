"""The API's JSON parser: bounded size and nesting, so a hostile body is a 413 or a 400 and never
a RecursionError or a server reading an unbounded body into memory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# No kitclinic request nests deeper than a few levels (an object of answers or reasons).
MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def max_body_bytes() -> int:
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB unless set), which forms already obey."""
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        too_deep = f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."
        request = (parser_context or {}).get("request")
        limit = max_body_bytes()
        length = int((request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0)
        if limit and length > limit:
            raise RequestBodyTooLarge(
                f"The request body is larger than the {limit} bytes accepted."
            )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(too_deep)
        return data
