"""What every page and the customer pages say and where they put the focus (issue 26): the
message banner, the skip link, the shortcuts list, autofocus where the next action is, copy
buttons, the link to RevCent's dashboard, page titles and the slips in wording."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.messages.storage.base import Message
from django.test import Client
from django.urls import reverse

from customers.actions import CustomerUnavailable
from customers.audit.admin import COUNT_CAP, CappedCountPaginator
from customers.contact import Contact, country_name, field_display
from customers.models import AuditEntry, CreateAttempt
from customers.revcent import RevCentUnavailable, advice, contract
from customers.revcent.contract import CreateCustomerBody
from customers.templatetags.page_messages import messages_for_banner, messages_tagged
from tests.helpers import CUSTOMER, create_post
from tests.seeded import JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return " ".join(found.group(1).split())


def tag_with(html: str, marker: str) -> str:
    """The opening tag that carries `marker` (an attribute, say)."""
    found = re.search(rf"<[^<>]*{re.escape(marker)}[^<>]*>", html)
    assert found, marker
    return found.group(0)


def created(client: Client, campaign, **customer: str) -> str:
    """The customer page of a customer this agent just created (no caller check)."""
    post = create_post(campaign, customer={**CUSTOMER, **customer})
    response = client.post(reverse("customer-create"), post)
    assert response.status_code == 302
    return str(response["Location"])


# --- Every page -----------------------------------------------------------------------------------
def test_the_skip_link_comes_first_and_main_can_take_the_focus(agent_client):
    html = page(agent_client, reverse("home"))
    body = html[html.index("<body") :]
    first_link = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
    assert first_link and 'class="skip-link" href="#main"' in first_link.group(0)
    assert '<main id="main" class="container" tabindex="-1">' in html


def test_the_shortcuts_list_names_what_an_agent_can_do(agent_client):
    html = page(agent_client, reverse("home"))
    assert 'aria-labelledby="shortcuts-title" data-shortcuts-dialog' in html
    assert "<dd>New customer</dd>" in html and "<dd>Find a customer</dd>" in html
    assert 'aria-keyshortcuts="n" data-shortcut="n"' in html


def test_the_shortcuts_list_leaves_out_what_an_auditor_cannot(auditor_client):
    html = page(auditor_client, reverse("home"))
    assert "<dd>New customer</dd>" not in html and 'data-shortcut="n"' not in html
    assert "<dd>Find a customer</dd>" in html


def test_the_sign_in_page_has_the_skip_link_but_no_shortcuts(client):
    html = page(client, reverse("login"))
    assert "Skip to content" in html and "data-shortcuts-dialog" not in html


def test_the_banner_is_a_live_region_around_a_plain_list(agent_client, campaign):
    location = created(agent_client, campaign)
    customer_id = location.rstrip("/").rsplit("/", 1)[1]
    agent_client.post(reverse("card-link-create", args=[customer_id]), {"channel": "copy"})
    html = page(agent_client, location)
    banner = html[html.index('<div class="messages"') :]
    banner = banner[: banner.index("</div>")]
    assert banner.startswith('<div class="messages" role="status">')
    # A role on the list itself would take the list's meaning from its items (axe: listitem).
    assert "<ul>" in banner and "<ul " not in banner
    assert re.search(r'<li class="message [^"]*">Card link created', banner)


def test_without_messages_there_is_no_banner(agent_client):
    assert 'class="messages"' not in page(agent_client, reverse("home"))


def test_the_banner_leaves_the_caller_checks_messages_to_their_form():
    mine, theirs = Message(40, "Wrong", "caller-check"), Message(25, "Done", "")
    assert messages_for_banner([mine, theirs]) == [theirs]
    assert messages_tagged([mine, theirs], "caller-check") == [mine]
    assert messages_for_banner(None) == [] and messages_tagged(None, "x") == []


# --- Where the focus goes -------------------------------------------------------------------------
def test_a_new_form_starts_at_first_name(agent_client, campaign):
    html = page(agent_client, reverse("customer-create"))
    assert "autofocus" in tag_with(html, 'id="id_customer-first_name"')
    assert html.count("autofocus") == 1


def test_the_gate_takes_the_focus_and_first_name_does_not(agent_client, campaign):
    post = create_post(campaign, customer={**CUSTOMER, "email": "jane@example.com"})
    response = agent_client.post(reverse("customer-create"), post)
    html = response.content.decode()
    gate = tag_with(html, 'data-testid="duplicate-gate"')
    assert 'tabindex="-1"' in gate and "autofocus" in gate
    assert "autofocus" not in tag_with(html, 'id="id_customer-first_name"')
    assert html.count("autofocus") == 1


def test_with_errors_the_summary_has_the_focus_not_the_gate(agent_client, campaign):
    # "Create anyway" ticked without a reason: the gate shows, and so does the summary.
    post = create_post(
        campaign, customer={**CUSTOMER, "email": "jane@example.com"}, create_anyway="on"
    )
    html = agent_client.post(reverse("customer-create"), post).content.decode()
    assert "data-error-summary" in html  # app.js focuses it
    assert "autofocus" not in html


def test_a_wrong_caller_answer_sends_the_focus_back_to_the_answer(agent_client):
    url = reverse("caller-verify", args=[JANE])
    agent_client.post(url, {"kind": "zip", "answer": "90210"})
    html = page(agent_client, reverse("customer-detail", args=[JANE]))
    answer = tag_with(html, 'id="id_answer"')
    assert "autofocus" in answer and 'aria-describedby="caller-check-messages"' in answer
    assert '<div id="caller-check-messages"><p class="message caller-check error"' in html
    assert "does not match" in html
    assert 'class="messages"' not in html  # not in the banner too
    # Opened again, the page focuses nothing.
    again = page(agent_client, reverse("customer-detail", args=[JANE]))
    assert "autofocus" not in again and "caller-check-messages" not in again


def test_after_a_wrong_answer_the_question_asked_stays_picked(agent_client):
    # Asked for the e-mail and told a wrong one, the agent types the right one next: the form
    # must still ask for the e-mail, or the right answer is checked as a ZIP and counts wrong.
    response = agent_client.post(
        reverse("caller-verify", args=[JANE]), {"kind": "email", "answer": "jane@example.org"}
    )
    assert response["Location"] == reverse("customer-detail", args=[JANE]) + "?kind=email"
    html = page(agent_client, response["Location"])
    assert '<option value="email" selected>' in html
    assert "jane@example.org" not in html  # the answer itself is never kept
    fresh = page(agent_client, reverse("customer-detail", args=[JANE]))
    assert "selected" not in tag_with(fresh, 'option value="email"')


def test_a_link_to_copy_gets_the_focus_on_its_copy_button(agent_client, campaign):
    location = created(agent_client, campaign)
    customer_id = location.rstrip("/").rsplit("/", 1)[1]
    url = reverse("card-link-create", args=[customer_id])
    agent_client.post(url, {"channel": "copy"})
    agent_client.post(url, {"channel": "copy"})
    html = page(agent_client, location)
    buttons = re.findall(r"<button[^>]*data-testid=\"copy-card-link\"[^>]*>", html)
    assert len(buttons) == 2
    assert "autofocus" in buttons[0] and "autofocus" not in buttons[1]  # the newest first
    assert "autofocus" not in page(agent_client, location)  # once only


def test_an_emailed_link_moves_no_focus(agent_client, campaign, mailoutbox):
    location = created(agent_client, campaign)
    customer_id = location.rstrip("/").rsplit("/", 1)[1]
    agent_client.post(reverse("card-link-create", args=[customer_id]), {"channel": "email"})
    html = page(agent_client, location)
    assert "Card link e-mailed" in html and "autofocus" not in html


# --- The customer page ----------------------------------------------------------------------------
def test_the_customer_page_is_titled_by_name_not_by_id(agent_client):
    html = page(agent_client, reverse("customer-detail", args=[JANE]))
    assert title(html) == "Jane Doe (…0001) · Support Desk"


def test_a_page_that_could_not_be_read_is_titled_by_the_ids_end(agent_client):
    response = agent_client.get(reverse("customer-detail", args=["X" * 19 + "Z"]))
    assert response.status_code == 404
    assert title(response.content.decode()) == "Customer …XXXZ · Support Desk"


def test_copy_buttons_only_for_what_is_shown_whole(agent_client, campaign):
    html = page(agent_client, reverse("customer-detail", args=[JANE]))  # masked
    for what in ("customer-email", "customer-phone-number"):
        assert f'data-copy="#{what}"' not in html
    assert 'data-copy="#read-call-id"' in html  # an API call ID is no secret
    html = page(agent_client, created(agent_client, campaign))
    for what, name in [
        ("customer-email", "e-mail"),
        ("customer-phone-number", "phone"),
        ("create-call-id", "CreateCustomer call ID"),
        ("get-call-id", "GetCustomer call ID"),
        ("read-call-id", "API call ID"),
    ]:
        button = re.search(rf'<button[^>]*data-copy="#{what}"[^>]*>(.*?)</button>', html)
        assert button, what
        assert button.group(1) == f'Copy<span class="visually-hidden"> {name}</span>'
        assert " hidden" in button.group(0)  # until copy.js runs
    assert f'id="customer-email" data-testid="customer-email">{CUSTOMER["email"]}<' in html


def test_in_sandbox_mode_revcents_dashboard_is_named_not_linked(agent_client):
    html = page(agent_client, reverse("customer-detail", args=[JANE]))
    assert "not for sandbox customers" in html
    assert "revcent.com/user/customer/" not in html


def test_with_revcent_the_dashboard_link_opens_in_a_new_tab(agent_client, settings, monkeypatch):
    from customers.actions import existing
    from customers.revcent import factory

    sandbox_client = factory.get_client()  # the sandbox's, before the switch
    monkeypatch.setattr(existing, "get_client", lambda: sandbox_client)
    settings.REVCENT_SANDBOX = False
    html = page(agent_client, reverse("customer-detail", args=[JANE]))
    link = tag_with(html, f'href="https://revcent.com/user/customer/{JANE}"')
    assert 'target="_blank"' in link and 'rel="noopener"' in link
    assert "(opens in a new tab)" in html


def test_the_dashboard_address_is_built_only_from_an_id():
    assert contract.dashboard_customer_url(JANE) == f"https://revcent.com/user/customer/{JANE}"
    assert contract.dashboard_customer_url("../admin") == ""
    assert contract.dashboard_customer_url("") == ""
    assert not contract.DASHBOARD_CUSTOMER_URL_EVIDENCE.confirmed
    assert str(contract.DASHBOARD_CUSTOMER_URL_EVIDENCE).startswith("ASSUMED")


def test_countries_read_as_names_on_the_verify_page(agent_client, campaign):
    html = page(agent_client, created(agent_client, campaign, country="ESP", phone=""))
    assert "<td>Spain</td>" in html or ">Spain<" in html
    assert ">ESP<" not in html
    assert country_name("USA") == "United States" and country_name("usa") == "United States"
    assert country_name("XYZ") == "XYZ" and country_name("") == ""
    assert field_display("country", "GBR") == "United Kingdom"
    assert Contact(city="Miami", country="USA").address == "Miami, United States"


# --- The attempt page -----------------------------------------------------------------------------
def test_an_attempt_page_is_titled_by_its_state_and_name(agent_client, campaign):
    post = create_post(
        campaign,
        customer={**CUSTOMER, "email": "sandbox-timeout@x.com"},
        create_anyway="on",
        override_reason="A different person with the same details.",
    )
    response = agent_client.post(reverse("customer-create"), post)
    attempt = CreateAttempt.objects.get()
    assert response["Location"] == reverse("attempt-detail", args=[attempt.submission_key])
    html = page(agent_client, response["Location"])
    assert title(html) == "Not known yet whether created: Ana Diaz · Support Desk"


def test_a_not_created_attempt_is_titled_so(agent_client, agent, campaign):
    payload: CreateCustomerBody = {
        "campaign": campaign.revcent_id,
        "customer": {"first_name": "Ana", "last_name": "Diaz"},
    }
    attempt = CreateAttempt.objects.create(
        submission_key=uuid.uuid4(),
        user=agent,
        campaign=campaign,
        email=CUSTOMER["email"],
        payload=payload,
        state=CreateAttempt.State.FAILED,
        create_api_call_id="A" * 20,
    )
    html = page(agent_client, reverse("attempt-detail", args=[attempt.submission_key]))
    assert title(html) == "Not created: Ana Diaz · Support Desk"
    assert 'data-copy="#create-call-id"' in html


# --- Wording --------------------------------------------------------------------------------------
def test_the_search_box_label_does_not_repeat_the_heading(agent_client):
    html = page(agent_client, reverse("home"))
    assert '<h2 id="lookup-title">Find a customer</h2>' in html
    label = re.search(r'<label for="id_q">(.*?)<', html)
    assert label and label.group(1).strip() == "Email, phone, name, internal ID or RevCent ID"


def test_a_failed_read_after_a_create_does_not_say_nothing_was_changed():
    error = RevCentUnavailable(f"RevCent did not answer in time. {advice.NOTHING_CHANGED} Wait.")
    assert CustomerUnavailable(error, None).message == error.message
    attempt = CreateAttempt(email="a@example.com")
    assert CustomerUnavailable(error, attempt).message == "RevCent did not answer in time. Wait."


@pytest.mark.parametrize(
    ("rows", "label"),
    [(1, "1 audit row"), (256, "256 audit rows"), (COUNT_CAP + 1, "More than 10,000 audit rows")],
)
def test_the_audit_list_counts_rows(rows, label, monkeypatch):
    paginator = CappedCountPaginator(AuditEntry.objects.none(), 50)
    monkeypatch.setattr(CappedCountPaginator, "count", rows)
    assert paginator.count_label == label


def as_agent(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_the_audit_list_says_audit_rows(auditor_client, agent):
    as_agent(agent).get(reverse("customer-detail", args=[JANE]))  # an audit row or two
    html = page(auditor_client, reverse("admin:customers_auditentry_changelist"))
    count = AuditEntry.objects.count()
    assert f'<span data-testid="audit-count">{count} audit rows</span>' in html
    assert not re.search(r"\d+ audit trail", html)  # Django's own line


def test_the_audit_entry_page_copies_its_api_call_id(auditor_client, agent):
    as_agent(agent).get(reverse("customer-detail", args=[JANE]))
    entry = AuditEntry.objects.exclude(api_call_id="").first()
    assert entry is not None
    url = reverse("admin:customers_auditentry_change", args=[entry.pk])
    html = page(auditor_client, url)
    assert f'<span id="api-call-id" data-testid="api-call-id">{entry.api_call_id}</span>' in html
    assert 'data-copy="#api-call-id"' in html and "js/copy.js" in html


def test_a_matchs_country_reads_as_a_name_in_its_dialog(agent_client):
    # The sandbox's María García: +34 912 345 678, in Spain.
    response = agent_client.post(
        reverse("customer-duplicates"),
        {"customer-phone": "+34 912 345 678", "customer-country": "ESP"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<dt>Country</dt><dd>Spain</dd>" in html and "<dd>ESP</dd>" not in html
