"""The RevCent boundary: the only package in Support Desk that speaks HTTP to RevCent.

- contract.py: paths, shapes and ID rules, each CONFIRMED or ASSUMED (the one place);
  conformance.py: how a response differs from it (a broken contract, or an assumption).
- errors.py, types.py: what callers catch and what they get back.
- exchange.py: one audited HTTP exchange, and the pure classification of its answer.
- client.py: the operations; factory.py: the configured client (RevCent or the sandbox).

Callers import from here.
"""

from __future__ import annotations

from customers.contact import Contact
from customers.revcent.client import RevCentClient
from customers.revcent.conformance import (
    Difference,
    contract_differences,
    contract_mismatches,
    error_mismatches,
)
from customers.revcent.contract import (
    CREATE_KEYS,
    CUSTOMER_KEYS,
    PAGE_LIMIT_MAX,
    REVCENT_ID,
    SANDBOX_BASE_URL,
    SEARCH_MAX_HITS,
)
from customers.revcent.errors import (
    RevCentApiError,
    RevCentError,
    RevCentInvalidResponse,
    RevCentOutcomeUnknown,
    RevCentRefused,
    RevCentUnavailable,
)
from customers.revcent.factory import get_client, register_sandbox_transport
from customers.revcent.types import (
    ApiCallRecord,
    CardSummary,
    Created,
    CustomerDetail,
    CustomerGroup,
    Note,
    SearchHit,
    SearchResult,
)

__all__ = [
    "CREATE_KEYS",
    "CUSTOMER_KEYS",
    "PAGE_LIMIT_MAX",
    "REVCENT_ID",
    "SANDBOX_BASE_URL",
    "SEARCH_MAX_HITS",
    "ApiCallRecord",
    "CardSummary",
    "Contact",
    "Created",
    "CustomerDetail",
    "CustomerGroup",
    "Difference",
    "Note",
    "RevCentApiError",
    "RevCentClient",
    "RevCentError",
    "RevCentInvalidResponse",
    "RevCentOutcomeUnknown",
    "RevCentRefused",
    "RevCentUnavailable",
    "SearchHit",
    "SearchResult",
    "contract_differences",
    "contract_mismatches",
    "error_mismatches",
    "get_client",
    "register_sandbox_transport",
]
