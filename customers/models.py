from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

# Write-once rows: AuditEntry's queryset, and the error it raises (imported from here too).
from customers.appendonly import AuditEntryQuerySet
from customers.appendonly import AuditTrailIsAppendOnly as AuditTrailIsAppendOnly
from customers.assistant.models import AssistantToken as AssistantToken
from customers.assistant.models import Proposal as Proposal
from customers.channel import Channel as Channel
from customers.contact import Contact

# Models kept beside their code (the claims with their lock): imported here to register them.
from customers.creating.claims import IdentityClaim as IdentityClaim
from customers.existing.cardlink_model import CardLink as CardLink
from customers.existing.visits import CustomerVisit as CustomerVisit
from customers.existing.visits import VerifiedCaller as VerifiedCaller
from customers.team.sso.identity import SsoIdentity as SsoIdentity
from customers.team.timezones import TimeZonePreference as TimeZonePreference

if TYPE_CHECKING:  # annotations only: the revcent package imports this module
    from customers.revcent.contract import CreateCustomerBody


class Role(models.Model):
    """Anchor for the app-wide permissions that the team roles are made of.

    It stores no rows (unmanaged, no table): Django attaches permissions to a model, and
    these belong to no single one. `customers.team.roles` grants them to the groups.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("create_customer", "Can create customers in RevCent"),
            ("view_audit_trail", "Can read the audit trail"),
            ("export_audit_trail", "Can export the audit trail as CSV"),
        ]

    def __str__(self) -> str:
        return "Support Desk roles"


class AuditEntry(models.Model):
    """One row of the audit trail: a RevCent API call, or an agent action.

    Rows are written once. An API call's row is inserted before the request is sent (so a
    call that cannot be recorded is not made) with outcome "unknown", and completed exactly
    once with the result. A row left "unknown" means the process died mid-call.
    """

    class Kind(models.TextChoices):
        API_CALL = "api_call", "RevCent API call"
        AGENT_ACTION = "agent_action", "Agent action"

    class Operation(models.TextChoices):
        # RevCent's operations, each as the contract names them (customers/revcent/contract.py;
        # tests/revcent/test_operation_names.py ties the two lists) and labelled with that name.
        SEARCH_CUSTOMERS = "SearchCustomers", "SearchCustomers"
        CREATE_CUSTOMER = "CreateCustomer", "CreateCustomer"
        GET_CUSTOMER = "GetCustomer", "GetCustomer"
        GET_CUSTOMER_GROUPS = "GetCustomerGroups", "GetCustomerGroups"
        ADD_CUSTOMER_TO_GROUP = "AddCustomerToGroup", "AddCustomerToGroup"
        CREATE_NOTE = "CreateNote", "CreateNote"
        GET_API_CALLS = "GetAPICalls", "GetAPICalls"
        SIGN_IN = "SignIn", "Signed in"  # agent actions from here on
        SIGN_IN_FAILED = "SignInFailed", "Sign-in failed"
        MFA_ENROLLED = "MfaEnrolled", "Two-factor sign-in set up"
        MFA_FAILED = "MfaFailed", "Two-factor code refused"
        LOCKED_OUT = "LockedOut", "Locked out"
        DUPLICATE_OVERRIDE = "DuplicateOverride", "Duplicate override"
        DUPLICATE_GATE_STOPPED = "DuplicateGateStopped", "Stopped at the duplicate gate"
        DUPLICATE_MATCH_USED = "DuplicateMatchUsed", "Went to the existing customer"
        CARD_NUMBER_REFUSED = "CardNumberRefused", "Card number refused"
        CARD_LINK_CREATED = "CardLinkCreated", "Card link created"
        CARD_LINK_EXPIRED = "CardLinkExpired", "Card link expired"  # by an agent, early
        CARD_LINK_USED = "CardLinkUsed", "Card link used"
        CARD_LINK_LAPSED = "CardLinkLapsed", "Card link lapsed unused"
        CALLER_VERIFIED = "CallerVerified", "Caller verified"
        CALLER_VERIFICATION_FAILED = "CallerVerificationFailed", "Caller verification failed"
        ASSISTANT_TOKEN_CREATED = "AssistantTokenCreated", "Assistant token created"
        ASSISTANT_TOKEN_REVOKED = "AssistantTokenRevoked", "Assistant token revoked"
        ASSISTANT_TOKEN_REFUSED = "AssistantTokenRefused", "Assistant token refused"
        ASSISTANT_TOOL_CALL = "AssistantToolCall", "Assistant tool call"
        OVERVIEW_DIGEST_SENT = "OverviewDigestSent", "Overview digest sent"
        SIGN_IN_REFUSED = "SignInRefused", "Sign-in refused"
        ROLE_CHANGED = "RoleChanged", "Role changed by the identity provider"

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        API_ERROR = "api_error", "API error"
        INVALID_RESPONSE = "invalid_response", "Invalid response"
        TIMEOUT = "timeout", "Timeout"
        NETWORK_ERROR = "network_error", "Network error"
        REFUSED = "refused", "Refused before sending"
        DENIED = "denied", "Denied"  # an agent action turned down (audit/writer.py DENIALS)
        UNKNOWN = "unknown", "Unknown"

    # The database's clock, not the app server's: the row's signature (open_mac) covers it.
    created_at = models.DateTimeField(db_default=Now(), db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.API_CALL)
    # The RevCent operation name, e.g. "CreateCustomer", or the agent action.
    operation = models.CharField(max_length=40, choices=Operation)  # indexed with the time
    http_method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=200, blank=True)
    search_term = models.CharField(max_length=255, blank=True)
    target_customer_id = models.CharField(max_length=20, blank=True, db_index=True)
    sandbox = models.BooleanField(default=False)

    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.UNKNOWN)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    revcent_code = models.IntegerField(null=True, blank=True)
    # RevCent's machine-readable reason for an error (its documented error body).
    error_code = models.CharField(max_length=60, blank=True)
    api_call_id = models.CharField(max_length=40, blank=True, db_index=True)
    api_call_unix = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    customer_id = models.CharField(max_length=20, blank=True, db_index=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    # No database constraint and no cascade: deleting a user must never touch the trail,
    # and the username is kept as it was at the time.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The way in (web, assistant, command) and the assistant token's prefix; blank on rows
    # from before channels were recorded. Signed with the row (chain.HASHED_IF_SET).
    channel = models.CharField(
        max_length=10, choices=Channel, blank=True, default="", db_default="", db_index=True
    )
    token_prefix = models.CharField(max_length=16, blank=True, default="", db_default="")

    # Tamper evidence: each completed row's hash covers its content and the previous row's
    # hash, in the order rows were completed (chain_seq). See customers/audit/chain.py.
    chain_seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)
    # Which AUDIT_CHAIN_KEY signed row_hash ("" for rows chained with plain SHA-256 before
    # keys existed), so keys can be rotated and old rows still verify.
    chain_key_id = models.CharField(max_length=16, blank=True)
    # Signed when the row is opened (before its call is made), under that chain key: an open
    # row without a valid one was written behind the app, so it is never closed into the
    # chain as abandoned. Blank on rows opened before migration 0017.
    open_mac = models.CharField(max_length=64, blank=True)
    open_key_id = models.CharField(max_length=16, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-created_at"], name="audit_outcome_time"),
            # An operation's rows in a time range (the overview's counts, the list filtered by
            # operation newest first): exact whatever the planner's statistics say of the
            # newest rows, which a plain operation index left it to guess (20 ms, not 0.1).
            models.Index(fields=["operation", "-created_at"], name="audit_operation_time"),
            # Errors are few: a partial index keeps the admin's error-code filter cheap.
            models.Index(
                fields=["error_code"],
                name="audit_error_code",
                condition=~models.Q(error_code=""),
            ),
        ]

    def __str__(self) -> str:
        call = f" ({self.api_call_id})" if self.api_call_id else ""
        return f"{self.get_operation_display()}: {self.get_outcome_display()}{call}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit entries cannot be changed.")
        if self.operation not in self.Operation.values:
            raise ValueError(f"Unknown audit operation {self.operation!r}.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit entries cannot be deleted.")


class AuditChainHead(models.Model):
    """The end of the audit hash chain: one row, locked while a link is added, so that
    concurrent writers append one after another and never fork the chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"Audit chain at {self.seq}"


class Campaign(models.Model):
    """A RevCent campaign agents may create customers in. RevCent has no list API for
    campaigns, so admins keep this list in Django admin."""

    name = models.CharField(max_length=100, unique=True)
    revcent_id = models.CharField(
        "RevCent campaign ID",
        max_length=100,
        unique=True,
        help_text="The campaign's 20-character ID in RevCent (its exact name also works).",
    )
    active = models.BooleanField(default=True, help_text="Only active campaigns are offered.")
    is_default = models.BooleanField("default", default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_campaign",
                violation_error_message="Only one campaign can be the default.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CreateAttempt(models.Model):
    """One agent's attempt to create one customer, keyed by the form's submission key.

    The unique key is the double-submit guard: whichever request inserts it first is the
    only one that may call CreateCustomer; every other request with that key shows this
    attempt's outcome instead.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Creating"
        CREATED = "created", "Created, not yet verified"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"

    class SettledBy(models.TextChoices):
        """What evidence settled a create that got no answer."""

        API_CALL_LOG = "api_call_log", "RevCent's API-call log"
        EMAIL_SEARCH = "email_search", "a search for the e-mail"

    submission_key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT)
    # The CreateCustomer body (typed on trust; never a card number: the forms refuse those),
    # for the customer page's comparison, the local duplicate matches and reconciliation.
    payload: models.JSONField[CreateCustomerBody, CreateCustomerBody] = models.JSONField()
    # The identifiers the duplicate check looks up, normalized and indexed (creating/attempts.py).
    email = models.CharField(max_length=254, db_index=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    internal_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_name = models.CharField(max_length=100, blank=True, db_index=True)
    customer_id = models.CharField(max_length=20, blank=True, db_index=True)
    create_api_call_id = models.CharField(max_length=40, blank=True)
    verify_api_call_id = models.CharField(max_length=40, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # Why the agent created despite strong matches, if they did (also in the RevCent note).
    override_reason = models.CharField(max_length=500, blank=True)
    # How the agent worked: on the web page, or through an assistant with a token (its prefix).
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.WEB)
    token_prefix = models.CharField(max_length=16, blank=True)
    # The RevCent note that names who created the customer here; blank while it is missing.
    note_id = models.CharField(max_length=20, blank=True)
    settled_by = models.CharField(max_length=20, choices=SettledBy, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_state_display()})"

    @property
    def entered_customer(self) -> Contact:
        return Contact.parse(self.payload.get("customer"))

    @property
    def entered_bill_to(self) -> Contact | None:
        """The bill-to the agent entered; None if none was sent (RevCent bills the customer's)."""
        bill_to = self.payload.get("bill_to")
        return Contact.parse(bill_to) if isinstance(bill_to, dict) and bill_to else None

    @property
    def entered_metadata(self) -> list[tuple[str, str]]:
        """The metadata pairs sent, our own `source` pair included."""
        items = self.payload.get("metadata") or []
        return [
            (str(item.get("name", "")), str(item.get("value", "")))
            for item in items
            if isinstance(item, dict)
        ]
