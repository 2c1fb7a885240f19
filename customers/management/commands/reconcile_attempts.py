from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers import attempts, recovery
from customers.audit import Actor
from customers.claims import expired_claims_delete
from customers.models import CreateAttempt
from customers.revcent import get_client


class Command(BaseCommand):
    help = (
        "Settle every create whose outcome is unknown (no answer from RevCent, or a process "
        "that died mid-create) from RevCent's API-call log, then an e-mail search. Never "
        "creates again. Exits non-zero if some stay unknown."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        client, actor = get_client(), Actor(name="reconcile_attempts")
        unsettled = recovery.unsettled_attempts()
        still_unknown = 0
        for attempt in unsettled:
            # The submission key and the agent name the attempt; the customer's e-mail stays
            # out of terminals and job logs.
            where = f"Attempt {attempt.submission_key} by {attempt.user.get_username()}"
            attempt = attempts.attempt_reconcile(attempt=attempt, client=client, actor=actor)
            if attempt.customer_id:
                self.stdout.write(
                    f"{where}: created customer {attempt.customer_id} "
                    f"(found in {attempt.get_settled_by_display()})."
                )
            elif attempt.state == CreateAttempt.State.UNKNOWN:
                still_unknown += 1
                self.stdout.write(f"{where}: still unknown. {attempt.message}")
            else:
                self.stdout.write(f"{where}: {attempt.get_state_display()}. {attempt.message}")
        settled = len(unsettled) - still_unknown
        self.stdout.write(f"{settled} of {len(unsettled)} unsettled creates settled.")
        expired_claims_delete(now=timezone.now())
        if still_unknown:
            raise CommandError(
                f"{still_unknown} creates are still unknown: run this again in a few minutes "
                "(RevCent's search can lag), then settle what remains by hand."
            )
