"""Sign-in lock-out behind load balancers: keyed to the client, never to the proxy.

Each trusted proxy appends the address it heard from to X-Forwarded-For; the last proxy is
the connection itself (REMOTE_ADDR). Addresses are public ones (not documentation ranges),
as a real client's would be.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from customers.team.clientip import client_ip

pytestmark = pytest.mark.django_db
ALICE_HOME = "81.2.69.160"
ALICE_PHONE = "81.2.69.161"
ATTACKER = "175.16.199.1"
PROXY_1, PROXY_2 = "10.0.0.1", "10.0.0.2"


def ip_of(remote: str, forwarded: str | None = None) -> str | None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(request)


def test_with_no_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ip_of(ATTACKER) == ATTACKER
    assert ip_of(ATTACKER, forwarded=ALICE_HOME) == ATTACKER


def test_behind_one_proxy_the_client_is_the_entry_it_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip_of(PROXY_1, forwarded=ALICE_HOME) == ALICE_HOME
    # A client that sends its own header only adds entries to the left of the proxy's.
    assert ip_of(PROXY_1, forwarded=f"{ALICE_HOME}, {ATTACKER}") == ATTACKER
    assert ip_of(PROXY_1, forwarded=f"not-an-ip, {ATTACKER}") == ATTACKER
    assert ip_of(PROXY_1, forwarded=f"{ATTACKER}:51234") == ATTACKER
    # Not through the proxy at all (a health check on the app server): the peer.
    assert ip_of(PROXY_1) == PROXY_1


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert ip_of(PROXY_2, forwarded=f"{ALICE_HOME}, {PROXY_1}") == ALICE_HOME
    assert ip_of(PROXY_2, forwarded=f"{ALICE_HOME}, {ATTACKER}, {PROXY_1}") == ATTACKER
    assert ip_of(PROXY_2, forwarded="2001:db8::7, 10.0.0.1") == "2001:db8::7"


def sign_in(client, password: str, *, remote: str, forwarded: str | None = None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client.post(
        reverse("login"),
        {"username": "alice", "password": password},
        REMOTE_ADDR=remote,
        **headers,
    )


@pytest.mark.parametrize("proxies", [1, 2])
def test_ten_failures_from_one_client_do_not_lock_out_another(settings, client, agent, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    hops = [PROXY_1, PROXY_2][:proxies]
    edge = hops[-1]  # the connection the app sees

    def chain(address: str, claimed: str = "") -> str:
        return ", ".join(part for part in (claimed, address, *hops[:-1]) if part)

    for _ in range(10):
        sign_in(client, "wrong", remote=edge, forwarded=chain(ATTACKER))
    assert sign_in(client, "pw-alice", remote=edge, forwarded=chain(ATTACKER)).status_code == 429
    # Alice, from her own address through the same proxies, signs in.
    response = sign_in(client, "pw-alice", remote=edge, forwarded=chain(ALICE_HOME))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_spoofed_header_cannot_pick_the_address_it_is_locked_under(settings, client, agent):
    settings.TRUSTED_PROXY_COUNT = 1
    # Ten failures, each claiming to come from Alice's phone: the lock falls on the
    # attacker's own address, which the proxy wrote.
    for _ in range(10):
        sign_in(client, "wrong", remote=PROXY_1, forwarded=f"{ALICE_PHONE}, {ATTACKER}")
    assert sign_in(client, "pw-alice", remote=PROXY_1, forwarded=ATTACKER).status_code == 429
    assert sign_in(client, "pw-alice", remote=PROXY_1, forwarded=ALICE_PHONE).status_code == 302


def test_with_no_proxy_configured_a_forged_header_changes_nothing(settings, client, agent):
    settings.TRUSTED_PROXY_COUNT = 0
    for index in range(10):
        # A new made-up address each time: still one client, locked as one.
        sign_in(client, "wrong", remote=ATTACKER, forwarded=f"81.2.69.{index}")
    assert sign_in(client, "pw-alice", remote=ATTACKER, forwarded="81.2.69.99").status_code == 429
