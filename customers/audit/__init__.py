"""The audit trail: writing it (writer) and proving it untouched (chain).

Callers import from here (`from customers import audit`), so the split stays an inner detail.
"""

from __future__ import annotations

from customers.anchor import Anchor
from customers.audit.chain import HASHED_FIELDS, HASHED_IF_SET, row_digest
from customers.audit.timeline import TimelineLine, customer_timeline_lines, timeline_fold
from customers.audit.verify import ChainProblem, Verification, verify_trail
from customers.audit.writer import (
    Actor,
    AuditWriteRefused,
    OpenCall,
    agent_action,
    api_call_completed,
    api_call_started,
    api_calls_completed,
    api_calls_started,
    call_result,
    close_abandoned,
    customer_timeline,
)

__all__ = [
    "HASHED_FIELDS",
    "HASHED_IF_SET",
    "Actor",
    "Anchor",
    "TimelineLine",
    "AuditWriteRefused",
    "OpenCall",
    "ChainProblem",
    "agent_action",
    "api_call_completed",
    "api_call_started",
    "api_calls_completed",
    "api_calls_started",
    "call_result",
    "close_abandoned",
    "customer_timeline",
    "Verification",
    "customer_timeline_lines",
    "row_digest",
    "timeline_fold",
    "verify_trail",
]
