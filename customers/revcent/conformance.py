"""How a RevCent response differs from the contract (contract.py), each difference marked
as a CONFIRMED shape broken or an ASSUMED one answered otherwise.

A broken CONFIRMED shape means Support Desk and RevCent disagree on something documented:
`revcent_check` fails on it. An ASSUMED shape answered otherwise is an open question
settled: it is reported, once per key with how many items used which name, and fails the
check only with `--strict`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from customers.revcent import contract


@dataclass(frozen=True)
class Difference:
    text: str
    confirmed: bool  # True: a CONFIRMED shape is broken; False: an assumption differs
    item: bool = False  # about the items of the operation's list, counted over all of them

    def describe(self, operation: str) -> str:
        """One line for a person, e.g. "GetAPICalls item: assumption differs: expected …"."""
        where = f"{operation} item" if self.item else operation
        kind = "" if self.confirmed else "assumption differs: "
        return f"{where}: {kind}{self.text}"


def contract_differences(operation: str, body: dict[str, Any]) -> list[Difference]:
    """How a successful response differs from the contract: the envelope (CONFIRMED for every
    operation), then the operation's own keys and items, as confirmed as its shape is."""
    spec = contract.OPERATIONS[operation]
    if spec is contract.GET_CUSTOMER:
        customer, _ = contract.customer_body(body)
        envelope = {key: body[key] for key in contract.ENVELOPE_KEYS if key in body}
        body = {**envelope, **customer}
    shape = spec.shape_evidence.confirmed
    found = [
        Difference(f"missing key {key!r}", shape or key in contract.ENVELOPE_KEYS)
        for key in spec.keys
        if key not in body
    ]
    found += [Difference(text, True) for text in _envelope_problems(body, success=True)]
    new_id = body.get(spec.id_key) if spec.id_key else None
    if new_id is not None and not contract.REVCENT_ID.match(str(new_id)):
        found.append(Difference(f"{spec.id_key} is not 20 letters and digits: {new_id!r}", True))
    if spec.list_key and spec.list_key in body:
        found += _item_differences(spec, body[spec.list_key])
    return found


def contract_mismatches(operation: str, body: dict[str, Any]) -> list[str]:
    """contract_differences as text, confirmed or not."""
    return [difference.text for difference in contract_differences(operation, body)]


def error_mismatches(body: dict[str, Any]) -> list[str]:
    """How an error response differs from RevCent's documented (CONFIRMED) error body."""
    problems = [f"missing key {key!r}" for key in contract.ERROR_KEYS if key not in body]
    return problems + _envelope_problems(body, success=False)


def _item_differences(spec: contract.OperationSpec, items: Any) -> list[Difference]:
    """Each item key once, with how many items named it otherwise (or not at all)."""
    shape = spec.shape_evidence.confirmed
    if not isinstance(items, list):
        return [Difference(f"{spec.list_key!r} is not a list", shape)]
    objects = [item for item in items if isinstance(item, dict)]
    found = []
    if len(objects) < len(items):
        text = f"{len(items) - len(objects)} of {len(items)} items are not objects"
        found.append(Difference(text, shape, item=True))
    for key in spec.item_keys:
        names = next((n for n in spec.item_alternatives if n[0] == key), (key,))
        used = Counter(contract.first_key(item, names) for item in objects)
        for name, count in sorted(used.items(), key=lambda pair: pair[0] or "~"):
            if name == key:
                continue
            had = f"found {name!r}" if name else "found " + _none_of(names)
            text = f"expected {key!r}, {had} in {count} of {len(objects)} items"
            if shape:  # a CONFIRMED item key has no alternatives: it is missing
                text = f"missing key {key!r} in {count} of {len(objects)} items"
            found.append(Difference(text, shape, item=True))
    return found


def _none_of(names: tuple[str, ...]) -> str:
    if len(names) == 1:
        return "none"
    return "none of " + ", ".join(repr(name) for name in names)


def _envelope_problems(body: dict[str, Any], *, success: bool) -> list[str]:
    problems = []
    if "api_call_id" in body and not contract.REVCENT_ID.match(str(body["api_call_id"])):
        problems.append(f"api_call_id is not 20 letters and digits: {body['api_call_id']!r}")
    if "api_call_unix" in body and not isinstance(body["api_call_unix"], int):
        problems.append("api_call_unix is not an integer")
    expected = 1 if success else 0
    if body.get("code") != expected:
        problems.append(f"code is {body.get('code')!r}, expected {expected}")
    return problems
