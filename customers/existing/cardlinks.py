"""Secure card links: send the customer to a hosted card form, never take a card here.

The link is built from SECURE_CARD_FORM_URL with {customer_id}, {email} and {token}; the
token is a signed, expiring reference to a CardLink row. Plain functions, no request.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from customers import audit
from customers.audit import Actor
from customers.existing.masking import mask_email
from customers.models import AuditEntry, CardLink, Channel
from customers.revcent import CardSummary, RevCentClient, RevCentError

logger = logging.getLogger(__name__)
TOKEN_SALT = "supportdesk.card-link.v1"


def card_form_template(*, site_url: str) -> str:
    """SECURE_CARD_FORM_URL, or in sandbox mode the sandbox's own hosted form on this site
    (`site_url`, e.g. "https://support.example.com", as the request reached us); "" if none."""
    if settings.SECURE_CARD_FORM_URL:
        return str(settings.SECURE_CARD_FORM_URL)
    if settings.REVCENT_SANDBOX:
        path = reverse("sandbox-card-form", args=["TOKEN"]).replace("TOKEN", "{token}")
        return site_url.rstrip("/") + path.replace("%7Btoken%7D", "{token}")
    return ""


def card_link_token(link: CardLink) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object(
        {"link": str(link.id), "customer": link.customer_id}
    )


def card_link_of_token(token: str) -> CardLink | None:
    """The link a genuine, unexpired token stands for, whatever its status; None if forged
    or older than CARD_LINK_HOURS."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=timedelta(hours=settings.CARD_LINK_HOURS)
        )
    except (signing.BadSignature, ValueError):
        return None
    return CardLink.objects.filter(pk=data.get("link"), customer_id=data.get("customer")).first()


def card_link_from_token(token: str) -> CardLink | None:
    """The active link a token stands for, or None (forged, expired, expired early, or
    closed because the card it asked for has arrived)."""
    link = card_link_of_token(token)
    return link if link is not None and link.active else None


def card_link_use(link: CardLink, *, now: datetime) -> bool:
    """The hosted form is taking a card through this link: True for the first card only.

    A link asks for one card, so it is used up by the first: a second submission (the form
    kept open in another tab, a replayed request, the link passed on) is refused. One
    conditional UPDATE, so of two submissions at once exactly one wins, and records it.
    """
    return _closed_by_card(link, now=now, received=now, how="on the hosted card form")


def _open_now(link: CardLink, *, now: datetime) -> QuerySet[CardLink]:
    """The link, if it is still open at `now`: for a conditional UPDATE that closes it, of
    which of two at once exactly one changes the row (the other finds it closed)."""
    return CardLink.objects.filter(
        pk=link.pk, card_received_at=None, expired_at=None, expires_at__gt=now
    )


def _link_actor(link: CardLink) -> Actor:
    """Whom a link's later rows (card received, lapsed) are filed under: the agent who made
    it, and the way in they made it through, so the overview's agent and way-in filters count
    a link's fate with its sending. Their messages say the link, not the agent, did it."""
    return Actor(user=link.created_by, channel=Channel(link.way_in))


def _made(link: CardLink) -> str:
    return (
        f"The card link made {link.created_at:%Y-%m-%d %H:%M %Z} (working until "
        f"{link.expires_at:%Y-%m-%d %H:%M %Z})"
    )


def _closed_by_card(link: CardLink, *, now: datetime, received: datetime, how: str) -> bool:
    """Close an open link because its card arrived, and record it (CardLinkUsed) in the same
    transaction: once per link, by whichever closing wins. Nothing of the card is written."""
    with transaction.atomic():
        if _open_now(link, now=now).update(card_received_at=received) != 1:
            return False
        audit.agent_action(
            action=AuditEntry.Operation.CARD_LINK_USED,
            actor=_link_actor(link),
            customer_id=link.customer_id,
            message=f"{_made(link)} received a card {how}; it no longer opens the form.",
        )
    link.card_received_at = received
    return True


def card_link_url(link: CardLink, *, template: str, email: str) -> str:
    # Plain replacement, not str.format: a merchant's URL may hold other braces.
    return (
        template.replace("{customer_id}", quote(link.customer_id, safe=""))
        .replace("{email}", quote(email, safe=""))
        .replace("{token}", quote(card_link_token(link), safe=""))
    )


def _lower_initial(text: str) -> str:
    """The first letter lowered, whatever follows ("Created to copy" -> "created to copy")."""
    return text[:1].lower() + text[1:]


def card_link_create(*, customer_id: str, user: User, channel: str, actor: Actor) -> CardLink:
    now = timezone.now()
    link = CardLink.objects.create(
        customer_id=customer_id,
        created_by=user,
        channel=channel,
        created_at=now,
        expires_at=now + timedelta(hours=settings.CARD_LINK_HOURS),
        way_in=actor.channel,
    )
    audit.agent_action(
        action=AuditEntry.Operation.CARD_LINK_CREATED,
        actor=actor,
        customer_id=customer_id,
        message=f"A card link was {_lower_initial(link.get_channel_display())}; it works until "
        f"{link.expires_at:%Y-%m-%d %H:%M %Z}.",
    )
    return link


def card_link_send(*, link: CardLink, url: str, email: str, customer_name: str) -> None:
    """E-mail the link to the address RevCent holds for the customer (never a typed one)."""
    subject, body = card_link_email(link=link, url=url, customer_name=customer_name)
    send_mail(subject, body, None, [email])


def card_link_email(*, link: CardLink, url: str, customer_name: str) -> tuple[str, str]:
    """The card-link e-mail's subject and body: who asks (MERCHANT_NAME), what the link is
    for, until when it works, and that nobody will ask for the card any other way."""
    merchant = str(settings.MERCHANT_NAME)
    expires = link.expires_at.astimezone(UTC)
    body = (
        f"Hello{f' {customer_name}' if customer_name else ''},\n\n"
        f"{merchant} asks you to add a payment card to your account. This secure link opens "
        "a page where you enter the card yourself; it works for one card and expires on "
        f"{expires:%d %B %Y at %H:%M} UTC ({settings.CARD_LINK_HOURS} hours after it was "
        f"sent):\n\n{url}\n\n"
        f"Nobody from {merchant} will ask for your card number by phone or e-mail. If you did "
        f"not expect this e-mail, do not use the link: contact {merchant} the way you usually "
        "do.\n"
    )
    return f"{merchant} asks you to add a payment card", body


def card_link_expire(*, link: CardLink, user: User, actor: Actor) -> None:
    """An agent expires an open link early; a link already closed (its card received, its
    time up, expired) stays as it was, so each link ends once on the trail."""
    now = timezone.now()
    with transaction.atomic():
        if _open_now(link, now=now).update(expired_at=now, expired_by=user) != 1:
            return
        audit.agent_action(
            action=AuditEntry.Operation.CARD_LINK_EXPIRED,
            actor=actor,
            customer_id=link.customer_id,
            message=f"The card link made {link.created_at:%Y-%m-%d %H:%M %Z} was expired early.",
        )
    link.expired_at, link.expired_by = now, user


def card_links_settle(*, customer_id: str, cards: list[CardSummary]) -> None:
    """Close the active links whose card has arrived: a card RevCent shows as added while
    the link was open. Cards without a creation time close nothing."""
    added = sorted(card.created for card in cards if card.created is not None)
    if not added:
        return
    now = timezone.now()
    links = CardLink.objects.filter(
        customer_id=customer_id, card_received_at=None, expired_at=None, expires_at__gt=now
    )
    for link in links.select_related("created_by"):
        # RevCent's times are whole seconds: a card added in the link's first second counts.
        opened = link.created_at.replace(microsecond=0)
        received = next((when for when in added if opened <= when <= link.expires_at), None)
        if received is not None:
            how = f"(RevCent shows one added {received:%Y-%m-%d %H:%M %Z})"
            _closed_by_card(link, now=now, received=received, how=how)


def card_links_lapse(*, now: datetime) -> int:
    """Record on the trail each link that lapsed unused (its time up, no card, not expired
    by an agent), once: nothing happens when a link lapses, so this looks for them. Run on a
    schedule (manage.py card_links_lapse) and before the team overview reads its figures.
    Each row is written now, so a day already over keeps its figures. Returns how many."""
    lapsed = CardLink.objects.filter(
        lapse_recorded_at=None, card_received_at=None, expired_at=None, expires_at__lte=now
    )
    recorded = 0
    for link in lapsed.select_related("created_by").order_by("expires_at"):
        with transaction.atomic():
            # Conditional: of two runs at once (or a card arriving at the last moment),
            # exactly one changes the row and writes its row.
            if lapsed.filter(pk=link.pk).update(lapse_recorded_at=now) != 1:
                continue
            audit.agent_action(
                action=AuditEntry.Operation.CARD_LINK_LAPSED,
                actor=_link_actor(link),
                customer_id=link.customer_id,
                message=f"The card link made {link.created_at:%Y-%m-%d %H:%M %Z} lapsed at "
                f"{link.expires_at:%Y-%m-%d %H:%M %Z} without a card.",
            )
        recorded += 1
    return recorded


def card_link_rows(customer_id: str, *, template: str, email: str) -> list[tuple[CardLink, str]]:
    """The customer's links, each with its URL while it is active (else ""). With no
    `template` (no card form, or the caller not verified yet) no link has a URL."""
    # prefetch, not select_related: most customers have no link, and then one plain query is
    # all it costs (a join of three tables takes about twice the CPU to build and run).
    links = CardLink.objects.filter(customer_id=customer_id).prefetch_related(
        "created_by", "expired_by"
    )
    opens = bool(template)
    return [
        (link, card_link_url(link, template=template, email=email) if opens and link.active else "")
        for link in links
    ]


def card_link_issue(
    *,
    customer_id: str,
    channel: str,
    user: User,
    template: str,
    client: RevCentClient,
    actor: Actor,
) -> tuple[bool, str]:
    """Make a link (and e-mail it, for that channel); say how it went, for the agent.

    The e-mail address comes from RevCent's record, never from what an agent types.
    """
    try:
        detail = client.get_customer(customer_id, actor=actor)
    except RevCentError as exc:
        return False, f"No link was made: {exc.message}"
    link = card_link_create(customer_id=customer_id, user=user, channel=channel, actor=actor)
    if channel != CardLink.Channel.EMAIL:
        return True, "Card link created: copy it below and give it to the customer."
    url = card_link_url(link, template=template, email=detail.contact.email)
    try:
        card_link_send(
            link=link, url=url, email=detail.contact.email, customer_name=detail.contact.name
        )
    except Exception:  # SMTP down: say so, and expire the unsent link
        logger.exception("Card link e-mail failed for %s", customer_id)
        card_link_expire(link=link, user=user, actor=actor)
        return False, "The e-mail could not be sent; the link was withdrawn."
    return True, f"Card link e-mailed to {mask_email(detail.contact.email)}."
