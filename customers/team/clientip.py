"""The client's address, as the sign-in lock-out (django-axes) keys it.

Behind TRUSTED_PROXY_COUNT proxies, each proxy appends the address it heard from to
X-Forwarded-For and the last one is REMOTE_ADDR. So the client is the entry that many places
from the right: whatever stands to its left was written by the client and proves nothing.
django-ipware reads the header (ports, IPv6, RFC 7239 forms); we only tell it how many
entries to trust. Its "proxy_count" counts the proxies *listed in* the header, which is one
fewer than the proxies in front of us (the last one is REMOTE_ADDR, not in the header).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware.ip import get_client_ip


def client_ip(request: HttpRequest) -> str | None:
    """The address that sent the request to our first trusted proxy (or to us, with none)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies == 0:
        # No proxy: X-Forwarded-For is whatever the client chose to send.
        return remote
    address, _ = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        # Not strict: entries the client wrote itself (unparseable or extra) stay on the
        # left and are skipped; the trusted proxies' entries on the right still count.
        strict=False,
    )
    # No usable header: the request did not come through the proxies (a health check on
    # the app server itself, say), so the peer is all we know.
    return address or remote
