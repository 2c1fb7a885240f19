"""The signed-in user's groups and permissions from the shared cache, not three queries a
request.

Django's ModelBackend reads a user's permissions with two queries (their own, their groups')
the first time anything asks, and keeps them on the user object, which is loaded afresh for
every request. Here they are kept in the shared cache (CACHE_URL: every app server sees the
same entries) under the user's ID, beside a version that any change which could alter them
replaces (a user's groups or own permissions, a group's permissions, a saved user, a deleted
group or permission). An entry made under another version is never used, so a role taken
away applies from the very next request on every server. With a cache that is not shared
(local memory, one process's own: settings.CACHE_SHARED) nothing is cached and Django asks
the database as before, since a change made in one process would not reach the others.

The user object gets ModelBackend's own attributes (`_user_perm_cache`, `_group_perm_cache`,
`_perm_cache`) and roles.group_names'; ModelBackend then reads those and runs no query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user as auth_get_user
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from customers.team.roles import group_names

VERSION_KEY = "permcache:version"
# Entries outlive no change (the version sees to that); the timeout only bounds how long an
# unused one stays in the cache.
ENTRY_SECONDS = 15 * 60
_ATTRIBUTES = ("_user_perm_cache", "_group_perm_cache", "_perm_cache")


def _entry_key(user_id: int) -> str:
    return f"permcache:user:{user_id}"


def bump_version() -> None:
    """Make every cached entry stale, now and again once the current transaction commits.

    Twice, because a request that reads the new version before the change is committed could
    store the old permissions under it; the second bump retires that entry.
    """
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def team_version() -> str:
    """The version of the team's accounts and roles, replaced whenever one could have changed
    (the receivers below): what any cache entry made from them is kept under."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return cast(str, version)


def prefill(user: User | AnonymousUser) -> User | AnonymousUser:
    """Give a signed-in user their groups and permissions, from the cache when it has them."""
    if not settings.CACHE_SHARED or not user.is_authenticated or not user.is_active:
        return user
    key = _entry_key(user.pk)
    found = cache.get_many([key, VERSION_KEY])
    version = found.get(VERSION_KEY) or team_version()
    entry = found.get(key)
    if entry is not None and entry["version"] == version:
        for name in _ATTRIBUTES:
            setattr(user, name, set(entry[name]))
        setattr(user, "_group_names_read", frozenset(entry["groups"]))  # noqa: B010
        return user
    ModelBackend().get_all_permissions(user)  # fills the three attributes
    entry = {name: sorted(getattr(user, name)) for name in _ATTRIBUTES}
    entry["groups"] = sorted(group_names(user))
    entry["version"] = version
    cache.set(key, entry, ENTRY_SECONDS)
    return user


class PermissionCacheMiddleware:
    """Right after AuthenticationMiddleware: the lazy user, when first read, comes prefilled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Lazy, as Django's own: a request that never asks for the user never loads it.
        request.user = cast(User | AnonymousUser, SimpleLazyObject(lambda: _cached_user(request)))
        return self.get_response(request)


def _cached_user(request: HttpRequest) -> User | AnonymousUser:
    # The same object Django's own lazy user would have given (`_cached_user`), so code that
    # reads either sees one user.
    if not hasattr(request, "_cached_user"):
        setattr(request, "_cached_user", auth_get_user(request))  # noqa: B010
    user: User | AnonymousUser = getattr(request, "_cached_user")  # noqa: B009
    if not getattr(user, "_permcache_filled", False):
        prefill(user)
        setattr(user, "_permcache_filled", True)  # noqa: B010
    return user


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="permcache.user_groups")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="permcache.user_perms")
@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="permcache.group_perms")
def _relations_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear", "pre_clear"):
        bump_version()


@receiver(post_save, sender=User, dispatch_uid="permcache.user_saved")
def _user_saved(sender: type[User], update_fields: frozenset[str] | None, **kwargs: Any) -> None:
    # Signing in saves last_login only, which no permission depends on.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump_version()


@receiver(post_save, sender=Group, dispatch_uid="permcache.group_saved")  # a renamed role
@receiver(post_delete, sender=Group, dispatch_uid="permcache.group_deleted")
@receiver(post_save, sender=Permission, dispatch_uid="permcache.permission_saved")  # admins'
@receiver(post_delete, sender=Permission, dispatch_uid="permcache.permission_deleted")
@receiver(post_delete, sender=User, dispatch_uid="permcache.user_deleted")
def _row_changed(sender: Any, **kwargs: Any) -> None:
    bump_version()
