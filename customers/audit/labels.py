"""What an auditor reads on an audit entry's page: a human label and a line of help for
every field, instead of the column names ("Api call unix").

Django admin takes the labels and help texts of read-only fields from the form's Meta, so
the model (and the chain's hashed columns) stays as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

from customers.models import AuditEntry

# How the trail shows a moment (Django's date format): to the second, since dozens of rows
# can share a minute. The list, the entry page and a customer's timeline all use it.
TO_THE_SECOND = "j M Y, H:i:s"
# Folded views on a customer's timeline say when to the minute (customers/audit/timeline.py).
TO_THE_MINUTE = "j M Y, H:i"

if TYPE_CHECKING:  # ModelForm is generic in the stubs only, not at run time
    _AuditEntryModelForm = forms.ModelForm[AuditEntry]
else:
    _AuditEntryModelForm = forms.ModelForm

LABELS: dict[str, str] = {
    "started": "Started",
    "completed": "Completed",
    "kind": "Kind",
    "operation": "Operation or action",
    "http_method": "HTTP method",
    "path": "RevCent path",
    "search_term": "Searched for / e-mail sent",
    "target_customer_id": "Customer asked about",
    "sandbox": "Sandbox",
    "outcome": "Outcome",
    "http_status": "HTTP status",
    "revcent_code": "RevCent code",
    "error_code": "RevCent error code",
    "api_call_id": "API call ID",
    "api_call_id_copy": "API call ID",
    "revcent_time": "RevCent's time",
    "message": "Message",
    "customer_id": "Customer",
    "duration_ms": "Duration (ms)",
    "user_account": "User",
    "username": "Username",
    "request_id": "Request ID",
    "channel": "Way in",
    "token_prefix": "Assistant token",
    "chain_seq": "Chain position",
    "prev_hash": "Previous link",
    "row_hash": "Chain link",
    "chain_key_id": "Signing key",
    "open_mac": "Opening signature",
    "open_key_id": "Opening key",
}

HELP: dict[str, str] = {
    "started": "When the call was about to be sent (its row is written first), or when "
    "the action happened.",
    "completed": "When the outcome was recorded. Empty: the app stopped mid-call.",
    "kind": "A call to RevCent's API, or something a person did in Support Desk.",
    "operation": "The RevCent operation called, or the action taken.",
    "http_method": "How the call was made (GET reads, POST changes).",
    "path": "The RevCent API address called.",
    "search_term": "What a search asked RevCent for, or the e-mail a create sent.",
    "target_customer_id": "The RevCent customer ID the call was about, as sent.",
    "sandbox": "Made against the built-in sandbox, not the real RevCent.",
    "outcome": "How the call ended. Unknown: no answer was recorded.",
    "http_status": "RevCent's HTTP answer, e.g. 200 or 400. Empty: no answer.",
    "revcent_code": "The code in RevCent's reply: 1 for success, 0 for an error.",
    "error_code": "RevCent's machine-readable reason for an error.",
    "api_call_id": "RevCent's ID for this call, as in RevCent's own API-call log.",
    "api_call_id_copy": "RevCent's ID for this call, as in RevCent's own API-call log.",
    "revcent_time": "When RevCent says it handled the call (RevCent's clock, shown in this "
    "app's time zone), with RevCent's Unix time.",
    "message": "RevCent's message, or what the person did and why.",
    "customer_id": "The RevCent customer the call or action concerns (the new one, for a create).",
    "duration_ms": "How long the agent waited for RevCent, in milliseconds.",
    "user_account": "The account that acted; the link lists every entry by it.",
    "username": "The username at the time (kept if the account is renamed or removed).",
    "request_id": "Ties together the rows of one page request and the server's log lines.",
    "channel": "How the person worked: the web page, an AI assistant (the assistant channel) "
    "or a command. Empty: recorded before ways in were.",
    "token_prefix": "For the assistant channel: the public prefix of the person's token.",
    "chain_seq": "This row's place in the tamper-evident chain (the order of completion).",
    "prev_hash": "The chain link of the row completed before this one.",
    "row_hash": "Proof of this row's content; manage.py verify_audit_log checks it.",
    "chain_key_id": (
        "Which AUDIT_CHAIN_KEY signed the chain link (empty: plain SHA-256, before keys existed)."
    ),
    "open_mac": "Proof the app itself wrote this row when it started (empty: opened before "
    "these signatures existed); manage.py verify_audit_log checks it.",
    "open_key_id": "Which AUDIT_CHAIN_KEY signed the row when it was opened.",
}

# The entry page's fields, in reading order. Some are shown through the admin's display
# methods: times to the second, RevCent's Unix time as a date, the user as a link auditors
# may follow, the API call ID with a button that copies it.
SHOWN_INSTEAD = {
    "api_call_id": "api_call_id_copy",
    "created_at": "started",
    "completed_at": "completed",
    "api_call_unix": "revcent_time",
    "user": "user_account",
}


def entry_page_fields() -> tuple[str, ...]:
    names = [field.name for field in AuditEntry._meta.fields if not field.primary_key]
    return tuple(SHOWN_INSTEAD.get(name, name) for name in names)


class AuditEntryForm(_AuditEntryModelForm):
    class Meta:
        model = AuditEntry
        fields: list[str] = []
        labels = LABELS
        help_texts = HELP
