"""The team overview's figures, for each way they are read: the page, its CSV, the digest.

Nothing happens when a card link lapses, so each read records the links that lapsed since
the last one before it counts (card_links_lapse); else "Card links expired unused" would lag
the links until the hourly schedule ran. One place, so no way in forgets it.
"""

from __future__ import annotations

from django.utils import timezone

from customers.audit.digest import overview_digest_send
from customers.audit.overview import Scope, Table
from customers.audit.settled import overview_figures
from customers.existing.cardlinks import card_links_lapse


def overview_read(scope: Scope) -> dict[str, Table]:
    """The figures of the scope as they stand now."""
    now = timezone.now()
    card_links_lapse(now=now)
    return overview_figures(scope, now=now)


def overview_digest(*, days: int, site_url: str) -> int:
    """E-mail the last `days` days' figures to every auditor and admin; how many got it."""
    now = timezone.now()
    card_links_lapse(now=now)
    return overview_digest_send(days=days, site_url=site_url, now=now)
