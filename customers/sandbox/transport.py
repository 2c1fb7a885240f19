"""A RevCent v2 simulator, plugged into the RevCent client as an httpx transport.

It serves RevCent's documented shapes from customers/revcent/contract.py (the one place
that holds them): GetCustomer's fields at the top level with its `notes`, errors as
`{code: 0, error_code, message, result}`, CreateNote, and GetAPICalls from the log of every
call it served. It keeps its state in the database.

Fault injection (see docs/sandbox.md): a configurable latency, and trigger words that,
found in a search term or a new customer's e-mail, make a call misbehave the way a real
network does.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable

import httpx
from django.conf import settings
from django.db.models import Q

from customers.revcent import contract
from customers.sandbox.faults import ANSWER_LOST_AFTER_CREATE, trigger_for
from customers.sandbox.models import (
    SandboxApiCall,
    SandboxCustomer,
    SandboxGroup,
)
from customers.sandbox.records import (
    api_calls,
    create_note,
    customer_fields,
    customer_row,
    digits,
    find_campaign,
    new_id,
    now,
)
from customers.sandbox.seed import ensure_seeded
from customers.sandbox.validation import Json, Reject, listing, paging, validate_create

_BASE_PATH = httpx.URL(contract.SANDBOX_BASE_URL).path.rstrip("/")


# The `result` word RevCent puts beside an error (its schema's examples: Error, Not Found).
_RESULTS = {404: "Not Found"}


class SandboxTransport(httpx.BaseTransport):
    def __init__(
        self,
        latency_ms: int | None = None,
        *,
        nested_customer: bool = False,
        api_call_naming: str = "ours",
    ) -> None:
        self.latency_ms = latency_ms
        # Serve GetCustomer in this project's first guess (fields under "customer") instead
        # of the documented top level: shows that the client and revcent_check cope.
        self.nested_customer = nested_customer
        self.api_call_naming = api_call_naming  # a key of records.API_CALL_NAMINGS

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        latency = (
            settings.REVCENT_SANDBOX_LATENCY_MS if self.latency_ms is None else self.latency_ms
        )
        if latency:
            time.sleep(latency / 1000)
        ensure_seeded()
        path = request.url.path
        operation = ""
        try:
            if not path.startswith(_BASE_PATH + "/"):
                raise Reject(404, "Unknown API path.", "not_found")
            operation, handler, kwargs = self._route(request.method, path[len(_BASE_PATH) :])
            body = self._json_body(request) if request.method == "POST" else {}
            trigger = trigger_for(request, body)
            fault = self._fault_before(trigger, request, operation)
            if fault is not None:
                return fault
            payload = handler(request, body, **kwargs)
            response = self._ok(request, operation, payload)
            if trigger in ANSWER_LOST_AFTER_CREATE and request.method == "POST":
                # The customer now exists (and the call is in the API-call log), but the
                # caller never hears about it; "slow" first waits out the deadline.
                if trigger == "slow_after_create":
                    time.sleep(settings.REVCENT_TIMEOUT_SECONDS)
                raise httpx.ReadTimeout("Sandbox: answer lost after the create.", request=request)
            return response
        except Reject as exc:
            return self._error(request, operation, exc)

    # Routing ------------------------------------------------------------------------------
    def _route(self, method: str, path: str) -> tuple[str, Callable[..., Json], dict[str, str]]:
        handlers: dict[str, Callable[..., Json]] = {
            contract.SEARCH_CUSTOMERS.name: self._search,
            contract.CREATE_CUSTOMER.name: self._create,
            contract.GET_CUSTOMER_GROUPS.name: self._groups,
            contract.ADD_CUSTOMER_TO_GROUP.name: self._add_to_groups,
            contract.GET_CUSTOMER.name: self._get,
            contract.CREATE_NOTE.name: create_note,
            contract.GET_API_CALLS.name: functools.partial(api_calls, naming=self.api_call_naming),
        }
        # Fixed paths before templated ones: /customers/search is not a customer ID.
        operations = sorted(contract.OPERATIONS.values(), key=lambda op: "{" in op.path)
        for op in operations:
            pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", op.path) + "$"
            match = re.match(pattern, path)
            if match and method == op.method:
                return op.name, handlers[op.name], match.groupdict()
            if match:
                raise Reject(405, f"Method {method} is not allowed here.", "method_not_allowed")
        raise Reject(404, "Unknown API path.", "not_found")

    @staticmethod
    def _json_body(request: httpx.Request) -> Json:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            raise Reject(400, "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise Reject(400, "The request body must be a JSON object.")
        return body

    def _fault_before(
        self, trigger: str | None, request: httpx.Request, operation: str
    ) -> httpx.Response | None:
        if trigger == "timeout":
            raise httpx.ReadTimeout("Sandbox: simulated timeout.", request=request)
        if trigger == "network_error":
            raise httpx.ConnectError("Sandbox: simulated connection failure.", request=request)
        if trigger == "server_error":
            return self._error(
                request,
                operation,
                Reject(500, "Sandbox: simulated internal error.", "internal_error"),
            )
        if trigger == "html_error":
            return httpx.Response(
                502,
                headers={"content-type": "text/html"},
                content=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
        if trigger == "rate_limit":
            return self._error(
                request,
                operation,
                Reject(429, "Sandbox: too many requests.", "rate_limited"),
                headers={"Retry-After": "1"},
            )
        return None

    # Responses ----------------------------------------------------------------------------
    @staticmethod
    def _envelope(
        request: httpx.Request, operation: str, status: int, customer_id: str = ""
    ) -> Json:
        call_id, call_unix = new_id(), now()
        SandboxApiCall.objects.create(
            api_call_id=call_id,
            api_call_unix=call_unix,
            method=request.method,
            path=request.url.path[:200],
            status=status,
            operation=operation,
            code=1 if status == 200 else 0,
            customer_id=customer_id,
        )
        return {"api_call_id": call_id, "api_call_unix": call_unix}

    def _ok(self, request: httpx.Request, operation: str, payload: Json) -> httpx.Response:
        made = payload.get("customer_id", "") if operation == "CreateCustomer" else ""
        envelope = self._envelope(request, operation, 200, made)
        return httpx.Response(200, json={**envelope, "code": 1, **payload})

    def _error(
        self,
        request: httpx.Request,
        operation: str,
        reject: Reject,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        # RevCent's documented error body (CreateNote.json's `default` response).
        body = {
            **self._envelope(request, operation, reject.status),
            "code": 0,
            "error_code": reject.error_code,
            "message": reject.message,
            "result": _RESULTS.get(reject.status, "Error"),
        }
        return httpx.Response(reject.status, headers=headers, json=body)

    # Operations ---------------------------------------------------------------------------
    def _search(self, request: httpx.Request, body: Json) -> Json:
        term = request.url.params.get("search_term", "").strip()
        if not term:
            raise Reject(400, "search_term is required.")
        query = SandboxCustomer.objects.all()
        numbers = digits(term)
        if len(numbers) >= 7 and len(numbers) >= len(term.replace(" ", "")) * 0.6:
            # A phone number: compare digits, ignoring punctuation and a country prefix.
            query = query.filter(
                Q(phone_digits__endswith=numbers[-10:]) | Q(search_text__contains=term.lower())
            )
        else:
            # Like a full-text engine: words, not punctuation, so "alice@example.com" also
            # finds "alice+shop@example.com". The app's matching decides what is a duplicate.
            for token in re.findall(r"\w+", term.lower()):
                query = query.filter(search_text__contains=token)
        hits = [
            {"item_type": "customer", **customer_fields(customer)}
            for customer in query[: contract.SEARCH_MAX_HITS]
        ]
        return {"current_count": len(hits), "results": hits}

    def _create(self, request: httpx.Request, body: Json) -> Json:
        customer_data, bill_to, metadata = validate_create(body)
        campaign = find_campaign(body["campaign"])
        customer = SandboxCustomer(
            id=new_id(),
            created_unix=now(),
            campaign=campaign,
            internal_id=str(body.get("internal_customer_id") or ""),
            bill_to=bill_to,
            metadata=metadata,
            **customer_data,
        )
        customer.index()
        customer.save()
        return {"customer_id": customer.id, "result": "Customer created."}

    def _get(self, request: httpx.Request, body: Json, customer_id: str) -> Json:
        customer = customer_row(customer_id)
        if "sandbox-get-fails" in customer.email.lower():
            message = "Sandbox: simulated failure reading this customer."
            raise Reject(500, message, "internal_error")
        # As RevCent documents it: the customer's fields at the top level, beside the envelope.
        data = customer_fields(customer)
        data.update(
            enabled=customer.enabled,
            bill_to=customer.bill_to,
            metadata=customer.metadata,
            notes=[
                {"id": n.id, "text": n.text, "created_date_unix": n.created_unix}
                for n in customer.notes.all()
            ],
            customer_group=[{"id": g.id, "name": g.name} for g in customer.groups.all()],
            customer_card=[
                {
                    "id": card.id,
                    "type": card.brand,
                    "last_4": card.last_4,
                    "expiry_date": card.expiry_date,
                    "is_default": card.is_default,
                    "created_date_unix": card.created_unix,
                }
                for card in customer.cards.all()
            ],
        )
        return {"customer": data} if self.nested_customer else data

    def _groups(self, request: httpx.Request, body: Json) -> Json:
        page, limit = paging(request)
        groups = SandboxGroup.objects.all()[(page - 1) * limit : page * limit]
        results = [
            {
                "id": g.id,
                "name": g.name,
                "description": g.description,
                "enabled": g.enabled,
                "created_date_unix": g.created_unix,
            }
            for g in groups
        ]
        return listing(results, page)

    def _add_to_groups(self, request: httpx.Request, body: Json, customer_id: str) -> Json:
        customer = customer_row(customer_id)
        unknown = set(body) - {"customer_group"}
        if unknown:
            raise Reject(400, f"Unknown field: {sorted(unknown)[0]}.")
        ids = body.get("customer_group")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise Reject(400, "customer_group must be a non-empty array of group IDs.")
        groups = {g.id: g for g in SandboxGroup.objects.filter(id__in=ids)}
        for group_id in ids:
            if group_id not in groups:
                raise Reject(400, f"Customer group {group_id} does not exist.")
            if not groups[group_id].enabled:
                raise Reject(400, f"Customer group {groups[group_id].name} is disabled.")
        customer.groups.add(*groups.values())
        return {"result": f"Customer added to {len(groups)} group(s)."}
