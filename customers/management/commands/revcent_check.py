from __future__ import annotations

import secrets
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.audit import Actor
from customers.creating.api_call_log import log_customers_made, log_gaps
from customers.revcent import (
    ApiCallRecord,
    Difference,
    RevCentApiError,
    RevCentClient,
    RevCentError,
    contract,
    contract_differences,
    error_mismatches,
    get_client,
)

# An ID of the right form that no RevCent account holds: asking for it shows the error body.
MISSING_ID = "RevcentCheckMissing1"


class Command(BaseCommand):
    help = (
        "Check the configured RevCent (a test-mode key in real life, or the sandbox) against "
        "the contract in customers/revcent/contract.py: search and RevCent's error body; with "
        "--create also CreateCustomer, GetCustomer, CreateNote and GetAPICalls on a clearly "
        "labelled test customer; with --groups also GetCustomerGroups and AddCustomerToGroup. "
        "Prints each operation as CONFIRMED or ASSUMED and what differed. A difference from a "
        "CONFIRMED shape breaks the contract and exits non-zero; one from an ASSUMED shape is "
        "reported as 'assumption differs' and exits non-zero only with --strict."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--create",
            action="store_true",
            help="Also create a test customer (use a TEST-mode API key), note it, read it back.",
        )
        parser.add_argument(
            "--groups",
            action="store_true",
            help="Also add the test customer to one enabled group and read it back "
            "(implies --create; settles AddCustomerToGroup's unverified path).",
        )
        parser.add_argument(
            "--search-term",
            default="revcent-check@example.com",
            help="What to search for; a known customer's e-mail also checks the hits' shape.",
        )
        parser.add_argument(
            "--campaign",
            default="Default Campaign",
            help="RevCent campaign ID or name for the test customer (default: %(default)s).",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Also exit non-zero when an ASSUMED shape is answered otherwise (once every "
            "assumption is settled in contract.py, say).",
        )

    def handle(
        self,
        *args: Any,
        create: bool,
        groups: bool,
        campaign: str,
        search_term: str,
        strict: bool,
        **options: Any,
    ) -> None:
        target = "the built-in sandbox" if settings.REVCENT_SANDBOX else settings.REVCENT_BASE_URL
        self.stdout.write(f"Checking RevCent at {target}")
        self.bodies: list[tuple[str, dict[str, Any]]] = []
        self.problems: list[str] = []  # a CONFIRMED shape or behaviour broken
        self.assumptions: list[str] = []  # an ASSUMED shape answered otherwise
        client = get_client(on_response=lambda op, body: self.bodies.append((op, body)))
        actor = Actor(name="revcent_check")
        try:
            self._check_reads(client, actor, search_term)
            if create or groups:
                customer_id = self._check_create(client, actor, campaign)
                if groups:
                    self._check_groups(client, actor, customer_id)
        except RevCentError as exc:
            raise CommandError(f"{exc.message} (api_call_id: {exc.api_call_id or 'none'})") from exc
        finally:
            client.close()
        self._conclude(strict)

    # Steps ------------------------------------------------------------------------------------
    def _check_reads(self, client: RevCentClient, actor: Actor, term: str) -> None:
        result = client.search_customers(term, actor=actor)
        self._report("SearchCustomers", result.api_call_id)
        try:
            client.get_customer(MISSING_ID, actor=actor)
        except RevCentApiError as exc:
            body = self._last("GetCustomer")
            problems = [Difference(text, True) for text in error_mismatches(body)]
            self._line(
                "Error body",
                "CONFIRMED (documented `default` response)",
                exc.api_call_id,
                problems,
                [f"error_code {exc.error_code!r}, HTTP {exc.http_status}"],
            )
        else:
            self.problems.append(f"GetCustomer {MISSING_ID}: expected an error, got a customer")

    def _check_create(self, client: RevCentClient, actor: Actor, campaign: str) -> str:
        email = f"revcent-check+{secrets.token_hex(4)}@example.com"
        started = int(time.time())
        created = client.create_customer(
            {
                "campaign": campaign,
                "customer": {
                    "first_name": "Support Desk",
                    "last_name": "Connectivity Check",
                    "email": email,
                },
                "metadata": [{"name": "source", "value": "supportdesk revcent_check"}],
            },
            actor=actor,
        )
        self._report("CreateCustomer", created.api_call_id)
        detail = client.get_customer(created.customer_id, actor=actor)
        found = [
            f"customer fields: {detail.layout}",
            f"groups array: {detail.customer_groups_key or 'absent'}",
            f"cards array: {detail.cards_key or 'absent'}",
        ]
        self._report("GetCustomer", detail.api_call_id, found)
        if detail.contact.email.lower() != email:
            self.problems.append(f"GetCustomer: e-mail {detail.contact.email!r} != {email!r}")

        text = "Support Desk revcent_check: connectivity test customer"
        note = client.create_note(created.customer_id, text, actor=actor)
        self._report("CreateNote", note.api_call_id)
        detail = client.get_customer(created.customer_id, actor=actor)
        self.stdout.write(f"  GetCustomer read-back of the note (api_call_id {detail.api_call_id})")
        if not any(n.text == text for n in detail.notes):
            self.problems.append("GetCustomer: the new note is not in `notes`")

        calls = client.get_api_calls(
            date_start=started - 600, date_end=int(time.time()) + 60, actor=actor
        )
        shape = self._last("GetAPICalls").get("results") or [{}]
        keys = sorted(shape[0]) if isinstance(shape[0], dict) else []
        self._report("GetAPICalls", "", [f"item keys: {', '.join(keys) or 'none'}"])
        self._check_api_call_log(calls, created.customer_id)
        return created.customer_id

    def _check_api_call_log(self, calls: list[ApiCallRecord], customer_id: str) -> None:
        """Whether reconciliation (customers/creating/) can use the log's items as served."""
        cannot = []
        if customer_id not in log_customers_made(calls):
            cannot.append(
                "settle 'created': no entry reads as a successful CreateCustomer that made "
                f"the test customer {customer_id}"
            )
        cannot += [f"settle 'never arrived': {gap}" for gap in log_gaps(calls)]
        if not cannot:
            self.stdout.write(
                "      reconciliation can use these items: the test create reads as a "
                f"CreateCustomer that made {customer_id}, and every entry says which operation "
                "it was, so an unanswered create is settled both ways (created, or never arrived)"
            )
            return
        for reason in cannot:
            self.stdout.write(f"      reconciliation cannot {reason}")
        self.stdout.write(
            "      (an unanswered create is then settled by the e-mail search alone, never as "
            "'not created'; add the names this server used to API_CALL_ITEM_KEYS)"
        )
        self.assumptions += [f"GetAPICalls: reconciliation cannot {r}" for r in cannot]

    def _check_groups(self, client: RevCentClient, actor: Actor, customer_id: str) -> None:
        enabled = [g for g in client.get_customer_groups(actor=actor) if g.enabled]
        self._report("GetCustomerGroups", "")
        if not enabled:
            self.problems.append("GetCustomerGroups: no enabled group to test AddCustomerToGroup")
            return
        call_id = client.add_customer_to_groups(customer_id, [enabled[0].id], actor=actor)
        self._report("AddCustomerToGroup", call_id, [f"path {contract.ADD_CUSTOMER_TO_GROUP.path}"])
        detail = client.get_customer(customer_id, actor=actor)
        self.stdout.write(f"  GetCustomer read-back of groups (api_call_id {detail.api_call_id})")
        if enabled[0].id not in {group.id for group in detail.customer_groups}:
            self.problems.append(
                f"AddCustomerToGroup: GetCustomer does not list group {enabled[0].id}"
            )

    # Output -----------------------------------------------------------------------------------
    def _last(self, operation: str) -> dict[str, Any]:
        return next(body for op, body in reversed(self.bodies) if op == operation)

    def _report(self, operation: str, api_call_id: str, found: list[str] | None = None) -> None:
        """Report one call; record how its response differs from the contract."""
        spec = contract.OPERATIONS[operation]
        body = self._last(operation)
        differences = contract_differences(operation, body)
        evidence = f"path {spec.path_evidence}; shape {spec.shape_evidence}"
        call_id = api_call_id or str(body.get("api_call_id", ""))
        self._line(operation, evidence, call_id, differences, found, operation=operation)

    def _line(
        self,
        name: str,
        evidence: str,
        api_call_id: str,
        differences: list[Difference],
        found: list[str] | None = None,
        *,
        operation: str = "",
    ) -> None:
        """Print one call and its differences; record them as breaks or assumptions."""
        breaks = [d.describe(operation or name) for d in differences if d.confirmed]
        assumptions = [d.describe(operation or name) for d in differences if not d.confirmed]
        verdicts = []
        if breaks:
            verdicts.append(f"{len(breaks)} contract break(s)")
        if assumptions:
            verdicts.append(f"{len(assumptions)} assumption(s) differ")
        verdict = ", ".join(verdicts) or "OK"
        self.stdout.write(f"  {name}: {verdict} (api_call_id {api_call_id or 'none'})")
        self.stdout.write(f"      {evidence}")
        for line in found or []:
            self.stdout.write(f"      found: {line}")
        for difference in differences:
            if difference.confirmed:
                where = "item: " if difference.item else ""
                self.stdout.write(f"      differs: {where}{difference.text}")
            else:
                self.stdout.write(f"      {difference.describe(operation or name)}")
        self.problems += breaks
        self.assumptions += assumptions

    def _conclude(self, strict: bool) -> None:
        """Exit non-zero on a broken contract, or on any difference with --strict."""
        failing = self.problems + (self.assumptions if strict else [])
        if failing:
            what = "differ from the contract" if self.problems else "differ from assumptions"
            raise CommandError(f"Responses {what}:\n  " + "\n  ".join(failing))
        if self.assumptions:
            self.stdout.write(
                self.style.WARNING(
                    f"Every CONFIRMED shape holds; {len(self.assumptions)} assumption(s) differ "
                    "(above). They fail the check only with --strict."
                )
            )
            return
        self.stdout.write(self.style.SUCCESS("All responses match the contract."))
