"""The sandbox's checks of a request, as RevCent's schemas would make them."""

from __future__ import annotations

import re
from typing import Any, cast

import httpx
import pycountry

from customers.revcent import contract

# A JSON object as the wire carries it: a request body the sandbox has not yet validated,
# or an answer it is about to send.
Json = dict[str, Any]


class Reject(Exception):
    """Answer with RevCent's error body: HTTP status, error_code and message."""

    def __init__(self, status: int, message: str, error_code: str = "invalid_request") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


def paging(request: httpx.Request) -> tuple[int, int]:
    """A list operation's page and limit (both required; limit 1-25), as RevCent takes them."""
    try:
        page, limit = (int(request.url.params[key]) for key in ("page", "limit"))
    except (KeyError, ValueError):
        raise Reject(400, "page and limit are required whole numbers.") from None
    if not 1 <= limit <= contract.PAGE_LIMIT_MAX or page < 1:
        raise Reject(400, "limit must be 1 to 25 and page at least 1.")
    return page, limit


def listing(results: list[Json], page: int) -> Json:
    return {"current_count": len(results), "current_page": page, "results": results}


_CONTACT_KEYS = set(contract.CUSTOMER_KEYS)
_REQUIRED = ("first_name", "last_name", "email")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _validate_contact(data: Any, where: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise Reject(400, f"{where} must be an object.")
    unknown = set(data) - _CONTACT_KEYS
    if unknown:
        raise Reject(400, f"{where}.{sorted(unknown)[0]} is not an allowed field.")
    for key, value in data.items():
        if not isinstance(value, str):
            raise Reject(400, f"{where}.{key} must be a string.")
        if len(value) > 255:
            raise Reject(400, f"{where}.{key} is longer than 255 characters.")
    for key in _REQUIRED:
        if not str(data.get(key, "")).strip():
            raise Reject(400, f"{where}.{key} is required.")
    if not _EMAIL.match(data["email"]):
        raise Reject(400, f"{where}.email is not a valid e-mail address.")
    country = data.get("country", "")
    if country and (len(country) != 3 or pycountry.countries.get(alpha_3=country) is None):
        raise Reject(400, f"{where}.country must be an ISO 3166-1 alpha-3 code, like USA.")
    return {key: data.get(key, "") for key in contract.CUSTOMER_KEYS}


def validate_create(
    body: Json,
) -> tuple[dict[str, str], dict[str, str], list[contract.MetadataPair]]:
    if "payment" in body:
        # RevCent would accept raw card data here; Support Desk must never send it.
        raise Reject(400, "payment is refused by the sandbox: Support Desk never sends cards.")
    unknown = set(body) - contract.CREATE_KEYS
    if unknown:
        raise Reject(400, f"{sorted(unknown)[0]} is not an allowed field.")
    if not isinstance(body.get("campaign"), str) or not body["campaign"].strip():
        raise Reject(400, "campaign is required.")
    if "customer" not in body:
        raise Reject(400, "customer is required.")
    customer = _validate_contact(body["customer"], "customer")
    bill_to = _validate_contact(body["bill_to"], "bill_to") if "bill_to" in body else {}
    internal = body.get("internal_customer_id", "")
    if not isinstance(internal, str) or len(internal) > 255:
        raise Reject(400, "internal_customer_id must be a string of at most 255 characters.")
    metadata = body.get("metadata", [])
    if not isinstance(metadata, list):
        raise Reject(400, "metadata must be an array of {name, value} objects.")
    for item in metadata:
        if not isinstance(item, dict) or set(item) != {"name", "value"}:
            raise Reject(400, "Each metadata item must have exactly name and value.")
        name, value = item["name"], item["value"]
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise Reject(400, "metadata name must be 1 to 100 characters.")
        if not isinstance(value, str) or not 1 <= len(value) <= 255:
            raise Reject(400, "metadata value must be 1 to 255 characters.")
    return customer, bill_to, cast("list[contract.MetadataPair]", metadata)  # checked above
