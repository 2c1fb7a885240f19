"""Each agent action enforces its own rules, whoever calls it: no request, no view.

The web views and the assistant channel are adapters over customers/actions/; these tests
call the actions directly, as the assistant channel will, and check the refusals a person
(or an auditor reading the trail) would see.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User

from customers import actions
from customers.actions import (
    ActionRefused,
    CallerNotVerified,
    CardNumberInInput,
    NotFound,
    NotPermitted,
    OverLimit,
)
from customers.audit import Actor
from customers.matching import Identifiers
from customers.models import AuditEntry, CardLink, Channel, CreateAttempt
from customers.revcent.contract import ContactBody, CreateCustomerBody
from tests.audit_helpers import Operation, audit_rows
from tests.conftest import MakeUser
from tests.seeded import DEFAULT_CAMPAIGN, JANE, RETIRED, VIP

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
TEMPLATE = "https://cards.example.com/{token}"
CARD = "4111 1111 1111 1111"


def web(user: User) -> Actor:
    return Actor(user=user, request_id="req-test-1")


def assistant(user: User) -> Actor:
    return Actor(user=user, channel=Channel.ASSISTANT, token_prefix="sdk_abcd")


@pytest.fixture
def no_role(make_user: MakeUser) -> User:
    return make_user("nobody")


@pytest.fixture
def leaver(make_user: MakeUser) -> User:
    return make_user("leaver", group="Support agents", is_active=False)


def payload(email: str = "new.person@example.com") -> CreateCustomerBody:
    """A CreateCustomer body, as the create form's payload() makes it."""
    customer: ContactBody = {"first_name": "New", "last_name": "Person", "email": email}
    return {"campaign": DEFAULT_CAMPAIGN, "customer": customer}


# --- Who may act -----------------------------------------------------------------------------
WRITES = [
    lambda actor: actions.caller_verify(actor=actor, customer_id=JANE, kind="zip", answer="10001"),
    lambda actor: actions.card_link_send(
        actor=actor, customer_id=JANE, channel="copy", card_form_template=TEMPLATE
    ),
    lambda actor: actions.card_link_expire(actor=actor, customer_id=JANE, link_id=uuid.uuid4()),
    lambda actor: actions.customer_groups_offer(actor=actor, customer_id=JANE),
    lambda actor: actions.customer_groups_add(actor=actor, customer_id=JANE, group_ids=["x"]),
    lambda actor: actions.duplicates_find(actor=actor, ids=Identifiers(email="a@example.com")),
    lambda actor: actions.attempt_status(actor=actor, key=uuid.uuid4()),
    lambda actor: actions.attempt_check_again(actor=actor, key=uuid.uuid4()),
    lambda actor: actions.attempt_note_add(actor=actor, key=uuid.uuid4()),
]
READS = [
    lambda actor: actions.customer_search(actor=actor, query="jane@example.com"),
    lambda actor: actions.customer_page(actor=actor, customer_id=JANE),
]


@pytest.mark.parametrize("action", WRITES + READS)
@pytest.mark.parametrize("who", ["no_role", "leaver"])
def test_it_refuses_an_actor_without_the_role(action, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(NotPermitted):
        action(assistant(user))
    # Refused before RevCent was asked anything.
    assert not audit_rows(kind=AuditEntry.Kind.API_CALL)


@pytest.mark.parametrize("action", WRITES)
def test_an_auditor_may_not_act(action, auditor):
    with pytest.raises(NotPermitted):
        action(web(auditor))


def test_an_auditor_may_read_a_customer(auditor):
    page = actions.customer_page(actor=web(auditor), customer_id=JANE)
    assert page.customer.id == JANE and not page.can_act
    assert not page.caller_verified  # masked: nobody verified this caller


def test_it_refuses_a_customer_create_without_the_role(no_role, campaign):
    with pytest.raises(NotPermitted):
        actions.customer_create(
            actor=assistant(no_role), key=uuid.uuid4(), campaign=campaign, payload=payload()
        )
    assert not CreateAttempt.objects.exists()


def test_a_malformed_customer_id_is_not_found(agent):
    with pytest.raises(NotFound):
        actions.customer_page(actor=web(agent), customer_id="../../etc")


# --- The caller check --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "action",
    [
        lambda actor: actions.card_link_send(
            actor=actor, customer_id=JANE, channel="copy", card_form_template=TEMPLATE
        ),
        lambda actor: actions.card_link_expire(actor=actor, customer_id=JANE, link_id=uuid.uuid4()),
        lambda actor: actions.customer_groups_offer(actor=actor, customer_id=JANE),
        lambda actor: actions.customer_groups_add(actor=actor, customer_id=JANE, group_ids=[VIP]),
    ],
)
def test_it_refuses_to_act_for_an_unverified_caller(action, agent):
    with pytest.raises(CallerNotVerified, match="Verify the caller before"):
        action(assistant(agent))
    assert not CardLink.objects.exists()
    assert not audit_rows(operation=Operation.ADD_CUSTOMER_TO_GROUP)


def test_a_verified_caller_counts_in_every_channel(agent):
    page = actions.customer_page(actor=assistant(agent), customer_id=JANE)
    assert not page.caller_verified and "•" in page.customer.contact.email
    outcome = actions.caller_verify(
        actor=web(agent), customer_id=JANE, kind="email", answer="jane@example.com"
    )
    assert outcome.verified
    page = actions.customer_page(actor=assistant(agent), customer_id=JANE)
    assert page.caller_verified and page.customer.contact.email == "jane@example.com"
    ok, _ = actions.card_link_send(
        actor=assistant(agent), customer_id=JANE, channel="copy", card_form_template=TEMPLATE
    )
    assert ok and CardLink.objects.filter(customer_id=JANE).count() == 1


def test_a_verification_is_the_agents_own(agent, make_user):
    other = make_user("other-agent", group="Support agents")
    actions.caller_verify(
        actor=web(agent), customer_id=JANE, kind="email", answer="jane@example.com"
    )
    with pytest.raises(CallerNotVerified):
        actions.customer_groups_offer(actor=web(other), customer_id=JANE)


# --- Limits ----------------------------------------------------------------------------------
def test_wrong_answers_share_one_limit_across_channels(agent):
    for actor in [web(agent), assistant(agent)] * 2 + [web(agent)]:
        outcome = actions.caller_verify(actor=actor, customer_id=JANE, kind="zip", answer="00000")
        assert not outcome.verified
    outcome = actions.caller_verify(
        actor=assistant(agent), customer_id=JANE, kind="email", answer="jane@example.com"
    )
    assert not outcome.verified and "Too many wrong answers" in outcome.message


def test_the_search_limit_is_shared_by_the_panel_and_the_lookup(agent, settings):
    settings.DUPLICATE_SEARCHES_PER_MINUTE = 2
    actions.customer_search(actor=assistant(agent), query="jane@example.com")
    actions.duplicates_find(actor=web(agent), ids=Identifiers(email="someone@example.com"))
    with pytest.raises(OverLimit) as refused:
        actions.duplicates_find(actor=web(agent), ids=Identifiers(email="else@example.com"))
    assert refused.value.retry_after > 0
    assert actions.customer_search(actor=assistant(agent), query="x@example.com").rate_limited


# --- Card numbers in any input -----------------------------------------------------------------
@pytest.mark.parametrize(
    "action",
    [
        lambda actor: actions.customer_search(actor=actor, query=f"card {CARD}"),
        lambda actor: actions.caller_verify(actor=actor, customer_id=JANE, kind="zip", answer=CARD),
        lambda actor: actions.duplicates_find(
            actor=actor, ids=Identifiers(first_name="Jane", last_name=CARD)
        ),
    ],
)
def test_a_card_number_in_an_input_is_refused_and_audited_by_name(action, agent):
    with pytest.raises(CardNumberInInput) as refused:
        action(assistant(agent))
    assert "1111" not in refused.value.message
    [row] = audit_rows(operation=Operation.CARD_NUMBER_REFUSED)
    assert "assistant" in row.message and "1111" not in row.message
    assert not audit_rows(kind=AuditEntry.Kind.API_CALL)  # RevCent was not asked


def test_a_card_number_in_a_create_is_refused_before_anything_is_kept(agent, campaign):
    body: CreateCustomerBody = {
        **payload(),
        "metadata": [{"name": "note", "value": f"paid with {CARD}"}],
    }
    with pytest.raises(CardNumberInInput, match="customer"):
        actions.customer_create(
            actor=assistant(agent), key=uuid.uuid4(), campaign=campaign, payload=body
        )
    assert not CreateAttempt.objects.exists()
    assert not audit_rows(kind=AuditEntry.Kind.API_CALL)


def test_a_create_through_the_action_makes_one_customer(agent, campaign):
    key = uuid.uuid4()
    first = actions.customer_create(
        actor=assistant(agent), key=key, campaign=campaign, payload=payload()
    )
    again = actions.customer_create(
        actor=assistant(agent), key=key, campaign=campaign, payload=payload()
    )
    assert first.attempt is not None and first.attempt.customer_id
    assert again.attempt is not None and again.attempt.pk == first.attempt.pk
    assert len(audit_rows(operation=Operation.CREATE_CUSTOMER)) == 1


def test_someone_elses_attempt_is_not_found(agent, make_user, campaign):
    submission = actions.customer_create(
        actor=web(agent), key=uuid.uuid4(), campaign=campaign, payload=payload()
    )
    other = make_user("other-agent", group="Support agents")
    assert submission.attempt is not None
    with pytest.raises(NotFound):
        actions.attempt_status(actor=web(other), key=submission.attempt.submission_key)


def test_groups_outside_the_offer_are_refused(agent):
    actions.caller_verify(
        actor=web(agent), customer_id=JANE, kind="email", answer="jane@example.com"
    )
    with pytest.raises(ActionRefused, match="Choose groups from the list"):
        actions.customer_groups_add(actor=web(agent), customer_id=JANE, group_ids=[RETIRED])
    assert not audit_rows(operation=Operation.ADD_CUSTOMER_TO_GROUP)


# --- The channel, in the signed trail ----------------------------------------------------------
def test_the_channel_lands_in_the_audit_row_and_verifies_in_the_chain(agent):
    from customers.audit import verify_trail
    from tests.audit.test_audit_chain import tamper

    actions.customer_search(actor=assistant(agent), query="jane@example.com")
    actions.customer_page(actor=web(agent), customer_id=JANE)
    search = audit_rows(operation=Operation.SEARCH_CUSTOMERS)[-1]
    read = audit_rows(operation=Operation.GET_CUSTOMER)[-1]
    assert (search.channel, search.token_prefix) == ("assistant", "sdk_abcd")
    assert (read.channel, read.token_prefix) == ("web", "")
    assert verify_trail().ok
    # Claiming the web did what the assistant did breaks the chain.
    tamper("UPDATE customers_auditentry SET channel = 'web' WHERE id = %s", [search.pk])
    assert not verify_trail().ok
