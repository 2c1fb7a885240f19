"""What reconciliation reads from RevCent's API-call log (GetAPICalls), whose item shape is
ASSUMED (contract.API_CALL_ITEM_KEYS lists the names accepted): the one rule, used by
reconcile.py and reported by `manage.py revcent_check --create`."""

from __future__ import annotations

from collections.abc import Sequence

from customers.revcent import REVCENT_ID, ApiCallRecord


def log_customers_made(records: Sequence[ApiCallRecord]) -> list[str]:
    """The customers that the log's successful creates made, each once, in log order."""
    made = [
        r.customer_id
        for r in records
        if r.is_create_customer() and r.code == 1 and REVCENT_ID.match(r.customer_id)
    ]
    return list(dict.fromkeys(made))


def log_gaps(records: Sequence[ApiCallRecord]) -> list[str]:
    """Why these entries cannot show that a create never arrived (empty: they can).

    An entry that names neither its operation nor its method and path could be a create;
    a create (or one of unknown outcome) without its customer may have made any customer.
    """
    unreadable = [r for r in records if not r.operation and not (r.method and r.path)]
    unnamed = [
        r
        for r in records
        if r.is_create_customer() and r.code in (1, None) and not REVCENT_ID.match(r.customer_id)
    ]
    gaps = []
    if unreadable:
        gaps.append("its API-call log's entries do not say which operation they were")
    if unnamed:
        gaps.append(f"its API-call log shows {len(unnamed)} creates without the customer they made")
    return gaps
