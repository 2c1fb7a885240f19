"""Fault injection: trigger words that make a sandbox call misbehave the way a real network
does, like a payment provider's test cards (docs/sandbox.md)."""

from __future__ import annotations

from typing import Any

import httpx

# Trigger words, checked longest first. Documented in docs/sandbox.md.
TRIGGERS = {
    "sandbox-timeout-after-create": "timeout_after_create",
    "sandbox-slow-after-create": "slow_after_create",
    "sandbox-timeout": "timeout",
    "sandbox-network-error": "network_error",
    "sandbox-server-error": "server_error",
    "sandbox-html-error": "html_error",
    "sandbox-rate-limit": "rate_limit",
    "sandbox-get-fails": "get_fails",
}

# The customer is made, then the answer is lost; "slow" waits out RevCent's deadline first,
# time enough to kill the calling process mid-call (the crash-recovery test does).
ANSWER_LOST_AFTER_CREATE = frozenset({"timeout_after_create", "slow_after_create"})


def trigger_for(request: httpx.Request, body: dict[str, Any]) -> str | None:
    """The fault a search term or a new customer's e-mail asks for, if any."""
    customer = body["customer"] if isinstance(body.get("customer"), dict) else {}
    haystack = " ".join(
        [request.url.params.get("search_term", ""), str(customer.get("email", ""))]
    ).lower()
    for word, trigger in TRIGGERS.items():
        if word in haystack:
            return trigger
    return None
