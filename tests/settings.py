"""Settings for the test suite: production settings with a few speed and safety overrides."""

from __future__ import annotations

import os

# Tests run with DEBUG off, as production does, so they need a real-looking key.
os.environ.setdefault("SECRET_KEY", "test-secret-key-Vq8mZk2RtW9xLp4NbC7hJd3FsG6yUe5Ao1Ti")
# Production refuses the console backend; Django's test runner swaps in its outbox anyway.
os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:25")
# The suite never talks to RevCent: an API key in the developer's shell must not leak in.
os.environ.pop("REVCENT_API_KEY", None)

from supportdesk.settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: threads (the live server, concurrent
    # RevCent searches, parallel submissions) then wait for locks as they do in production
    # instead of failing at once with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/supportdesk-test-{os.getpid()}.sqlite3"}  # noqa: F405

# A request's concurrent RevCent searches run one after another in the request's own thread,
# so they read the sandbox through the test's connection and see its uncommitted rows: most
# tests can then run inside a transaction that is rolled back (plain `django_db`) instead of
# flushing every table. The tests of the pool itself, of parallel requests and of the live
# server turn this off with the `search_threads` fixture (tests/conftest.py).
REVCENT_SEARCH_INLINE = True

# Connections opened by the search pool's threads close at the end of each search, so none
# is left open when the test database is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The suite is one process, so its local-memory cache is shared by every request it makes:
# sessions and permissions go through it as they do with Redis in production.
CACHE_SHARED = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# pytest-django's live server speaks plain HTTP.
SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# The hashed-name manifest exists only after collectstatic; serve from the source folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# pytest-xdist runs one process per core. Each gets its own test database from pytest-django;
# a shared Redis gets a database number of its own per process too, since the tests clear
# the cache (FLUSHDB) and count per-user limits by user IDs that every process reuses.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _location = CACHES["default"]["LOCATION"].rsplit("/", 1)[0]  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_location}/{1 + int(_worker.removeprefix('gw'))}"  # noqa: F405
