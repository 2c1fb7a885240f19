"""The weekly overview digest: the team overview's figures by e-mail to auditors and admins,
each in their own time zone, with a link to the page; every sending audited."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from customers import audit
from customers.audit.overview import Scope, Table, last_days
from customers.audit.settled import overview_figures
from customers.models import AuditEntry, Channel
from customers.team.roles import AUDITORS
from customers.team.timezones import time_zone_of

ACTOR = audit.Actor(name="overview_digest", channel=Channel.COMMAND)


def digest_recipients() -> list[User]:
    """Active auditors and admins with an e-mail address."""
    readers = Q(is_superuser=True) | Q(groups__name=AUDITORS)
    return list(
        User.objects.filter(readers, is_active=True).exclude(email="").distinct().order_by("pk")
    )


def _table_text(table: Table) -> str:
    lines = [table.title, "-" * len(table.title)]
    if not table.rows:
        lines.append("Nothing in this period.")
    for label, cells in table.rows:
        pairs = ", ".join(
            f"{name}: {cell.value}" for name, cell in zip(table.columns[1:], cells, strict=True)
        )
        lines.append(f"{label}: {pairs}")
    return "\n".join(lines)


def digest_text(scope: Scope, tables: dict[str, Table], page_url: str) -> str:
    head = (
        f"The team overview from {scope.first_day:%d %b %Y} to {scope.last_day:%d %b %Y}, "
        f"whole days in {scope.zone} time.\n\nEvery number on the page opens the audit rows "
        f"behind it:\n{page_url}\n"
    )
    return head + "\n\n".join(_table_text(table) for table in tables.values()) + "\n"


def overview_digest_send(*, days: int, site_url: str, now: datetime) -> int:
    """E-mail the last `days` days' figures (today included) to every auditor and admin,
    one message per time zone; returns how many people it went to."""
    by_zone: dict[str, list[User]] = defaultdict(list)
    for user in digest_recipients():
        by_zone[time_zone_of(user)].append(user)
    for name, users in sorted(by_zone.items()):
        scope = last_days(days, zone_name=name, now=now)
        query = urlencode({"period": "range", "start": scope.first_day, "end": scope.last_day})
        url = f"{site_url.rstrip('/')}{reverse('team-overview')}?{query}"
        send_mail(
            subject=f"Support Desk: the team's last {days} days",
            message=digest_text(scope, overview_figures(scope, now=now), url),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email for user in users],
        )
        audit.agent_action(
            action=AuditEntry.Operation.OVERVIEW_DIGEST_SENT,
            actor=ACTOR,
            message=f"The {days}-day team overview ({scope.first_day} to {scope.last_day}, "
            f"{name}) was e-mailed to {', '.join(u.get_username() for u in users)}.",
        )
    return sum(len(users) for users in by_zone.values())
