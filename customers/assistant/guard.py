"""The web's guards on every argument of an assistant call, before the SDK reads any of it.

Why here and not in the SDK: its argument validation quotes the rejected value back (a card
number included) and logs tool errors, and it ignores argument names it does not know. So
the endpoint reads the JSON-RPC body first and refuses, naming argument paths only:
- a card number in any string, keys included, anywhere in `arguments` or in the answers a
  person typed (`inputResponses`), in every shape the web refuses (JSON escapes are decoded
  by the JSON parser before the scan);
- arguments that do not fit the tool's input schema (unknown names, wrong types, too long),
  said without their values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema

from customers.cardguard.guard import contains_card_number

# Scanned parts of a tools/call's params.
_SCANNED = ("arguments", "inputResponses")


@dataclass(frozen=True)
class Call:
    """What the endpoint needs to know of a JSON-RPC message before the SDK handles it."""

    message: dict[str, Any]
    method: str
    tool: str  # for tools/call, else ""
    arguments: dict[str, Any]

    @property
    def id(self) -> object:
        return self.message.get("id")

    @property
    def argument_names(self) -> list[str]:
        return sorted(self.arguments)


def read_call(body: bytes) -> Call | None:
    """The JSON-RPC request, or None if it is not one (the SDK answers the parse error)."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    params = message.get("params")
    params = params if isinstance(params, dict) else {}
    method = message.get("method")
    method = method if isinstance(method, str) else ""
    tool = params.get("name") if method == "tools/call" else ""
    arguments = params.get("arguments")
    arguments = arguments if isinstance(arguments, dict) else {}
    return Call(message, method, tool if isinstance(tool, str) else "", arguments)


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)  # a key is typed text too
            yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def card_number_paths(call: Call) -> list[str]:
    """Where a card number sits, as argument paths ("customer.address_line_1"), never what.
    Other methods' params are scanned whole; a card number has no business in any of them."""
    params = call.message.get("params")
    if call.method != "tools/call":
        found = {
            path or "params" for path, text in _strings(params, "") if contains_card_number(text)
        }
        return sorted(found)
    assert isinstance(params, dict)
    found = set()
    for part in _SCANNED:
        for path, text in _strings(params.get(part), ""):
            if contains_card_number(text):
                # An answer the person typed is named as such, not by the SDK's internal key.
                found.add(path if part == "arguments" else "your answer")
    return sorted(found)


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The tool's input schema with unknown names refused at every level."""
    copy: dict[str, Any] = json.loads(json.dumps(schema))

    def close(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for child in node.values():
                close(child)
        elif isinstance(node, list):
            for child in node:
                close(child)

    close(copy)
    return copy


class ArgumentChecker:
    """Each tool's input schema, strict, checked with messages that never quote a value."""

    def __init__(self, schemas: dict[str, dict[str, Any]]) -> None:
        self._validators = {
            name: jsonschema.Draft202012Validator(_strict(schema))
            for name, schema in schemas.items()
        }

    def problems(self, call: Call) -> list[str]:
        validator = self._validators.get(call.tool)
        if validator is None:
            return []  # an unknown tool: the SDK says so
        said = []
        for error in sorted(validator.iter_errors(call.arguments), key=lambda e: list(e.path))[:10]:
            where = ".".join(str(part) for part in error.absolute_path) or "arguments"
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
                extra = sorted(set(error.instance) - set(known))
                names = "name" if len(extra) == 1 else "names"
                said.append(f"{where}: unknown {names} {', '.join(extra)}")
            elif error.validator == "required" and isinstance(error.instance, dict):
                missing = [n for n in error.validator_value if n not in error.instance]
                said.append(f"{where}: missing {', '.join(missing)}")
            else:
                said.append(f"{where}: {_EXPLAIN.get(str(error.validator), 'not allowed')}")
        return said


_EXPLAIN = {
    "type": "wrong type",
    "maxLength": "too long",
    "minLength": "too short or empty",
    "maxItems": "too many items",
    "pattern": "not in the expected form",
    "enum": "not one of the allowed values",
    "const": "not the allowed value",
}
