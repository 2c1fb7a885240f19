"""What each assistant tool does, as plain synchronous functions over customers/actions/.

server.py calls these through sync_to_async; each takes the Caller (token, request ID, site)
and returns the tool's output model, or raises ActionRefused / ToolRefused with a message
for the person (never quoting an argument's value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse

from customers import actions, ratelimit
from customers.assistant import outputs
from customers.assistant.proposals import (
    ProposalInvalid,
    proposal_make,
    proposal_read,
)
from customers.existing.cardlinks import card_form_template
from customers.matching import Match
from customers.models import AuditEntry, Campaign, CardLink, CreateAttempt

if TYPE_CHECKING:
    from customers.assistant.caller import Caller
    from customers.assistant.models import Proposal


class ToolRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Question:
    """What the person is asked before a write; the same text on every round."""

    text: str
    needs_reason: bool = False
    # Already done (a proposal whose customer was created, here or on the web): nothing to
    # ask; the tool reports that outcome again.
    done: bool = False


# --- Reading ------------------------------------------------------------------------------------
def search(caller: Caller, *, query: str) -> outputs.SearchOut:
    result = actions.customer_search(actor=caller.actor(), query=query)
    if result.rate_limited:
        raise ToolRefused("Too many searches this minute (shared with the web). Wait a minute.")
    if result.failed:
        raise ToolRefused(f"RevCent did not answer the search: {result.failed}")
    hits = [
        outputs.Hit(
            customer_id=found.hit.openable_id,
            name=found.hit.contact.name[: outputs.TEXT_MAX],
            hint=found.hint[: outputs.TEXT_MAX],
            city=found.hit.contact.city[: outputs.TEXT_MAX],
            why=list(found.reasons),
            strong=found.strong,
        )
        for found in result.found
    ]
    return outputs.SearchOut(
        hits=hits, more_may_exist=result.capped, open_customer_id=result.customer_id
    )


def customer(caller: Caller, *, customer_id: str) -> outputs.CustomerOut:
    page = actions.customer_page(actor=caller.actor(), customer_id=customer_id)
    shown = page.customer.contact
    cap = outputs.TEXT_MAX
    return outputs.CustomerOut(
        customer_id=page.customer.id,
        caller_verified=page.caller_verified,
        caller_check_needed=page.caller_check_needed,
        contact=outputs.ContactOut(
            name=shown.name[:cap],
            email=shown.email[:cap],
            phone=shown.phone[:cap],
            city=shown.city[:cap],
            zip=shown.zip[:cap],
            country=shown.country[:cap],
        ),
        groups=[group.name[:cap] for group in page.customer.customer_groups],
        cards=[
            outputs.CardOut(
                brand=card.type[:40], last_4=card.last_4[-4:], expiry=card.expiry_date[:10]
            )
            for card in page.customer.cards
        ],
        created_by_this_app=page.attempt is not None,
    )


def verify(caller: Caller, *, customer_id: str, kind: str, answer: str) -> outputs.VerifyOut:
    outcome = actions.caller_verify(
        actor=caller.actor(), customer_id=customer_id, kind=kind, answer=answer
    )
    return outputs.VerifyOut(verified=outcome.verified, message=outcome.message)


def card_links(caller: Caller, *, customer_id: str) -> outputs.CardLinksOut:
    # No card form template: the page's links carry no URL, whatever the caller check says.
    page = actions.customer_page(actor=caller.actor(), customer_id=customer_id)
    return outputs.CardLinksOut(
        links=[
            outputs.CardLinkStatus(
                status=link.status.value,  # type: ignore[arg-type]
                channel=link.get_channel_display(),
                made_at=link.created_at.isoformat(),
                expires_at=link.expires_at.isoformat(),
                card_received_at=link.card_received_at.isoformat() if link.card_received_at else "",
            )
            for link, _url in page.card_links
        ]
    )


def groups(caller: Caller) -> outputs.GroupsOut:
    found = actions.customer_groups_list(actor=caller.actor())
    return outputs.GroupsOut(
        groups=[outputs.GroupOut(group_id=g.id, name=g.name[: outputs.TEXT_MAX]) for g in found]
    )


# --- Proposing and creating ---------------------------------------------------------------------
def _match_out(match: Match) -> outputs.MatchOut:
    who = match.candidate
    return outputs.MatchOut(
        customer_id=who.openable_id,
        name=who.name[: outputs.TEXT_MAX],
        why=list(match.reasons),
        strong=match.strong,
        email=who.email[: outputs.TEXT_MAX],
    )


def propose(caller: Caller, **arguments: Any) -> outputs.ProposalOut:
    try:
        made = proposal_make(actor=caller.actor(), token=caller.token, **arguments)
    except ProposalInvalid as exc:
        raise ToolRefused(f"Not proposed. {exc}") from None
    proposal = made.proposal
    return outputs.ProposalOut(
        proposal_id=proposal.id,
        expires_at=proposal.expires_at.isoformat(),
        customer=dict(proposal.payload),
        matches=[_match_out(match) for match in made.report.matches],
        needs_reason=proposal.strong,
        duplicate_search_complete=made.report.complete,
    )


def prefilled_path(proposal_id: str) -> str:
    """The New customer form, filled in from the proposal, for the signed-in agent."""
    return f"{reverse('customer-create')}?proposal={proposal_id}"


def _proposal(caller: Caller, proposal_id: str) -> Proposal:
    found = proposal_read(proposal_id, user_id=caller.token.user_id, token=caller.token)
    if found.proposal is None:
        raise ToolRefused(found.problem)
    return found.proposal


def create_question(caller: Caller, *, proposal_id: str) -> Question:
    proposal = _proposal(caller, proposal_id)
    made = CreateAttempt.objects.filter(submission_key=proposal.submission_key).exists()
    return Question(proposal.question, needs_reason=proposal.strong, done=made)


def _count_create(caller: Caller) -> None:
    """Creates per token per hour (ASSISTANT_CREATES_PER_HOUR), on top of the agent's own."""
    seen = ratelimit.count_up(f"assistant-creates:{caller.token.prefix}", timeout=3600)
    if seen > settings.ASSISTANT_CREATES_PER_HOUR:
        raise ToolRefused(
            f"This token has made {settings.ASSISTANT_CREATES_PER_HOUR} creates this hour; "
            "try again within the hour, or create on the web."
        )


def create(caller: Caller, *, proposal_id: str, reason: str) -> outputs.CreateOut:
    proposal = _proposal(caller, proposal_id)
    if not CreateAttempt.objects.filter(submission_key=proposal.submission_key).exists():
        _count_create(caller)  # a repeat reports the first outcome: no create to count
    campaign_pk = proposal.form_data["options-campaign"][0]
    actor = caller.actor()
    submission = actions.customer_create(
        actor=actor,
        key=proposal.submission_key,
        campaign=Campaign.objects.get(pk=campaign_pk),
        payload=proposal.payload,
        override_reason=reason if proposal.strong else "",
    )
    attempt = submission.attempt
    if attempt is None:
        assert submission.report is not None
        names = "; ".join(m.candidate.label for m in submission.report.strong[:3])
        raise ToolRefused(
            f"Not created: a strong match appeared after the proposal ({names}). "
            "Propose again to see it."
        )
    differences: list[str] = []
    if attempt.customer_id:
        # RevCent's guide: verify with GetCustomer. The customer page's read does it.
        page = actions.customer_page(actor=actor, customer_id=attempt.customer_id)
        attempt = page.attempt or attempt
        if page.comparison is not None:
            compared = page.comparison
            rows = [*compared.customer, *compared.bill_to, *compared.metadata]
            differences = [row.label for row in rows if row.differs]
    calls = AuditEntry.objects.filter(request_id=actor.request_id).exclude(api_call_id="")
    return outputs.CreateOut(
        customer_id=attempt.customer_id,
        state=attempt.get_state_display(),
        api_call_ids=list(calls.order_by("id").values_list("api_call_id", flat=True)),
        differences=differences,
        note=attempt.message or "",
    )


# --- Changing an existing customer --------------------------------------------------------------
def groups_question(caller: Caller, *, customer_id: str, group_ids: list[str]) -> Question:
    offer = actions.customer_groups_offer(actor=caller.actor(), customer_id=customer_id)
    names = dict(offer.choices)
    unknown = [group for group in group_ids if group not in names]
    if unknown:
        raise ToolRefused("Choose groups from list_customer_groups that they are not in yet.")
    chosen = ", ".join(names[group] for group in group_ids)
    who = offer.customer.contact.name or customer_id
    return Question(f"Add {who} (…{customer_id[-4:]}) to {chosen}?")


def groups_add(caller: Caller, *, customer_id: str, group_ids: list[str]) -> outputs.GroupsAddedOut:
    actor = caller.actor()
    added = actions.customer_groups_add(actor=actor, customer_id=customer_id, group_ids=group_ids)
    page = actions.customer_page(actor=actor, customer_id=customer_id)  # read back
    return outputs.GroupsAddedOut(
        customer_id=customer_id,
        added=added,
        groups_now=[group.name[: outputs.TEXT_MAX] for group in page.customer.customer_groups],
    )


def card_link_question(caller: Caller, *, customer_id: str) -> Question:
    page = actions.customer_page(actor=caller.actor(), customer_id=customer_id)
    if page.caller_check_needed and not page.caller_verified:
        raise ToolRefused("Verify the caller before sending a card link (verify_caller).")
    who = page.customer.contact.name or customer_id
    return Question(f"E-mail {who} a link to add their card, at {page.masked_email}?")


def card_link_send(caller: Caller, *, customer_id: str) -> outputs.CardLinkOut:
    ok, message = actions.card_link_send(
        actor=caller.actor(),
        customer_id=customer_id,
        channel=CardLink.Channel.EMAIL,
        card_form_template=card_form_template(site_url=caller.site_url),
    )
    return outputs.CardLinkOut(sent=ok, message=message)
