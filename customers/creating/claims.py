"""One create at a time per person: claims on normalized identities, held in the database.

Two agents may type the same person into two different forms at once (different names,
phones, the e-mail in another case). The duplicate check cannot stop that alone: both
search before either has created. So a create first claims every strong identifier it
carries (normalized e-mail, phone, internal ID; matching.identity_keys) and holds the claims
until CreateCustomer has answered and the attempt records the outcome; the duplicate gate
then runs again inside the claims, where it sees the customer a create that just finished
made.

Why a claim table and not PostgreSQL advisory locks: the claims must be held across the
RevCent call, which never runs inside a transaction (the audit writer refuses; a rollback
must not take a call's audit row with it), so a transaction-scoped lock cannot be used. A
session advisory lock could, but it lives on one database connection (lost silently when
that connection is recycled, and meaningless behind a transaction-pooling proxy), it needs a
different fallback on SQLite, and no other process can tell whether a given create still
holds it. A row per claimed identity, with a unique key, works the same on SQLite and
PostgreSQL and across app servers (the database decides who inserted first); it is taken
and released in autocommit, it expires (so a process killed mid-create blocks no one for
longer than a create may take), and "does this attempt still hold a live claim?" is a query,
which crash recovery uses to tell a running create from an abandoned one (recovery.py).
The price: a waiter polls instead of being woken, and a crashed holder's claims block
creates for that person until they expire (claim_ttl).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

Clock = Callable[[], datetime]

# Beyond RevCent's own deadline, the database work around the call (audit rows, the attempt)
# may take this long before a holder is presumed dead. Generous: a live create taken for
# dead could be sent twice, while a dead one merely blocks its person a little longer.
CLAIM_MARGIN = timedelta(seconds=60)
# A waiter waits for one create (RevCent's deadline) and a little more, then gives up and the
# agent submits again: well within a gunicorn worker's timeout, however long a dead
# holder's claims take to expire.
WAIT_MARGIN = timedelta(seconds=5)
POLL_FIRST = 0.05
POLL_MAX = 0.5


class IdentityClaim(models.Model):
    """A create holding one identity (normalized e-mail, phone or internal ID)."""

    # SHA-256 of "email:ana@example.com" and the like: a fixed length for the unique index,
    # and the customer's e-mail in no further table.
    key = models.CharField(max_length=64, unique=True)
    # The submission key of the create holding it: recovery asks whether an attempt still
    # holds a live claim.
    holder = models.UUIDField(db_index=True)
    # This one acquisition: two requests of one form (same holder) each release only theirs.
    token = models.UUIDField(db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "customers"

    def __str__(self) -> str:
        return f"claim by {self.holder} until {self.expires_at:%H:%M:%S}"


class IdentityBusy(Exception):
    """Another create for this person held it longer than a create may; try again."""


def claim_ttl() -> timedelta:
    """How long a create may hold its claims: RevCent's deadline for one call plus a margin
    for the database work around it. A create older than this with no live claim was
    abandoned (its process died)."""
    return timedelta(seconds=settings.REVCENT_TIMEOUT_SECONDS) + CLAIM_MARGIN


def _digest(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()


@contextmanager
def identities_claimed(
    identities: Iterable[str],
    *,
    holder: uuid.UUID,
    clock: Clock = timezone.now,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold every identity for the block, waiting while another create holds one of them.

    Raises IdentityBusy if one stays held for longer than a create takes (RevCent's deadline
    and WAIT_MARGIN): a slow create, or one whose process died (its claims expire after
    claim_ttl). Released when the block ends, however it ends.
    """
    token = uuid.uuid4()
    _acquire(sorted({_digest(i) for i in identities}), holder, token, clock, sleep)
    try:
        yield
    finally:
        IdentityClaim.objects.filter(token=token).delete()


def _acquire(
    keys: list[str],
    holder: uuid.UUID,
    token: uuid.UUID,
    clock: Clock,
    sleep: Callable[[float], None],
) -> None:
    ttl = claim_ttl()
    patience = timedelta(seconds=settings.REVCENT_TIMEOUT_SECONDS) + WAIT_MARGIN
    give_up_at = clock() + patience
    wait, waited = POLL_FIRST, 0.0
    while True:
        now = clock()
        claims = [
            IdentityClaim(key=key, holder=holder, token=token, expires_at=now + ttl)
            for key in keys  # sorted: two creates claiming A and B never wait on each other
        ]
        try:
            with transaction.atomic():  # all or none, committed at once (autocommit after)
                IdentityClaim.objects.bulk_create(claims)
            return
        except IntegrityError:
            pass
        # Someone holds one. A claim past its expiry belongs to a create that died: take it
        # over at once. The condition is in the DELETE itself, so a claim another waiter has
        # just taken is never removed.
        if IdentityClaim.objects.filter(key__in=keys, expires_at__lte=now).delete()[0]:
            continue
        # Both bounds: the clock may be a test's frozen one, the sleeps a test's no-op.
        if clock() >= give_up_at or waited >= patience.total_seconds():
            raise IdentityBusy("Another create for this customer is still running.")
        sleep(wait)
        waited += wait
        wait = min(wait * 2, POLL_MAX)


def holds_live_claim(holder: uuid.UUID, *, now: datetime) -> bool:
    """Is a process still working on the create with this submission key?"""
    return IdentityClaim.objects.filter(holder=holder, expires_at__gt=now).exists()


def expired_claims_delete(*, now: datetime) -> int:
    """Remove the claims that dead processes left (a waiter for that person would anyway)."""
    deleted, _ = IdentityClaim.objects.filter(expires_at__lte=now).delete()
    return deleted
