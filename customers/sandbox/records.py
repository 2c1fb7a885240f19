"""The sandbox's records as RevCent's answers show them: IDs, a customer's fields, notes and
the API-call log (transport.py routes the calls here and to its own handlers)."""

from __future__ import annotations

import re
import secrets
import string
import time

import httpx
from django.db.models import Q

from customers.revcent import contract
from customers.sandbox.models import SandboxApiCall, SandboxCampaign, SandboxCustomer, SandboxNote
from customers.sandbox.validation import Json, Reject, listing, paging

_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(20))


def now() -> int:
    return int(time.time())


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def customer_row(customer_id: str) -> SandboxCustomer:
    if not contract.REVCENT_ID.match(customer_id):
        raise Reject(400, "customer_id must be 20 characters.")
    try:
        return SandboxCustomer.objects.get(pk=customer_id)
    except SandboxCustomer.DoesNotExist:
        raise Reject(404, "Customer not found.", "not_found") from None


def create_note(request: httpx.Request, body: Json) -> Json:
    if set(body) != {"item_type", "item_id", "text"}:
        raise Reject(400, "A note takes exactly item_type, item_id and text.")
    if body["item_type"] != "customer":
        raise Reject(400, "The sandbox keeps notes on customers only.")
    text = body["text"]
    if not isinstance(text, str) or not 1 <= len(text) <= contract.NOTE_TEXT_MAX:
        raise Reject(400, f"text must be 1 to {contract.NOTE_TEXT_MAX} characters.")
    customer = customer_row(str(body["item_id"]))
    note = SandboxNote.objects.create(id=new_id(), customer=customer, text=text, created_unix=now())
    return {"note_id": note.id, "result": "Note created."}


# GetAPICalls items under other, equally plausible names (its item shape is ASSUMED:
# contract.API_CALL_ITEM_KEYS), served with `sandbox_serve --api-call-naming other`; a key
# mapped to "" is left out. Shows that reconciliation and revcent_check cope.
API_CALL_NAMINGS: dict[str, dict[str, str]] = {
    "ours": {},
    "other": {
        "api_call_id": "id",
        "api_call_unix": "created_date_unix",
        "operation": "",
        "method": "request_method",
        "path": "request_endpoint",
        "customer_id": "item_id",
    },
}


def api_calls(request: httpx.Request, body: Json, *, naming: str = "ours") -> Json:
    page, limit = paging(request)
    try:
        start, end = (int(request.url.params[key]) for key in ("date_start", "date_end"))
    except (KeyError, ValueError):
        raise Reject(400, "date_start and date_end are required unix times.") from None
    if not 0 <= end - start <= contract.API_CALLS_MAX_WINDOW_SECONDS:
        raise Reject(400, "date_end must follow date_start by at most 2 days.")
    calls = SandboxApiCall.objects.filter(
        api_call_unix__gte=start, api_call_unix__lte=end
    ).order_by("-api_call_unix", "api_call_id")[(page - 1) * limit : page * limit]
    results = [
        {
            "api_call_id": call.api_call_id,
            "api_call_unix": call.api_call_unix,
            "operation": call.operation,
            "method": call.method,
            "path": call.path,
            "code": call.code,
            "customer_id": call.customer_id,
        }
        for call in calls
    ]
    renamed = API_CALL_NAMINGS[naming]
    results = [
        {renamed.get(key, key): value for key, value in item.items() if renamed.get(key) != ""}
        for item in results
    ]
    return listing(results, page)


def find_campaign(reference: str) -> SandboxCampaign:
    campaign = SandboxCampaign.objects.filter(Q(pk=reference) | Q(name=reference)).first()
    if campaign is None:
        raise Reject(400, f"Campaign {reference!r} does not exist.")
    return campaign


def customer_fields(customer: SandboxCustomer) -> Json:
    return {
        "id": customer.id,
        "created_date_unix": customer.created_unix,
        "internal_id": customer.internal_id,
        **{key: getattr(customer, key) for key in contract.CUSTOMER_KEYS},
    }
