"""What this app remembers of an agent's recent customers: those they opened (Home's recent
list) and those whose caller they verified (read by every channel and every app server).

Its own module (like customers/creating/claims.py) so that callers.py and lookup.py, which
read the other models, and models.py, which registers these, do not import each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CustomerVisit(models.Model):
    """A customer an agent created or opened here: their "recent customers" on Home, read
    from this table alone (no RevCent call, no list of RevCent's customers)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    customer_id = models.CharField(max_length=20)
    name = models.CharField(max_length=200, blank=True)
    visited_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "customer_id"], name="one_visit_per_customer")
        ]
        indexes = [models.Index(fields=["user", "-visited_at"], name="visits_by_user_time")]

    def __str__(self) -> str:
        return f"{self.name or self.customer_id} (opened {self.visited_at:%Y-%m-%d})"


class VerifiedCaller(models.Model):
    """A caller this agent verified for this customer (callers.py), whichever way the agent
    works (web page or assistant): one row per agent and customer, good for
    callers.VERIFIED_FOR_SECONDS. In the database, not the session, so the assistant channel
    and every app server read the same answer; signing out removes the agent's rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    customer_id = models.CharField(max_length=20)
    verified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "customer_id"], name="one_verified_caller")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} verified {self.verified_at:%Y-%m-%d %H:%M}"
