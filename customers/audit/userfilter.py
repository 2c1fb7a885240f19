"""The audit list's "By user" filter as one drop-down, not a link per user.

Django's related-field filter renders a link per user, each with its own query string: with
a team of fifty agents that was a long column and the costliest part of every audit page
(about a sixth of a search's time). The choice and the URL it leads to are the same as
Django's (`?user__id__exact=<id>`, other filters and the search kept); the rows without a
user (management commands) are found by searching their name.

The options are written once for the whole team and kept in the shared cache under the
version of the team's accounts (customers/team/permcache.py), which any saved or deleted
user replaces: with several hundred agents, reading and writing them took a tenth of every
audit search.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Field
from django.http import HttpRequest

from customers.forms.html import options_html, with_chosen
from customers.team.permcache import team_version

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' name for a lazy str

OPTIONS_KEY = "audit:user-options"
# Entries outlive no saved or deleted user (the version sees to that); the timeout bounds how
# long a change made without a save (a bulk update of usernames) goes unseen.
OPTIONS_SECONDS = 10 * 60


class TeamOptions(NamedTuple):
    users: int
    html: str  # one <option> per user, none selected


def _written() -> TeamOptions:
    # Django's get_choices() builds a User per row to call str() on it: with a few hundred
    # agents that was most of a search's time. The label is the username, as str() gives.
    users = get_user_model().objects.order_by("username").values_list("pk", "username")
    choices = [(str(pk), name) for pk, name in users]
    return TeamOptions(len(choices), str(options_html(choices, None)))


def team_options() -> TeamOptions:
    """Every user as an <option>, from the shared cache when it holds the current version's
    (a local-memory cache is one process's own and would miss another's change: no cache)."""
    if not settings.CACHE_SHARED:
        return _written()
    version = team_version()
    entry = cache.get(OPTIONS_KEY)
    if entry is not None and entry[0] == version:
        return TeamOptions(*entry[1:])
    options = _written()
    cache.set(OPTIONS_KEY, (version, *options), OPTIONS_SECONDS)
    return options


class UserDropdownFilter(admin.RelatedFieldListFilter):
    template = "admin/customers/auditentry/user_filter.html"

    @property
    def include_empty_choice(self) -> bool:
        return False

    def field_choices(
        self, field: Field[Any, Any], request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str | _StrPromise]]:
        # Django keeps the list as lookup_choices, for has_output() and choices(), both
        # overridden here: the team's options come written (team_options).
        self.team = team_options()
        return []

    def has_output(self) -> bool:
        return self.team.users > 1

    def choices(self, changelist: ChangeList) -> Iterator[Any]:
        """The one "All users" choice, as Django's filters give theirs; the drop-down's
        options and the parameters to keep are in self.dropdown, which the template reads."""
        chosen = (self.lookup_val or [""])[-1]
        self.dropdown = {
            "param": self.lookup_kwarg,
            "kept": [
                (name, value)
                for name, value in changelist.params.items()  # one value each, as Django keeps
                if name not in (self.lookup_kwarg, self.lookup_kwarg_isnull)
            ],
            "options": with_chosen(self.team.html, chosen),
        }
        yield {
            "selected": not chosen,
            "query_string": changelist.get_query_string(
                remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]
            ),
            "display": "All users",
        }
