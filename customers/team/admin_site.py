"""The admin site, letting people in by role rather than by the Staff switch alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from customers.team.admin_lists import with_query_string_guard
from customers.team.roles import may_open_admin

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


class SupportDeskAdminSite(admin.AdminSite):
    site_header = "Support Desk administration"
    site_title = "Support Desk"

    def register(
        self,
        model_or_iterable: type[Model] | Iterable[type[Model]],
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        # Every list, third parties' included (django-axes, django-otp, auth's groups): a
        # list takes only what its filters offer from the query string (admin_lists.py).
        guarded = with_query_string_guard(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, guarded, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        # Why not keep is_staff in step with the Auditors group instead: a group can be
        # changed in many places (the group's own page, the shell, a migration) and a
        # forgotten sync is silent. Asking the permission the role carries cannot drift:
        # whoever is in Auditors reads the trail, whatever the Staff box says.
        return may_open_admin(request.user)

    def admin_view(self, view: _View, cacheable: bool = False) -> _View:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            # Django sends a signed-in user without admin access to the sign-in page, which
            # then shows a sign-in form under a header saying who is signed in (someone just
            # moved from Auditors to agents, say). Say plainly that their role lacks it.
            signed_in = request.user.is_authenticated
            leaving = request.path == reverse("admin:logout", current_app=self.name)
            if signed_in and not leaving and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return cast(_View, guarded)
