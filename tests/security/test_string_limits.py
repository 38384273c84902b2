"""Every string the API reads has a length limit, found by walking its OpenAPI schema."""

from collections.abc import Iterator
from typing import Any

import pytest

from api.main import create_app
from settings import Settings

# Bounded by their own rules: an email address by email-validator (254 characters), a
# uuid by its form, a choice by its list.
_BOUNDED_FORMATS = {"email", "uuid", "date", "date-time"}


def _schema() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema


def _unbounded(schema: dict[str, Any], spec: dict[str, Any], where: str) -> Iterator[str]:
    schema = _resolve(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        for index, option in enumerate(schema.get(key, [])):
            yield from _unbounded(option, spec, f"{where}[{key} {index}]")
    if schema.get("type") == "string":
        bounded = (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in _BOUNDED_FORMATS
            # A file, held to SIGNOFF_ATTACHMENT_MAX_BYTES (tests/e2e/test_attachment_limits).
            or "contentMediaType" in schema
        )
        if not bounded:
            yield where
    for name, field in schema.get("properties", {}).items():
        yield from _unbounded(field, spec, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _unbounded(schema["items"], spec, f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _unbounded(schema["additionalProperties"], spec, f"{where}{{}}")


def _inputs(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            route = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                yield f"{route} {parameter['in']} {parameter['name']}", parameter["schema"]
            for kind, content in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{route} body ({kind})", content["schema"]


SPEC = _schema()


@pytest.mark.parametrize(("where", "schema"), list(_inputs(SPEC)), ids=lambda v: str(v)[:80])
def test_every_string_input_has_a_limit(where: str, schema: dict[str, Any]) -> None:
    assert list(_unbounded(schema, SPEC, where)) == []


def test_the_walk_finds_the_inputs() -> None:
    places = [where for where, _ in _inputs(SPEC)]
    assert any("contact-change-requests body" in where for where in places)
    assert any("/approvals/{token}" in where for where in places)
