"""Acting on an existing customer: find, open, verify the caller, card links, groups.

Each function is one agent action. It checks the actor's role, the caller check and the
card guard itself (customers/actions/rules.py), so the web page and the assistant channel
get the same refusals. Plain functions: no request, the client injectable for tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from customers import audit
from customers.actions.rules import (
    ActionRefused,
    NotFound,
    refuse_card_numbers,
    require,
    require_customer_id,
    require_verified_caller,
)
from customers.audit import Actor, TimelineLine
from customers.creating import attempts
from customers.creating.comparison import Comparison, customer_compare
from customers.creating.notes import note_text
from customers.existing import callers, cardlinks
from customers.existing.customer_groups import customer_groups_enabled
from customers.existing.lookup import LookupResult, customer_lookup, customer_visited
from customers.existing.masking import customer_masked, mask_email
from customers.models import CardLink, CreateAttempt
from customers.revcent import (
    CustomerDetail,
    CustomerGroup,
    RevCentClient,
    RevCentError,
    advice,
    get_client,
)
from customers.team.roles import CREATE, SEE_CUSTOMERS


def customer_search(
    *, actor: Actor, query: str, client: RevCentClient | None = None
) -> LookupResult:
    """One customer by e-mail, phone, name, internal ID or RevCent ID, within the agent's
    search limit (shared with the duplicate panel)."""
    require(actor, *SEE_CUSTOMERS)
    refuse_card_numbers(actor, {"query": query})
    assert actor.user is not None
    return customer_lookup(query, user=actor.user, client=client or get_client(), actor=actor)


class CustomerUnavailable(Exception):
    """RevCent could not give the customer; the page still shows what this app knows."""

    def __init__(self, error: RevCentError, attempt: CreateAttempt | None) -> None:
        super().__init__(error.message)
        self.error, self.attempt = error, attempt

    @property
    def message(self) -> str:
        """What went wrong, for the page. For a customer this app created, the failed read
        does not say "Nothing was changed": the create did go through."""
        if self.attempt is None:
            return self.error.message
        return advice.read_after_a_change(self.error.message)


@dataclass(frozen=True)
class CustomerPage:
    """Everything a customer's page shows, as one typed object."""

    customer: CustomerDetail  # masked until the caller is verified
    attempt: CreateAttempt | None  # this app's create of them, if any
    comparison: Comparison | None  # entered vs. stored, once the caller is verified
    note_text: str
    can_act: bool
    caller_check_needed: bool
    caller_verified: bool
    card_links: list[tuple[CardLink, str]]  # each with its URL while usable and verified
    masked_email: str
    # The address the card link goes to as the page names it: whole once the caller is
    # verified (the page shows it whole above), else masked.
    link_email: str
    timeline: list[TimelineLine]


def customer_page(
    *,
    actor: Actor,
    customer_id: str,
    card_form_template: str = "",
    client: RevCentClient | None = None,
) -> CustomerPage:
    """Read the customer from RevCent and gather their page. Raises CustomerUnavailable."""
    require(actor, *SEE_CUSTOMERS)
    require_customer_id(customer_id)
    assert actor.user is not None
    attempt = attempts.attempt_for_customer(customer_id)
    try:
        detail = (client or get_client()).get_customer(customer_id, actor=actor)
    except RevCentError as exc:
        raise CustomerUnavailable(exc, attempt) from exc
    customer_visited(user=actor.user, customer_id=customer_id, name=detail.contact.name)
    check_needed = callers.caller_check_needed(
        customer_id=customer_id, user=actor.user, newest=attempt
    )
    # Until the caller is verified: masked details, no card-link URLs, no entered values.
    verified = not check_needed or callers.caller_verified(user=actor.user, customer_id=customer_id)
    comparison = None
    if attempt is not None:
        attempt = attempts.attempt_verify(attempt=attempt, detail=detail)
        comparison = customer_compare(attempt, detail) if verified else None
    cardlinks.card_links_settle(customer_id=customer_id, cards=detail.cards)
    email = detail.contact.email
    return CustomerPage(
        customer=detail if verified else customer_masked(detail),
        attempt=attempt,
        comparison=comparison,
        note_text=note_text(attempt) if attempt is not None else "",
        can_act=actor.has_perm(CREATE),
        caller_check_needed=check_needed,
        caller_verified=verified,
        card_links=cardlinks.card_link_rows(
            customer_id, template=card_form_template if verified else "", email=email
        ),
        masked_email=mask_email(email),
        link_email=email if verified else mask_email(email),
        timeline=audit.customer_timeline_lines(customer_id),
    )


def caller_verify(
    *, actor: Actor, customer_id: str, kind: str, answer: str, client: RevCentClient | None = None
) -> callers.CallerVerification:
    """Check the caller's answer against RevCent's record, within the wrong-answer limit
    shared by every channel for this agent and customer. The answer is never kept."""
    require(actor, CREATE)
    require_customer_id(customer_id)
    if kind not in callers.CHECKS or not answer.strip():
        raise ActionRefused("Choose what the caller said and type their answer.")
    refuse_card_numbers(actor, {"answer": answer}, customer_id=customer_id)
    assert actor.user is not None
    return callers.caller_verify(
        customer_id=customer_id,
        kind=kind,
        answer=answer,
        user=actor.user,
        client=client or get_client(),
        actor=actor,
    )


def card_link_send(
    *,
    actor: Actor,
    customer_id: str,
    channel: str,
    card_form_template: str,
    client: RevCentClient | None = None,
) -> tuple[bool, str]:
    """Make a card link for the customer (e-mailed to the address RevCent holds, or to
    copy); say how it went."""
    require(actor, CREATE)
    require_customer_id(customer_id)
    require_verified_caller(actor, customer_id, doing="sending a card link")
    if not card_form_template:
        raise ActionRefused("No secure card form is configured. Ask an admin.")
    if channel not in CardLink.Channel.values:
        raise ActionRefused("Choose how to send the link.")
    assert actor.user is not None
    return cardlinks.card_link_issue(
        customer_id=customer_id,
        channel=channel,
        user=actor.user,
        template=card_form_template,
        client=client or get_client(),
        actor=actor,
    )


def card_link_expire(*, actor: Actor, customer_id: str, link_id: uuid.UUID) -> None:
    require(actor, CREATE)
    require_customer_id(customer_id)
    require_verified_caller(actor, customer_id, doing="expiring a card link")
    link = CardLink.objects.filter(pk=link_id, customer_id=customer_id).first()
    if link is None:
        raise NotFound("No such card link for this customer.")
    assert actor.user is not None
    cardlinks.card_link_expire(link=link, user=actor.user, actor=actor)


def customer_groups_list(
    *, actor: Actor, client: RevCentClient | None = None
) -> list[CustomerGroup]:
    """RevCent's enabled customer groups (from the shared cache for a few minutes)."""
    require(actor, CREATE)
    return customer_groups_enabled(client=client or get_client(), actor=actor)


@dataclass(frozen=True)
class CustomerGroupsOffer:
    """The customer and the enabled groups they are not in yet, as (id, name)."""

    customer: CustomerDetail
    choices: list[tuple[str, str]]


def customer_groups_offer(
    *, actor: Actor, customer_id: str, client: RevCentClient | None = None
) -> CustomerGroupsOffer:
    """What the agent may add the customer to. Raises RevCentError if RevCent cannot say."""
    require(actor, CREATE)
    require_customer_id(customer_id)
    require_verified_caller(actor, customer_id, doing="changing their groups")
    client = client or get_client()
    detail = client.get_customer(customer_id, actor=actor)
    enabled = customer_groups_enabled(client=client, actor=actor)
    member_of = {group.id for group in detail.customer_groups}
    choices = [(group.id, group.name) for group in enabled if group.id not in member_of]
    return CustomerGroupsOffer(customer=detail, choices=choices)


def customer_groups_add(
    *,
    actor: Actor,
    customer_id: str,
    group_ids: list[str],
    offer: CustomerGroupsOffer | None = None,
    client: RevCentClient | None = None,
) -> list[str]:
    """Add the customer to groups from their offer; the groups' names. Raises RevCentError."""
    client = client or get_client()
    if offer is None:
        offer = customer_groups_offer(actor=actor, customer_id=customer_id, client=client)
    else:  # the caller read the offer for this actor a moment ago; the rules still hold
        require(actor, CREATE)
        require_verified_caller(actor, customer_id, doing="changing their groups")
    names = dict(offer.choices)
    if not group_ids or any(group_id not in names for group_id in group_ids):
        raise ActionRefused("Choose groups from the list: enabled, and not theirs yet.")
    client.add_customer_to_groups(customer_id, group_ids, actor=actor)
    return [names[group_id] for group_id in group_ids]
