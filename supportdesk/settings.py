"""Settings for Support Desk, read from the environment (see .env.example).

Every variable is read here and nowhere else. A bad value stops the app at start-up
with a message that names the variable, so a typo never becomes a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from customers.anchor import Anchor
from customers.keys import secret_key_weakness
from customers.web.limits import MAX_BODY_BYTES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# Only ever accepted with DEBUG on; anything shorter or this exact value is refused in production.
DEV_SECRET_KEY = "insecure-development-key-only-for-make-run-with-debug-on"


def env_bool(name: str, default: bool) -> bool:
    # django-environ reads "ture" as False; a switch that silently flips is worse than a crash.
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_url(name: str, default: str, parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    raw = env.str(name, default=default)
    try:
        return parse(raw)
    except Exception as exc:  # django-environ raises several kinds; all mean "bad value"
        raise ImproperlyConfigured(f"{name} is not a valid URL for this setting: {exc}") from None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG:
    _weak = "it is the development key" if SECRET_KEY == DEV_SECRET_KEY else ""
    _weak = _weak or secret_key_weakness(SECRET_KEY)
    if _weak:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set to a long random value when DEBUG is off ({_weak}). "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "supportdesk.apps.SupportDeskAdminConfig",  # django.contrib.admin, our site class
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "customers",
    "customers.sandbox",
]

MIDDLEWARE = [
    # First: a request over a cap (customers/web/limits.py) is refused before anything reads it.
    "customers.web.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "customers.web.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's own time zone for every time shown (customers/team/timezones.py).
    "customers.team.timezones.TimeZoneMiddleware",
    # The user's groups and permissions from the shared cache, not three queries a request.
    "customers.team.permcache.PermissionCacheMiddleware",
    # Before any view or form reads the request: card numbers are blanked at the door.
    "customers.cardguard.middleware.CardNumberGuardMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "customers.team.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "customers.team.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "customers.team.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so a locked-out sign-in attempt is answered by axes before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "customers.web.context_processors.product",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}", env.db_url_config)
}
_db = DATABASES["default"]
if "." not in _db.get("ENGINE", ""):
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid URL for this setting: unknown scheme {_db.get('ENGINE')!r}."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer commits; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock when two requests write at once.
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    _db.setdefault("CONN_MAX_AGE", 60)
    _db.setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared between app servers when CACHE_URL names Redis) ------------------------
_cache = env_url("CACHE_URL", "locmemcache://supportdesk", env.cache_url_config)
if _cache["BACKEND"] in (
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
):
    # Django's own Redis backend (it needs only the redis package, not django-redis), with
    # one client per server kept rather than one built per operation (customers/web/cache.py).
    _cache["BACKEND"] = "customers.web.cache.SharedRedisCache"
CACHES = {"default": _cache}
# Whether every process of every app server sees the same cache. Only then are sessions and
# each user's permissions read from it: a local-memory cache is one process's own, and a
# sign-out or a role change made in one process would not reach the others.
CACHE_SHARED = env_bool("CACHE_SHARED", _cache["BACKEND"].endswith("RedisCache"))

# --- E-mail -------------------------------------------------------------------------------
_email = env_url("EMAIL_URL", "consolemail://", env.email_url_config)
if not DEBUG and _email["EMAIL_BACKEND"].endswith(("console.EmailBackend", "locmem.EmailBackend")):
    # Card links would be printed to the server's log instead of reaching the customer.
    raise ImproperlyConfigured(
        "EMAIL_URL must be set when DEBUG is off: without it card-link e-mails are only "
        "printed to the console. Example: EMAIL_URL=smtp+tls://user:password@smtp.example.com:587"
    )
# Django 6.1 "mailers": map django-environ's EMAIL_* keys to the backend's own options.
_EMAIL_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
    "EMAIL_FILE_PATH": "file_path",
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            option: _email[key]
            for key, option in _EMAIL_OPTIONS.items()
            if _email.get(key) not in (None, "")
            and (option != "file_path" or "filebased" in _email["EMAIL_BACKEND"])
            and (option == "file_path" or "smtp" in _email["EMAIL_BACKEND"])
        },
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support-desk@localhost")

# --- RevCent ------------------------------------------------------------------------------
REVCENT_API_KEY = env.str("REVCENT_API_KEY", default="")
REVCENT_BASE_URL = env.str("REVCENT_BASE_URL", default="https://api.revcent.com/v2").rstrip("/")
# With no key the app talks to its built-in sandbox, never to RevCent.
REVCENT_SANDBOX = not REVCENT_API_KEY
REVCENT_SANDBOX_LATENCY_MS = env_int("REVCENT_SANDBOX_LATENCY_MS", 0)
REVCENT_TIMEOUT_SECONDS = env_int("REVCENT_TIMEOUT_SECONDS", 20, minimum=1)

# --- Audit trail ---------------------------------------------------------------------------
# The key that signs the audit chain (customers/audit/chain.py), as "<key id>:<secret>".
# It must live outside the database (whoever can write the database must not be able to
# re-sign a forged row) and differ from SECRET_KEY. To rotate, set a new key with a new ID and
# move the old one to AUDIT_CHAIN_OLD_KEYS, so rows it signed still verify.
_DEV_AUDIT_CHAIN_KEY = "dev:insecure-audit-chain-key-for-sandbox-or-debug-only"
_CHAIN_KEY = re.compile(r"^([A-Za-z0-9_-]{1,16}):(.{32,})$")


def audit_chain_keys(current: str, old: list[str]) -> tuple[str, dict[str, str]]:
    keys: dict[str, str] = {}
    for name, raw in [("AUDIT_CHAIN_KEY", current)] + [("AUDIT_CHAIN_OLD_KEYS", k) for k in old]:
        match = _CHAIN_KEY.match(raw.strip())
        if match is None:
            raise ImproperlyConfigured(
                f"{name} must be <key id>:<secret>: an ID of up to 16 letters, digits, - or _, "
                "and a random secret of 32+ characters."
            )
        if match[2] == SECRET_KEY:
            raise ImproperlyConfigured(f"{name} must not be the SECRET_KEY.")
        if match[1] in keys:
            raise ImproperlyConfigured(f"Audit chain key ID {match[1]!r} is used twice.")
        keys[match[1]] = match[2]
    return next(iter(keys)), keys


_audit_key = env.str("AUDIT_CHAIN_KEY", default="")
if not _audit_key and not (DEBUG or REVCENT_SANDBOX):
    raise ImproperlyConfigured(
        "AUDIT_CHAIN_KEY must be set when talking to RevCent with DEBUG off: it signs the "
        'audit trail. Generate one with: python -c "import secrets; '
        "print('k1:' + secrets.token_urlsafe(48))\""
    )
AUDIT_CHAIN_KEY_ID, AUDIT_CHAIN_KEYS = audit_chain_keys(
    _audit_key or _DEV_AUDIT_CHAIN_KEY, env.list("AUDIT_CHAIN_OLD_KEYS", default=[])
)


def audit_chain_key_weakness(key: str) -> str:
    """Why a configured AUDIT_CHAIN_KEY is guessable, as SECRET_KEY is judged; "" if it is not.

    Only the key that signs new rows: a retired key in AUDIT_CHAIN_OLD_KEYS is kept so the
    rows it signed still verify, and refusing it would only hide them.
    """
    if key.strip() == _DEV_AUDIT_CHAIN_KEY:
        return "it is the development key"
    return secret_key_weakness(key.strip().partition(":")[2], min_length=32)


def legacy_chain_end(raw: str) -> Anchor | None:
    """AUDIT_CHAIN_LEGACY_END: how far the trail's unkeyed start goes (None: it has none)."""
    if not raw.strip():
        return None
    try:
        return Anchor.parse(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"AUDIT_CHAIN_LEGACY_END: {exc}") from None


# Rows chained before keys existed (plain SHA-256, which anyone can compute) verify only up to
# this "<count>:<hash of the last unkeyed row>", taken from outside the database: a trail
# re-chained without the key must not pass for an old one (customers/audit/verify.py).
AUDIT_CHAIN_LEGACY_END = legacy_chain_end(env.str("AUDIT_CHAIN_LEGACY_END", default=""))

# The built-in key is used only when none is set, in sandbox mode or with DEBUG on (make run,
# the tests); a key someone sets must be hard to guess whatever the mode.
if _audit_key and (_weak_chain_key := audit_chain_key_weakness(_audit_key)):
    raise ImproperlyConfigured(
        f"AUDIT_CHAIN_KEY's secret must be long and random ({_weak_chain_key}). Generate one "
        "with: python -c \"import secrets; print('k1:' + secrets.token_urlsafe(48))\""
    )

# The live duplicate panel is for checking one customer, not for browsing RevCent.
DUPLICATE_SEARCHES_PER_MINUTE = env_int("DUPLICATE_SEARCHES_PER_MINUTE", 60, minimum=1)

# The assistant channel (/assistant/mcp): limits per token, on top of the agent's own
# (searches above, wrong caller answers), counted in the shared cache across app servers.
ASSISTANT_CALLS_PER_MINUTE = env_int("ASSISTANT_CALLS_PER_MINUTE", 60, minimum=1)
ASSISTANT_PROPOSALS_PER_10_MINUTES = env_int("ASSISTANT_PROPOSALS_PER_10_MINUTES", 20, minimum=1)
ASSISTANT_CREATES_PER_HOUR = env_int("ASSISTANT_CREATES_PER_HOUR", 30, minimum=1)

# Secure card links: the hosted card form the customer is sent to, with {customer_id},
# {email} and {token} placeholders. Empty: in sandbox mode the sandbox's own simulated
# card form; with a real key, the feature asks an admin to configure it.
SECURE_CARD_FORM_URL = env.str("SECURE_CARD_FORM_URL", default="")
CARD_LINK_HOURS = env_int("CARD_LINK_HOURS", 24, minimum=1)

# The merchant's name as its customers know it. A card-link e-mail is sent in that name, so
# the customer knows who is asking for a card: one that names nobody reads like phishing.
MERCHANT_NAME_SANDBOX = "Support Desk sandbox merchant"


def merchant_name(raw: str, *, sandbox: bool) -> str:
    name = raw.strip()
    if not name and sandbox:
        return MERCHANT_NAME_SANDBOX
    if not name:
        raise ImproperlyConfigured(
            "MERCHANT_NAME must be set when talking to RevCent (REVCENT_API_KEY is set): card-link "
            "e-mails name the merchant, so that customers know who asks for their card. "
            'Example: MERCHANT_NAME="Acme Outdoor Supply"'
        )
    if len(name) > 100 or any(not char.isprintable() for char in name):
        # It goes into an e-mail's Subject: a line break there would start another header.
        raise ImproperlyConfigured("MERCHANT_NAME must be one line of at most 100 characters.")
    return name


MERCHANT_NAME = merchant_name(env.str("MERCHANT_NAME", default=""), sandbox=REVCENT_SANDBOX)

# Phone numbers typed without a country code are read as this region's (ISO 3166 alpha-2),
# unless the form's Country says otherwise.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US").upper()

# Demo accounts are made by `make run` in sandbox mode only.
DEMO_PASSWORD_DEFAULT = "supportdesk-demo"
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default=DEMO_PASSWORD_DEFAULT)

# --- Authentication -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out sign-in before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, but only for those allowed a password (PASSWORD_SIGN_IN below).
    "customers.team.sso.backend.PasswordBackend",
    # Sessions started through the identity provider (customers/team/sso/); no password.
    "customers.team.sso.backend.SsoBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in through the company's identity provider (OpenID Connect, customers/team/sso/) --
# Off unless OIDC_ISSUER is set; then the sign-in page offers "Sign in with <provider>".
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").strip().rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your company account")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# Provider groups (names or IDs, as the groups claim carries them) that give each role.
OIDC_AGENT_GROUPS = env.list("OIDC_AGENT_GROUPS", default=[])
OIDC_AUDITOR_GROUPS = env.list("OIDC_AUDITOR_GROUPS", default=[])
OIDC_ADMIN_GROUPS = env.list("OIDC_ADMIN_GROUPS", default=[])
# Empty: any e-mail the provider vouches for.
OIDC_ALLOWED_EMAIL_DOMAINS = env.list("OIDC_ALLOWED_EMAIL_DOMAINS", default=[])
# `acr` values that mean the provider checked a second factor (an `amr` with mfa, otp or
# hwk always does).
OIDC_MFA_ACR_VALUES = env.list("OIDC_MFA_ACR_VALUES", default=[])
# A session started through the provider ends this many hours after sign-in; the next one
# must be a fresh sign-in there (max_age is sent with the request).
OIDC_SESSION_HOURS = env_int("OIDC_SESSION_HOURS", 12, minimum=1)
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
# Off: only the break-glass admins named in PASSWORD_SIGN_IN_ADMINS may use a password.
PASSWORD_SIGN_IN = env_bool("PASSWORD_SIGN_IN", True)
PASSWORD_SIGN_IN_ADMINS = env.list("PASSWORD_SIGN_IN_ADMINS", default=[])


def oidc_problem() -> str:
    """What is wrong with the provider settings, or "" (they stop the app at start-up)."""
    if not OIDC_ISSUER:
        return "" if PASSWORD_SIGN_IN else "PASSWORD_SIGN_IN=false needs OIDC_ISSUER set."
    if not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
        return "OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too."
    if not (OIDC_AGENT_GROUPS or OIDC_AUDITOR_GROUPS or OIDC_ADMIN_GROUPS):
        return "OIDC_ISSUER is set: map at least one provider group to a role (OIDC_*_GROUPS)."
    loopback = re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?(/|$)", OIDC_ISSUER)
    if not OIDC_ISSUER.startswith("https://") and not (DEBUG and loopback):
        return "OIDC_ISSUER must be an https:// URL (http only for a loopback one with DEBUG on)."
    return ""


def oidc_origin(issuer: str) -> str:
    scheme, _, rest = issuer.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


if _oidc_problem := oidc_problem():
    raise ImproperlyConfigured(_oidc_problem)

# Ten failed sign-ins within 15 minutes lock that username from that address for 15 minutes.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind load balancers the client address is the X-Forwarded-For entry the nearest of
# TRUSTED_PROXY_COUNT proxies wrote (django-ipware reads it; customers/team/clientip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "customers.team.clientip.client_ip"

# Sessions end after 30 minutes without a request, and 12 hours after sign-in whatever.
SESSION_COOKIE_AGE = 30 * 60
# With a shared cache (CACHE_URL names Redis): read from it, written to it and to the
# database, so a session survives a cache restart and is read without a query.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if CACHE_SHARED else "db")
# Not saved on every request: SessionLifetimeMiddleware refreshes the idle clock at most
# once in this many seconds, so a busy agent costs one session write a minute, not one a
# request. The idle window is then counted from a moment at most this long before the
# last request.
SESSION_IDLE_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_AGE_SECONDS = 12 * 60 * 60

# Two-factor sign-in (TOTP, with recovery codes): always for admins and auditors (and any
# staff user); for support agents when REQUIRE_MFA_FOR_AGENTS is on.
REQUIRE_MFA_FOR_AGENTS = env_bool("REQUIRE_MFA_FOR_AGENTS", False)
# Only on a developer's machine (sandbox and DEBUG): the demo accounts may skip it.
MFA_DEMO_SKIP = DEBUG and REVCENT_SANDBOX
OTP_TOTP_ISSUER = "Support Desk"

# --- Security -----------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if OIDC_ISSUER:
    # Sign-out posts to this app, which sends the browser on to the provider's sign-out; a
    # browser holds a form's redirects to form-action too.
    SECURE_CSP["form-action"] = [CSP.SELF, oidc_origin(OIDC_ISSUER)]
X_FRAME_OPTIONS = "DENY"
# Django's own body limit, the same as RequestLimitsMiddleware's (customers/web/limits.py):
# its default, 2.5 MB, is forty times what the largest of the app's forms sends.
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# __Host- cookies are only ever sent to this exact host, over HTTPS, for the whole site.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-sessionid"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-csrftoken"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- I18N, static -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # Card numbers never reach a log line, whatever code logs them: every handler has the
    # filter, the runserver access log included (its request lines quote the query string).
    "filters": {"no_card_numbers": {"()": "customers.cardguard.guard.RedactCardNumbersFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_card_numbers"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["no_card_numbers"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's defaults give these their own handlers, without the filter (and an e-mail
        # to ADMINS quoting the request); ours replace them.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # httpx logs every request URL at INFO, and RevCent's search puts the customer's
        # e-mail or phone in the query string. Customer PII stays out of the logs.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # The same for httpx2, which Authlib (provider sign-in) and the MCP SDK use.
        "httpx2": {"level": "WARNING"},
        # Sign-ins are in the audit trail; axes' own INFO lines would only repeat them.
        "axes": {"level": "WARNING"},
        # The MCP SDK says INFO twice per assistant call (a session manager started and
        # stopped: this endpoint makes one per request) and repeats every tool error, which
        # the audit trail already records.
        "mcp": {"level": "WARNING"},
    },
}
