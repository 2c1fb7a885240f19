"""The card link table. Its own module (like claims.py and visits.py) so that cardlinks.py,
which reads the other models, and models.py, which registers this one, do not import each
other."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

# Named apart from CardLink.Channel (copied or e-mailed), which its class body would find.
from customers.channel import Channel as WayIn


class CardLink(models.Model):
    """A link that sends a customer to the secure hosted card form (never to this app).

    The token in the link is a signed reference to this row; it expires at `expires_at`, or
    earlier when an agent expires it.
    """

    class Channel(models.TextChoices):
        COPY = "copy", "Created to copy"
        EMAIL = "email", "E-mailed to the customer"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        EXPIRED_EARLY = "expired_early", "Expired early"
        CARD_RECEIVED = "card_received", "Card received"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.CharField(max_length=20, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel)
    expired_at = models.DateTimeField(null=True, blank=True)
    expired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # When RevCent first showed a card added after the link was made (GetCustomer's cards):
    # the link has done its job and no longer opens the form.
    card_received_at = models.DateTimeField(null=True, blank=True)
    # The way in the link was made through: the trail rows of what became of it (card
    # received, lapsed) carry it, so the overview's "way in" counts links sent, used and
    # lapsed alike. Links made before it was kept took theirs from the trail (migration).
    way_in = models.CharField(max_length=10, choices=WayIn, default=WayIn.WEB)
    # When the trail recorded that the link lapsed unused (its one CardLinkLapsed row). Its
    # own field, not expired_at: that says an agent expired the link early (its status).
    lapse_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The links not ended yet, for card_links_lapse (run whenever the team overview is
            # read): a few rows of a table that only grows. Its look-up with 100,000 ended
            # links on PostgreSQL: 18.6 ms (a scan) without the index, 2.1 ms with it.
            models.Index(
                fields=["expires_at"],
                name="cardlink_not_ended",
                condition=models.Q(lapse_recorded_at=None, card_received_at=None, expired_at=None),
            )
        ]

    def __str__(self) -> str:
        return f"Card link for {self.customer_id} ({self.status.label})"

    @property
    def status(self) -> CardLink.Status:
        if self.card_received_at is not None:
            return self.Status.CARD_RECEIVED
        if self.expired_at is not None:
            return self.Status.EXPIRED_EARLY
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def active(self) -> bool:
        return self.status == self.Status.ACTIVE
