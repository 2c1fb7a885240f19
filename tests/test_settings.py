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
    result = run_manage("check", **PRODUCTION, REVCENT_API_KEY="k", AUDIT_CHAIN_KEY=CHAIN_KEY)
    assert result.returncode == 0, result.stderr
