"""The create-customer workflow through the views: search → create → verify."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from customers.forms.create import CustomerCreateForm
from customers.models import CreateAttempt
from tests.audit_helpers import Operation, assert_audited, audit_rows
from tests.helpers import CUSTOMER, create_post, sent_bodies, submission_key
from tests.seeded import DEFAULT_CAMPAIGN, JANE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]
URL = reverse("customer-create")


def test_the_page_offers_the_forms_that_mirror_revcent(agent_client, campaign):
    html = agent_client.get(URL).content.decode()
    for label in (
        "Campaign",
        "First name",
        "Last name",
        "Email",
        "Phone",
        "Company",
        "Address line 1",
        "Address line 2",
        "City",
        "State",
        "ZIP",
        "Country",
        "Billing details differ",
        "Internal customer ID",
        "Add metadata",
    ):
        assert f">{label}" in html, label
    assert '<option value="USA">United States</option>' in html
    assert 'source</span> = <span class="meta-value">supportdesk' in html
    assert "RevCent creates customers by itself at" in html
    assert len(submission_key(html)) == 36


def test_enter_in_a_text_field_presses_a_create_button(agent_client, campaign):
    # Implicit submission presses the form's first submit button: it must create, not add or
    # remove a metadata row, and be neither seen nor reached by Tab or a screen reader.
    data = create_post(campaign, metadata=[("a", "1")])
    data["_action"] = "add_metadata"
    html = agent_client.post(URL, data).content.decode()  # the page without JS, with a row
    form = html[html.index('id="create-form"') :]
    buttons = re.findall(r"<button\b[^>]*>", form)
    assert len(buttons) > 3
    assert 'name="_action"' not in buttons[0]
    assert 'type="submit"' in buttons[0]
    assert 'tabindex="-1"' in buttons[0] and 'aria-hidden="true"' in buttons[0]


def test_the_page_may_stay_in_the_back_forward_cache(agent_client, campaign):
    # Back from a match's customer page returns to the typed form only from the browser's
    # back/forward cache, which `no-store` turns off (the fields have autocomplete="off",
    # so a reloaded page would come back empty).
    response = agent_client.get(URL)
    assert "no-store" not in response.get("Cache-Control", "")


def test_without_a_campaign_the_page_says_what_to_do(agent_client):
    html = agent_client.get(URL).content.decode()
    assert "No campaign is set up yet" in html
    assert "create-button" not in html


def test_an_agent_creates_a_verified_customer(agent_client, campaign, monkeypatch):
    bodies = sent_bodies(monkeypatch)
    response = agent_client.post(URL, create_post(campaign, metadata=[("tier", "gold")]))
    assert response.status_code == 302
    attempt = CreateAttempt.objects.get()
    assert response["Location"] == reverse("customer-detail", args=[attempt.customer_id])
    assert bodies == [
        {
            "campaign": DEFAULT_CAMPAIGN,
            "customer": {**CUSTOMER, "phone": "+13055550199"},
            "metadata": [
                {"name": "source", "value": "supportdesk"},
                {"name": "tier", "value": "gold"},
            ],
        }
    ]

    page = agent_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="verified"' in html
    assert f'data-testid="customer-id">{attempt.customer_id}<' in html
    attempt.refresh_from_db()
    assert attempt.state == CreateAttempt.State.VERIFIED
    assert attempt.create_api_call_id in html
    ops = [(row.operation, row.outcome) for row in audit_rows()]
    assert ("CreateCustomer", "ok") in ops
    assert ops[-1] == ("GetCustomer", "ok")


def test_bill_to_is_sent_only_when_the_switch_is_on(agent_client, campaign, monkeypatch):
    bodies = sent_bodies(monkeypatch)
    off = create_post(campaign, customer={**CUSTOMER, "email": "off@example.com"})
    off["bill_to-first_name"] = "Ignored"
    agent_client.post(URL, off)
    bill_to = {"first_name": "Acme", "last_name": "Billing", "email": "ap@acme.example"}
    agent_client.post(
        URL,
        create_post(
            campaign, customer={**CUSTOMER, "email": "on@x.example", "phone": ""}, bill_to=bill_to
        ),
    )
    assert "bill_to" not in bodies[0]
    assert bodies[1]["bill_to"] == bill_to
    assert all("payment" not in body for body in bodies)


def test_bill_to_requires_names_and_email_when_on(agent_client, campaign):
    response = agent_client.post(URL, create_post(campaign, bill_to={"city": "Austin"}))
    assert response.status_code == 200
    html = response.content.decode()
    # Beside each field, and again in the summary at the top.
    assert html.count('_error">This field is required.') == 3
    assert '<a href="#id_bill_to-email">Email (bill-to): This field is required.</a>' in html
    assert 'value="Austin"' in html
    assert not CreateAttempt.objects.exists()


def test_bill_to_says_nothing_while_the_switch_is_off(agent_client, campaign):
    # Another field's error re-renders the page; the hidden bill-to fields keep what was
    # typed but must not be red the moment the agent turns the switch on.
    data = create_post(campaign, customer={**CUSTOMER, "email": ""})
    data["bill_to-city"] = "Austin"
    html = agent_client.post(URL, data).content.decode()
    assert 'value="Austin"' in html
    assert html.count('_error">This field is required.') == 1
    assert 'id="id_customer-email_error"' in html
    assert "id_bill_to-" not in html.split('id="error-summary"')[1].split("</div>")[0]


def test_a_card_number_in_hidden_bill_to_is_still_refused(campaign):
    data = QueryDict(mutable=True)
    data.update(create_post(campaign))
    data["bill_to-company"] = "4242 4242 4242 4242"
    form = CustomerCreateForm(data)  # data the middleware did not scrub: the form checks
    assert form.is_valid()  # bill-to is not sent with the switch off
    assert form.bill_to.errors["company"].as_data()[0].code == "card_number"
    assert list(form.bill_to.errors) == ["company"]
    assert "bill_to-company" in form.refused_card_fields


def test_a_refused_create_lists_each_error_with_a_link_to_its_field(agent_client, campaign):
    data = create_post(campaign, customer={**CUSTOMER, "email": "", "phone": "12"})
    html = agent_client.post(URL, data).content.decode()
    assert "<title>Error: New customer · Support Desk</title>" in html
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert 'role="alert" tabindex="-1"' in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [field_id for field_id, _ in links] == ["id_customer-email", "id_customer-phone"]
    assert links[0][1] == "Email: This field is required."
    assert 'id="id_customer-email"' in html  # the link's target exists


def test_a_page_without_errors_has_no_summary(agent_client, campaign):
    html = agent_client.get(URL).content.decode()
    assert "<title>New customer · Support Desk</title>" in html
    assert "error-summary" not in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address, like name@example.com."),
        ("phone", "12", "Enter a valid phone number"),
        ("first_name", "", "This field is required."),
        ("country", "US", "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_message_beside_its_field_and_the_rest_is_kept(
    agent_client, campaign, field, value, message
):
    response = agent_client.post(URL, create_post(campaign, customer={**CUSTOMER, field: value}))
    html = response.content.decode()
    assert f'id="id_customer-{field}_error">{message}' in html
    assert 'value="Diaz"' in html and 'value="Miami"' in html
    assert not CreateAttempt.objects.exists()
    assert not audit_rows(operation=Operation.CREATE_CUSTOMER)


def test_whitespace_is_trimmed(agent_client, campaign, monkeypatch):
    bodies = sent_bodies(monkeypatch)
    agent_client.post(
        URL, create_post(campaign, customer={**CUSTOMER, "first_name": "  Ana  ", "zip": " 33130 "})
    )
    assert bodies[0]["customer"]["first_name"] == "Ana"
    assert bodies[0]["customer"]["zip"] == "33130"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ([("a" * 101, "x")], "Ensure this value has at most 100 characters"),
        ([("note", "v" * 256)], "Ensure this value has at most 255 characters"),
        ([("note", "a"), ("Note", "b")], "Each name may be used once."),
        ([("source", "phone")], "is set by Support Desk itself"),
        ([("customer password", "hunter2")], "must not hold passwords"),
        ([("api_key", "abc")], "must not hold passwords"),
        ([("note", "")], "This field is required."),
    ],
)
def test_metadata_limits(agent_client, campaign, metadata, message):
    response = agent_client.post(URL, create_post(campaign, metadata=metadata))
    assert message in response.content.decode()
    assert not CreateAttempt.objects.exists()


def test_a_secret_metadata_value_is_not_shown_back(agent_client, campaign):
    post = create_post(campaign, metadata=[("card_cvv", "739"), ("plan", "gold")])
    html = agent_client.post(URL, post).content.decode()
    assert "must not hold passwords" in html
    assert 'value="739"' not in html  # the CVV is gone from the form shown again
    assert 'value="card_cvv"' in html and 'value="gold"' in html  # the rest is kept


def test_metadata_company_name_is_not_mistaken_for_a_secret(agent_client, campaign):
    response = agent_client.post(URL, create_post(campaign, metadata=[("company", "Acme")]))
    assert response.status_code == 302


def test_add_and_remove_metadata_rows_with_htmx(agent_client, campaign):
    data = create_post(campaign, metadata=[("a", "1"), ("b", "2")])
    data["_action"] = "add_metadata"
    response = agent_client.post(URL, data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith('\n      <div id="metadata-rows"') or 'id="metadata-rows"' in html[:80]
    assert "<html" not in html
    assert html.count('data-testid="metadata-row"') == 3
    assert 'name="metadata-TOTAL_FORMS" value="3"' in html

    data["_action"] = "remove_metadata:0"
    html = agent_client.post(URL, data, headers={"HX-Request": "true"}).content.decode()
    assert html.count('data-testid="metadata-row"') == 1
    assert 'value="b"' in html and 'value="a"' not in html


def test_add_metadata_row_works_without_javascript(agent_client, campaign):
    data = create_post(campaign)
    data["_action"] = "add_metadata"
    response = agent_client.post(URL, data)
    html = response.content.decode()
    assert "<html" in html
    assert html.count('data-testid="metadata-row"') == 1
    assert not CreateAttempt.objects.exists()


def test_adding_a_metadata_row_without_javascript_finds_no_fault_yet(agent_client, campaign):
    data = create_post(campaign, customer={**CUSTOMER, "email": ""})
    data["_action"] = "add_metadata"
    html = agent_client.post(URL, data).content.decode()
    assert 'value="Diaz"' in html
    assert "This field is required." not in html
    assert "error-summary" not in html


def test_a_strong_duplicate_blocks_the_create(agent_client, campaign):
    data = create_post(campaign, customer={**CUSTOMER, "email": "JANE@example.com"})
    response = agent_client.post(URL, data)
    html = response.content.decode()
    assert 'data-testid="duplicate-gate"' in html
    assert "This customer may already exist" in html
    assert "Email matches" in html
    assert reverse("customer-detail", args=[JANE]) in html
    assert not audit_rows(operation=Operation.CREATE_CUSTOMER)


def test_create_anyway_needs_a_reason_and_is_audited(agent_client, campaign):
    data = create_post(
        campaign, customer={**CUSTOMER, "email": "jane@example.com"}, create_anyway="on"
    )
    response = agent_client.post(URL, data)
    assert "Say in a sentence why" in response.content.decode()

    data["options-override_reason"] = "Caller is Jane's daughter, same shared inbox."
    response = agent_client.post(URL, data)
    assert response.status_code == 302
    [override] = assert_audited(Operation.DUPLICATE_OVERRIDE)
    assert override.kind == "agent_action"
    attempt = CreateAttempt.objects.get()
    assert override.message == (
        f"Chose to create anyway despite a strong match with {JANE} (Email matches), reason: "
        "“Caller is Jane's daughter, same shared inbox.”. Result: customer "
        f"{attempt.customer_id} was created (CreateCustomer call {attempt.create_api_call_id})."
    )
    assert override.username == "alice"
    # On the new customer's own timeline, in the sentence above.
    assert override.customer_id == attempt.customer_id
    page = agent_client.get(reverse("customer-detail", args=[attempt.customer_id])).content
    assert "Chose to create anyway despite a strong match with" in page.decode()


def test_an_override_after_a_failed_search_says_so(agent_client, campaign):
    data = create_post(
        campaign,
        customer={**CUSTOMER, "email": "sandbox-network-error@example.com"},
        create_anyway="on",
        override_reason="RevCent search is down, customer is new.",
    )
    agent_client.post(URL, data)
    [override] = assert_audited(Operation.DUPLICATE_OVERRIDE)
    # The sandbox's network fault fails the create too: it got no answer.
    assert override.message == (
        "Chose to create anyway although the duplicate search failed, reason: "
        "“RevCent search is down, customer is new.”. Result: not known yet: RevCent did not "
        "answer the create, and Support Desk checks RevCent for the customer before anything else."
    )


def test_a_recent_local_create_counts_as_a_duplicate(agent_client, campaign):
    assert agent_client.post(URL, create_post(campaign)).status_code == 302
    again = create_post(campaign, customer={**CUSTOMER, "phone": ""})
    html = agent_client.post(URL, again).content.decode()
    assert "This customer may already exist" in html
    assert "Created here by alice" in html


def test_the_same_submission_key_never_creates_twice(agent_client, campaign):
    data = create_post(campaign)
    first = agent_client.post(URL, data)
    second = agent_client.post(URL, data)
    assert first["Location"] == second["Location"]
    assert_audited(Operation.CREATE_CUSTOMER)
    assert CreateAttempt.objects.count() == 1


def test_revcent_validation_errors_land_at_their_field(agent_client, campaign, monkeypatch):
    from customers.revcent import RevCentApiError, RevCentClient

    def refuse(self, payload, *, actor):
        raise RevCentApiError(
            "RevCent refused the request: customer.zip is not valid here.",
            http_status=400,
            code=0,
        )

    monkeypatch.setattr(RevCentClient, "create_customer", refuse)
    data = create_post(campaign)
    html = agent_client.post(URL, data).content.decode()
    assert 'id="id_customer-zip_error">RevCent refused the request: customer.zip' in html
    assert 'value="Ana"' in html
    # A fresh key, so correcting the field and submitting again is a new attempt.
    assert submission_key(html) != data["options-submission_key"]
    assert CreateAttempt.objects.get().state == CreateAttempt.State.FAILED


def test_an_upstream_failure_is_explained_and_audited(agent_client, campaign):
    data = create_post(campaign, customer={**CUSTOMER, "email": "sandbox-server-error@example.com"})
    # The duplicate search for that e-mail fails too, so confirm the override first.
    data.update(
        {"options-create_anyway": "on", "options-override_reason": "Testing failures here."}
    )
    response = agent_client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "simulated internal error" in html
    assert 'value="Diaz"' in html
    [row] = assert_audited(Operation.CREATE_CUSTOMER)
    assert row.outcome == "api_error" and row.http_status == 500
    # The override the agent already gave is still ticked, with its reason, for the retry.
    assert 'name="options-create_anyway" id="id_options-create_anyway" checked' in html
    assert "Testing failures here.</textarea>" in html


def test_timeout_after_create_is_reconciled_to_the_created_customer(agent_client, campaign):
    email = "sandbox-timeout-after-create@example.com"
    response = agent_client.post(URL, create_post(campaign, customer={**CUSTOMER, "email": email}))
    attempt = CreateAttempt.objects.get()
    assert attempt.state == CreateAttempt.State.CREATED
    assert response["Location"] == reverse("customer-detail", args=[attempt.customer_id])
    html = agent_client.get(response["Location"]).content.decode()
    assert "its API-call log shows it arrived and made this customer" in html
    assert attempt.settled_by == CreateAttempt.SettledBy.API_CALL_LOG
    outcomes = [(row.operation, row.outcome) for row in audit_rows()]
    assert ("CreateCustomer", "timeout") in outcomes
    assert ("GetAPICalls", "ok") in outcomes
    assert outcomes.count(("CreateCustomer", "timeout")) == 1


def test_timeout_before_create_is_unknown_and_never_silently_retried(agent_client, campaign):
    data = create_post(campaign, customer={**CUSTOMER, "email": "sandbox-timeout@example.com"})
    data.update({"options-create_anyway": "on", "options-override_reason": "Search is down too."})
    response = agent_client.post(URL, data)
    attempt = CreateAttempt.objects.get()
    assert attempt.state == CreateAttempt.State.UNKNOWN
    assert response["Location"] == reverse("attempt-detail", args=[attempt.submission_key])
    html = agent_client.get(response["Location"]).content.decode()
    assert "can't tell yet whether the customer was created" in html
    # Submitting the same form again shows the same attempt; it does not create.
    again = agent_client.post(URL, data)
    assert again["Location"] == response["Location"]
    assert_audited(Operation.CREATE_CUSTOMER)


def test_auditors_cannot_create(auditor_client, campaign):
    assert auditor_client.post(URL, create_post(campaign)).status_code == 403
    assert not audit_rows(kind="api_call")


def test_anonymous_is_sent_to_login(client, campaign):
    response = client.post(URL, create_post(campaign))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_form_key_of_another_agent_is_refused(client, make_user, agent_client, campaign):
    data = create_post(campaign)
    agent_client.post(URL, data)
    other = make_user("bob", group="Support agents")
    client.force_login(other)
    assert client.post(URL, data).status_code == 403
