from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.audit import Actor
from customers.creating import reconcile, recovery
from customers.creating.claims import expired_claims_delete
from customers.models import CreateAttempt
from customers.revcent import get_client


class Command(BaseCommand):
    help = (
        "Settle every create whose outcome is unknown (no answer from RevCent, or a process "
        "that died mid-create) from RevCent's API-call log, then an e-mail search: created, "
        "or not created (it never reached RevCent). Never creates again. Says which it could "
        "not settle and why; exits non-zero only if RevCent did not answer for some."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        client, actor = get_client(), Actor(name="reconcile_attempts")
        unsettled = recovery.unsettled_attempts()
        open_, revcent_down = 0, 0
        for attempt in unsettled:
            # The submission key and the agent name the attempt; the customer's e-mail stays
            # out of terminals and job logs.
            where = f"Attempt {attempt.submission_key} by {attempt.user.get_username()}"
            outcome = reconcile.attempt_reconcile_explained(
                attempt=attempt, client=client, actor=actor
            )
            attempt = outcome.attempt
            if attempt.customer_id:
                self.stdout.write(
                    f"{where}: created customer {attempt.customer_id} "
                    f"(found in {attempt.get_settled_by_display()})."
                )
            elif attempt.state == CreateAttempt.State.UNKNOWN:
                open_ += 1
                revcent_down += outcome.revcent_down
                self.stdout.write(f"{where}: not settled: {outcome.why}.")
            elif attempt.settled_by:
                self.stdout.write(
                    f"{where}: not created (it never reached RevCent: "
                    f"{attempt.get_settled_by_display()} and a search for the e-mail show no "
                    "customer made for it); the agent may submit it again."
                )
            else:
                self.stdout.write(f"{where}: {attempt.get_state_display()}. {attempt.message}")
        settled = len(unsettled) - open_
        self.stdout.write(f"{settled} of {len(unsettled)} unsettled creates settled.")
        expired_claims_delete(now=timezone.now())
        if revcent_down:
            # Something this run could have settled was not: RevCent did not answer.
            raise CommandError(
                f"RevCent did not answer for {revcent_down} of the creates left unsettled: "
                "run this again in a few minutes."
            )
        if open_:
            # Not a failure: each says above why it cannot be settled yet (a window not over,
            # several candidates for a person to choose from).
            self.stdout.write(
                f"{open_} could not be settled yet, for the reasons above: run this again "
                "later (after the time given), or settle them by hand."
            )
