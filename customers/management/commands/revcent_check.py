from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from customers.audit import Actor
from customers.revcent import RevCentError, contract_mismatches, get_client


class Command(BaseCommand):
    help = (
        "Smoke-test the configured RevCent (a test-mode key in real life, or the sandbox): "
        "search, and with --create also create and get a clearly labelled test customer. "
        "Compares every response with the working contract and reports mismatches."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--create",
            action="store_true",
            help="Also create a test customer (use a TEST-mode API key) and read it back.",
        )
        parser.add_argument(
            "--campaign",
            default="Default Campaign",
            help="RevCent campaign ID or name for the test customer (default: %(default)s).",
        )

    def handle(self, *args, create: bool, campaign: str, **options) -> None:
        target = "the built-in sandbox" if settings.REVCENT_SANDBOX else settings.REVCENT_BASE_URL
        self.stdout.write(f"Checking RevCent at {target}")
        bodies: list[tuple[str, dict[str, Any]]] = []
        client = get_client(on_response=lambda op, body: bodies.append((op, body)))
        actor = Actor(name="revcent_check")
        try:
            result = client.search_customers("revcent-check@example.com", actor=actor)
            problems = self._step("SearchCustomers", result.api_call_id, bodies)
            if create:
                email = f"revcent-check+{secrets.token_hex(4)}@example.com"
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
                problems += self._step("CreateCustomer", created.api_call_id, bodies)
                detail = client.get_customer(created.customer_id, actor=actor)
                problems += self._step("GetCustomer", detail.api_call_id, bodies)
                if detail.contact.email.lower() != email:
                    problems.append(f"GetCustomer: e-mail {detail.contact.email!r} != {email!r}")
        except RevCentError as exc:
            raise CommandError(f"{exc.message} (api_call_id: {exc.api_call_id or 'none'})") from exc
        finally:
            client.close()
        if problems:
            raise CommandError("Responses differ from the contract:\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("All responses match the contract."))

    def _step(self, operation: str, api_call_id: str, bodies: list) -> list[str]:
        """Report one call; return how its response differs from the contract."""
        body = next(body for op, body in reversed(bodies) if op == operation)
        mismatches = contract_mismatches(operation, body)
        verdict = "OK" if not mismatches else f"{len(mismatches)} mismatch(es)"
        self.stdout.write(f"  {operation}: api_call_id {api_call_id} — {verdict}")
        return [f"{operation}: {problem}" for problem in mismatches]
