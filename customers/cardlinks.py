"""Secure card links: send the customer to a hosted card form, never take a card here.

The link is built from SECURE_CARD_FORM_URL with {customer_id}, {email} and {token}; the
token is a signed, expiring reference to a CardLink row. Plain functions, no request.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.utils import timezone

from customers import audit
from customers.audit import Actor
from customers.models import AuditEntry, CardLink

TOKEN_SALT = "supportdesk.card-link.v1"


def card_link_token(link: CardLink) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object(
        {"link": str(link.id), "customer": link.customer_id}
    )


def card_link_from_token(token: str) -> CardLink | None:
    """The active link a token stands for, or None (forged, expired, or expired early)."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=timedelta(hours=settings.CARD_LINK_HOURS)
        )
    except (signing.BadSignature, ValueError):
        return None
    link = CardLink.objects.filter(pk=data.get("link"), customer_id=data.get("customer")).first()
    return link if link is not None and link.active else None


def card_link_url(link: CardLink, *, template: str, email: str) -> str:
    # Plain replacement, not str.format: a merchant's URL may hold other braces.
    return (
        template.replace("{customer_id}", quote(link.customer_id, safe=""))
        .replace("{email}", quote(email, safe=""))
        .replace("{token}", quote(card_link_token(link), safe=""))
    )


def card_link_create(*, customer_id: str, user, channel: str, actor: Actor) -> CardLink:
    now = timezone.now()
    link = CardLink.objects.create(
        customer_id=customer_id,
        created_by=user,
        channel=channel,
        created_at=now,
        expires_at=now + timedelta(hours=settings.CARD_LINK_HOURS),
    )
    audit.agent_action(
        action=AuditEntry.Operation.CARD_LINK_CREATED,
        actor=actor,
        customer_id=customer_id,
        message=(
            f"Channel: {link.get_channel_display()}; expires {link.expires_at:%Y-%m-%d %H:%M %Z}."
        ),
    )
    return link


def card_link_send(*, link: CardLink, url: str, email: str, customer_name: str) -> None:
    """E-mail the link to the address RevCent holds for the customer (never a typed one)."""
    hours = settings.CARD_LINK_HOURS
    send_mail(
        "Add your payment card securely",
        (
            f"Hello {customer_name},\n\n"
            "You asked us to add a payment card to your account. Please enter it on our "
            f"secure card page (this link works for {hours} hours):\n\n{url}\n\n"
            "We will never ask for your card number by phone or e-mail.\n"
        ),
        None,
        [email],
    )


def card_link_expire(*, link: CardLink, user, actor: Actor) -> None:
    if link.expired_at is not None:
        return
    link.expired_at = timezone.now()
    link.expired_by = user
    link.save(update_fields=["expired_at", "expired_by"])
    audit.agent_action(
        action=AuditEntry.Operation.CARD_LINK_EXPIRED,
        actor=actor,
        customer_id=link.customer_id,
        message=f"Link created {link.created_at:%Y-%m-%d %H:%M %Z} expired early.",
    )


def mask_email(email: str) -> str:
    """j•••@example.com: enough for the agent to confirm, not to copy down."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
