"""Start-up configuration: bad values stop the app with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "k" * 30 + "abcdefghijklmnopqrstuvwxyz"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "support.example.com",
    "DATABASE_URL": "sqlite:////tmp/supportdesk-check.sqlite3",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REVCENT_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("CACHE_URL", None)
    clean["DJANGO_SETTINGS_MODULE"] = "supportdesk.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_key():
    from supportdesk.settings import DEV_SECRET_KEY

    result = run_manage("check", DEBUG="false", SECRET_KEY=DEV_SECRET_KEY)
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "ture", "DEBUG must be true or false"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a valid URL"),
        ("CACHE_URL", "nosuchcache://x", "CACHE_URL is not a valid URL"),
        ("EMAIL_URL", "nosuchmail://x", "EMAIL_URL is not a valid URL"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("AUDIT_CHAIN_LEGACY_END", "12:abc", "AUDIT_CHAIN_LEGACY_END: An anchor looks like"),
    ],
)
def test_bad_values_name_the_variable(name, value, message):
    result = run_manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_documented_production_environment_passes_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    settings_py = (ROOT / "supportdesk" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env(?:_bool|_int|_url|\.str|\.list)\(\s*"([A-Z_]+)"', settings_py))
    assert read, "the pattern no longer finds the settings' variables"
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.M))
    assert read - documented == set()


CHAIN_KEY = "k1:" + "Q" * 10 + "w8Rt2Yp5Ls9Df3Gh7Jk1Zx4Cv6Bn0Mq"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "AUDIT_CHAIN_KEY must be set when talking to RevCent with DEBUG off"),
        ({"AUDIT_CHAIN_KEY": "k1:short"}, "AUDIT_CHAIN_KEY must be <key id>:<secret>"),
        ({"AUDIT_CHAIN_KEY": "k1:" + GOOD_KEY}, "AUDIT_CHAIN_KEY must not be the SECRET_KEY"),
        (
            {"AUDIT_CHAIN_KEY": CHAIN_KEY, "AUDIT_CHAIN_OLD_KEYS": CHAIN_KEY},
            "Audit chain key ID 'k1' is used twice",
        ),
    ],
)
def test_talking_to_revcent_needs_a_separate_audit_chain_key(extra, message):
    result = run_manage("check", **PRODUCTION, REVCENT_API_KEY="live-key", **extra)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_good_audit_chain_key_starts():
    result = run_manage(
        "check", **PRODUCTION, REVCENT_API_KEY="k", AUDIT_CHAIN_KEY=CHAIN_KEY, MERCHANT_NAME="Acme"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "",
            "MERCHANT_NAME must be set when talking to RevCent (REVCENT_API_KEY is set): "
            "card-link e-mails name the merchant, so that customers know who asks for their "
            'card. Example: MERCHANT_NAME="Acme Outdoor Supply"',
        ),
        ("   ", "MERCHANT_NAME must be set when talking to RevCent"),
        ("Acme\nBcc: x@example.com", "MERCHANT_NAME must be one line of at most 100 characters."),
        ("A" * 101, "MERCHANT_NAME must be one line of at most 100 characters."),
    ],
)
@pytest.mark.parametrize("debug", ["false", "true"])
def test_talking_to_revcent_needs_the_merchants_name(name, message, debug):
    result = run_manage(
        "check",
        **{**PRODUCTION, "DEBUG": debug},
        REVCENT_API_KEY="live-key",
        AUDIT_CHAIN_KEY=CHAIN_KEY,
        MERCHANT_NAME=name,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_the_merchants_name_has_a_sandbox_default_and_is_kept_as_typed():
    from supportdesk.settings import merchant_name

    assert merchant_name("", sandbox=True) == "Support Desk sandbox merchant"
    assert merchant_name("  Acme Outdoor Supply ", sandbox=False) == "Acme Outdoor Supply"
    assert merchant_name("Café Ñandú", sandbox=True) == "Café Ñandú"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("k1:" + "abcd" * 10, "only 4 different characters"),
        ("k1:" + "0123456789abcdefgh" * 2, "only 18 different characters"),
        ("dev:insecure-audit-chain-key-for-sandbox-or-debug-only", "it is the development key"),
    ],
)
@pytest.mark.parametrize("mode", [{"REVCENT_API_KEY": "live-key"}, {"DEBUG": "true"}])
def test_a_guessable_audit_chain_key_is_refused_whatever_the_mode(key, reason, mode):
    result = run_manage("check", **{**PRODUCTION, **mode}, AUDIT_CHAIN_KEY=key)
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY's secret must be long and random" in result.stderr
    assert reason in result.stderr


def test_generated_audit_chain_keys_pass_the_estimate():
    import secrets

    from supportdesk.settings import audit_chain_key_weakness

    keys = ["k1:" + secrets.token_urlsafe(48) for _ in range(1000)]
    assert [key for key in keys if audit_chain_key_weakness(key)] == []
    assert audit_chain_key_weakness(CHAIN_KEY) == ""


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("abcde" * 10, "only 5 different characters"),
        ("0123456789abcdefgh" * 3, "only 18 different characters"),
        ("Secret" * 5 + "-key", "fewer than 50"),
    ],
)
def test_production_refuses_a_guessable_secret_key(key, reason):
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a long random value" in result.stderr
    assert reason in result.stderr


def test_generated_keys_pass_the_estimate():
    import secrets

    from django.core.management.utils import get_random_secret_key

    from customers.keys import entropy_bits, secret_key_weakness

    keys = [get_random_secret_key() for _ in range(500)]
    keys += [secrets.token_urlsafe(64) for _ in range(500)]
    assert [key for key in keys if secret_key_weakness(key)] == []
    # The weakest of a thousand generated keys still has far more than the 128 bits needed.
    assert min(entropy_bits(key) for key in keys) > 200
    assert secret_key_weakness(GOOD_KEY) == ""
    assert round(entropy_bits("abcde" * 10)) == 116  # log2(5) bits a character, 50 of them


@pytest.mark.parametrize("email_url", [None, "consolemail://"])
def test_production_refuses_to_print_e_mail_to_the_console(email_url):
    production = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    if email_url:
        production["EMAIL_URL"] = email_url
    clean = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", clean)
        result = run_manage("check", **production)
    assert result.returncode != 0
    assert "EMAIL_URL must be set when DEBUG is off" in result.stderr


def test_with_debug_on_the_console_is_fine():
    result = run_manage("check", DEBUG="true", SECRET_KEY="", EMAIL_URL="consolemail://")
    assert result.returncode == 0, result.stderr


def test_a_redis_cache_url_gets_the_cache_that_reuses_its_client():
    # django-environ names Django's own backend for redis://; the swap had looked for
    # django-redis's name only, so production ran Django's (a client built per operation).
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        DEBUG="true",
        CACHE_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "customers.web.cache.SharedRedisCache"


def test_the_redis_cache_reuses_one_client_per_server():
    # Django's own builds a redis-py client (~300 reply handlers) for every operation.
    from customers.web.cache import SharedRedisCache

    cache = SharedRedisCache("redis://127.0.0.1:1/0", {})
    client = cache._cache.get_client("key")
    assert cache._cache.get_client("other", write=True) is client
    # The stubs leave out this private method of Django's Redis client; the test means it.
    pool = cache._cache._get_connection_pool(write=False)  # type: ignore[attr-defined]
    assert client.connection_pool is pool
