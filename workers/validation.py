"""Checking a result against `ResultSchema` before it is stored, compiled for speed.

`newsdesk.results.ResultSchema` (marshmallow) stays the one contract. Walking it field by
field is a large share of a job's own cost; the same rules as JSON Schema (derived from it
by apispec, as for openapi.yaml) compiled into Python by fastjsonschema check a result in a
fraction of that time (docs/scaling.md has the figures).
tests/test_result_validation.py checks that both accept every real result and reject the
same broken ones. Where they differ, this check is the stricter one, on purpose:

- JSON types are taken literally: an integer field wants an int, not "3" or 1.5, and a
  number or string field does not take a string or number instead (marshmallow would
  convert them on loading, but the result is stored as it is, not as loaded).
- "format" hints (uuid, date-time) are documentation in ResultSchema, so they are dropped
  here too and checked by neither.

Two things apispec's output does not say are added: the allowed keys of a dict field
(entity types), and that numbers are finite (JSON has no NaN or infinity).
"""

from __future__ import annotations

import json
from typing import Any

import fastjsonschema
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields, validate

from newsdesk.results import ResultSchema


class InvalidResult(RuntimeError):
    """The pipeline produced something the result schema rejects: a bug, never stored."""


def _dict_keys(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a dict field's key choices as `propertyNames`."""
    keys = getattr(field, "key_field", None) if isinstance(field, fields.Dict) else None
    if keys is None:
        return {}
    choices = [v for v in keys.validators if isinstance(v, validate.OneOf)]
    return {"propertyNames": {"enum": list(choices[0].choices)}} if choices else {}


def _drop_formats(node: Any, names: bool = False) -> Any:
    """`node` without "format" keywords; `names` marks a mapping of field names (a field
    may well be called "format")."""
    if isinstance(node, dict):
        return {
            k: _drop_formats(v, names=k in ("properties", "definitions") and not names)
            for k, v in node.items()
            if names or k != "format"
        }
    if isinstance(node, list):
        return [_drop_formats(v) for v in node]
    return node


def json_schema() -> dict[str, Any]:
    """ResultSchema as one self-contained JSON Schema document."""
    plugin = MarshmallowPlugin()
    spec = APISpec("newsdesk-result", "1", "3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(_dict_keys)
    spec.components.schema("Result", schema=ResultSchema)
    schemas = spec.to_dict()["components"]["schemas"]
    text = json.dumps({"$ref": "#/definitions/Result", "definitions": schemas})
    return _drop_formats(json.loads(text.replace("#/components/schemas/", "#/definitions/")))


_CHECK = fastjsonschema.compile(json_schema())


def check_result(result: dict[str, Any]) -> bytes:
    """Raise InvalidResult, naming the first problem, unless `result` may be stored.

    Returns the result as JSON (UTF-8), exactly as the queue's JSON serializer writes it:
    making it is how the check finds a NaN or infinity, and the worker stores it as is.
    """
    try:
        _CHECK(result)
        return json.dumps(result, allow_nan=False).encode("utf-8")  # no NaN or infinity
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidResult(f"result failed validation: {exc.message}") from None
    except ValueError:  # the only one json.dumps raises here: JSON has no NaN or infinity
        raise InvalidResult("result failed validation: a number is NaN or infinite") from None
