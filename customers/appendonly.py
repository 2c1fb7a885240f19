"""What makes audit rows write-once in the ORM (PostgreSQL's triggers do it in the database:
migrations 0013 and 0017). AuditEntry (customers/models.py) is built on these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.db import models

if TYPE_CHECKING:  # for its type only: customers/models.py imports this module
    # (ruff does not count the quoted name in the base class below as a use)
    from customers.models import AuditEntry  # noqa: F401


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")

    def _write_once(self, **fields: Any) -> int:
        # The only writes after insert, each made once to a row (callers filter on the blank
        # they fill in; PostgreSQL's trigger enforces the same): signing a row just opened,
        # in the transaction that inserted it (customers/audit/fastwrite.py), and filling in
        # the result of a call that was recorded before it was made.
        return super().update(**fields)
