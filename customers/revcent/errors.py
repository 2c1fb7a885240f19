"""The client's one family of errors. `message` is always written for the agent to read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from customers.cardguard.guard import redact_card_numbers

if TYPE_CHECKING:  # annotations only: the model is never needed to raise an error
    from customers.models import AuditEntry


class RevCentError(Exception):
    """Base of every client error."""

    def __init__(self, message: str, *, audit_entry: AuditEntry | None = None) -> None:
        # RevCent's own text is quoted in some messages; never let it carry a card number.
        message = redact_card_numbers(message)
        super().__init__(message)
        self.message = message
        self.audit_entry = audit_entry

    @property
    def api_call_id(self) -> str:
        return self.audit_entry.api_call_id if self.audit_entry else ""


class RevCentApiError(RevCentError):
    """RevCent answered, and said no: `code` other than 1, whatever the HTTP status.

    `error_code` is RevCent's machine-readable reason (documented error body); it goes to
    the audit trail, never in front of the agent.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        code: int | None,
        error_code: str = "",
        revcent_message: str = "",
        audit_entry: AuditEntry | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, audit_entry=audit_entry)
        self.http_status = http_status
        self.code = code
        self.error_code = error_code
        # RevCent's own `message`, for placing it next to the field it is about.
        self.revcent_message = redact_card_numbers(revcent_message)
        self.retry_after = retry_after


class RevCentInvalidResponse(RevCentError):
    """Something answered, but not with RevCent's JSON (a proxy's error page, say)."""


class RevCentUnavailable(RevCentError):
    """No answer: connection refused, reset, or timed out."""


class RevCentOutcomeUnknown(RevCentUnavailable):
    """A change got no answer: it may or may not have happened. Look before retrying."""


class RevCentRefused(RevCentError):
    """The client refused to send the request (audit trail unwritable, or card data in it)."""
