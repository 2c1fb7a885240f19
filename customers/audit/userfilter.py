"""The audit list's "By user" filter as one drop-down, not a link per user.

Django's related-field filter renders a link per user, each with its own query string: with
a team of fifty agents that was a long column and the costliest part of every audit page
(about a sixth of a search's time). The choice and the URL it leads to are the same as
Django's (`?user__id__exact=<id>`, other filters and the search kept); the rows without a
user (management commands) are found by searching their name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.db.models import Field
from django.http import HttpRequest

from customers.forms.html import options_html

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' name for a lazy str


class UserDropdownFilter(admin.RelatedFieldListFilter):
    template = "admin/customers/auditentry/user_filter.html"

    @property
    def include_empty_choice(self) -> bool:
        return False

    def field_choices(
        self, field: Field[Any, Any], request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str | _StrPromise]]:
        # Django's get_choices() builds a User per row to call str() on it: with a few hundred
        # agents that was most of a search's time. The label is the username, as str() gives.
        users = get_user_model().objects.order_by("username").values_list("pk", "username")
        return [(str(pk), name) for pk, name in users]

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
            "options": options_html(self.lookup_choices, chosen),
        }
        yield {
            "selected": not chosen,
            "query_string": changelist.get_query_string(
                remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]
            ),
            "display": "All users",
        }
