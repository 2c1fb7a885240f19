"""The assistant channel's tables: people's tokens, and the customers their assistants
proposed. Kept apart from the code that uses them (tokens.py, proposals.py) so that
customers/models.py can register them without importing that code."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from customers.team.roles import CREATE, SEE_CUSTOMERS

if TYPE_CHECKING:  # annotations only: the revcent package imports customers/models.py
    from customers.revcent.contract import CreateCustomerBody


class Scope(models.TextChoices):
    READ = "customers:read", "Find and read customers (customers:read)"
    CREATE = "customers:create", "Propose and create customers (customers:create)"
    GROUPS = "groups:write", "Add customers to groups (groups:write)"
    CARD_LINKS = "cardlinks:send", "Send card links (cardlinks:send)"


# The permission a role needs for a scope to mean anything: auditors may read, agents all.
SCOPE_NEEDS: dict[str, tuple[str, ...]] = {
    Scope.READ: SEE_CUSTOMERS,
    Scope.CREATE: (CREATE,),
    Scope.GROUPS: (CREATE,),
    Scope.CARD_LINKS: (CREATE,),
}


class AssistantToken(models.Model):
    """One person's key for the assistant channel (customers/assistant/tokens.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assistant_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    def status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= (now or timezone.now()) else "active"


class Proposal(models.Model):
    """A customer an assistant proposed (customers/assistant/proposals.py)."""

    id = models.CharField(primary_key=True, max_length=24)
    token = models.ForeignKey(AssistantToken, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The New customer form's fields as it reads them, so the web can open it pre-filled.
    form_data = models.JSONField()
    # The CreateCustomer body the form made of them; typed as written (proposals.py), as
    # CreateAttempt.payload is.
    payload: models.JSONField[CreateCustomerBody, CreateCustomerBody] = models.JSONField()
    strong = models.BooleanField(default=False)  # a strong duplicate: a reason is needed
    question = models.CharField(max_length=1000)  # what the person is asked to confirm
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.id
