"""Reading the audit trail: Django admin's list, filters and CSV export, read-only for all.

Registered from customers/admin.py, the module admin autodiscovery imports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from customers.audit.csv import export_response
from customers.audit.filters import (
    CallerCheckFilter,
    CardLinkUnusedFilter,
    ErrorCodeFilter,
    OverrideReasonFilter,
    RefusedFieldFilter,
    ResultFilter,
    override_reason,
)
from customers.audit.labels import TO_THE_SECOND, AuditEntryForm, entry_page_fields
from customers.audit.search import audit_search_filter
from customers.audit.timeline import actor_label
from customers.audit.userfilter import UserDropdownFilter
from customers.models import AuditEntry

# A page of the audit list needs to know "there is more", not the exact count of millions
# of rows: counting is what makes audit lists slow. Beyond this many, the count says "+".
COUNT_CAP = 10_000

if TYPE_CHECKING:  # ModelAdmin is generic in the stubs only, not at run time
    _AuditEntryModelAdmin = admin.ModelAdmin[AuditEntry]
    _AuditEntryPaginator = Paginator[AuditEntry]  # and so is Paginator
else:
    _AuditEntryModelAdmin = admin.ModelAdmin
    _AuditEntryPaginator = Paginator


def _to_the_second(moment: datetime | None) -> str:
    return "—" if moment is None else date_format(localtime(moment), f"{TO_THE_SECOND} T")


def period_shown(since: str | None, until: str | None) -> str:
    """The created_at range a list was opened with (the team overview's links give one), in
    the reader's zone; "" without both ends or if either is not a moment."""
    try:
        start, end = datetime.fromisoformat(since or ""), datetime.fromisoformat(until or "")
    except ValueError:
        return ""
    if start.tzinfo is None or end.tzinfo is None:
        return ""
    return f"Rows from {_to_the_second(start)} up to {_to_the_second(end)}."


class CappedCountPaginator(_AuditEntryPaginator):
    object_list: QuerySet[AuditEntry]  # the admin pages its changelist's queryset

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMITed subquery: bounded work, however big the table.
        return self.object_list[: COUNT_CAP + 1].count()

    @property
    def count_label(self) -> str:
        """The list's size under it: "256 audit rows" (Django's own line would read "256
        audit trail", the model's plural being the trail's name), "more than 10,000" past
        the cap (templates/admin/customers/auditentry/pagination.html)."""
        if self.count > COUNT_CAP:
            return f"More than {COUNT_CAP:,} audit rows"
        return f"{self.count:,} audit row{'' if self.count == 1 else 's'}"


class AuditEntryAdmin(_AuditEntryModelAdmin):
    """The audit trail, read-only for everyone (superusers included)."""

    # Nine columns, so the list fits a 1440 px screen beside the filters with nothing cut
    # off (the way in and an override's reason are short, or empty on most rows): HTTP
    # status and RevCent's error code are read with the outcome, and sandbox rows are found
    # with their filter (every field is on the entry's own page and in the CSV).
    list_display = [
        "when",
        "operation",
        "outcome_in_full",
        "api_call_id",
        "customer_link",
        "user_link",
        "way_in",
        "duration",
        "reason",
    ]
    list_filter = [
        "kind",
        "operation",
        "outcome",
        ResultFilter,
        ErrorCodeFilter,
        ("user", UserDropdownFilter),
        "channel",
        "created_at",
        "sandbox",
        # The team overview's figures open the list through these (customers/audit/filters.py).
        OverrideReasonFilter,
        RefusedFieldFilter,
        CallerCheckFilter,
        CardLinkUnusedFilter,
    ]
    # What the search box looks in (see get_search_results for how: every way is indexed).
    search_fields = ["api_call_id", "customer_id", "target_customer_id", "username", "search_term"]
    search_help_text = (
        "An API call ID (or its first 6+ characters), a customer ID, a username or an e-mail "
        "searched for; any capitals."
    )
    date_hierarchy = "created_at"
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    list_select_related = False

    @admin.display(description="When", ordering="created_at")
    def when(self, entry: AuditEntry) -> str:
        # To the second: dozens of rows can share a minute. With the zone's abbreviation, as
        # the customer page's timeline: a lead's days come from the overview in their zone.
        return _to_the_second(entry.created_at)

    # The entry page's fields (started, completed, revcent_time, user_account) take their
    # labels from customers/audit/labels.py, like every other field there.
    def started(self, entry: AuditEntry) -> str:
        return _to_the_second(entry.created_at)

    def completed(self, entry: AuditEntry) -> str:
        return _to_the_second(entry.completed_at)

    @admin.display(description="Outcome", ordering="outcome")
    def outcome_in_full(self, entry: AuditEntry) -> str:
        parts = [entry.get_outcome_display()]
        if entry.http_status is not None:
            parts.append(str(entry.http_status))
        if entry.error_code:
            parts.append(entry.error_code)
        return " · ".join(parts)

    @admin.display(description="Duration (ms)", ordering="duration_ms")
    def duration(self, entry: AuditEntry) -> str:
        return "—" if entry.duration_ms is None else str(entry.duration_ms)

    @admin.display(description="Way in", ordering="channel")
    def way_in(self, entry: AuditEntry) -> str:
        return entry.channel or "—"

    @admin.display(description="Override reason")
    def reason(self, entry: AuditEntry) -> str:
        if entry.operation != AuditEntry.Operation.DUPLICATE_OVERRIDE:
            return ""
        return override_reason(entry.message) or "—"

    @admin.display(description="Customer", ordering="customer_id")
    def customer_link(self, entry: AuditEntry) -> str:
        customer = entry.customer_id or entry.target_customer_id
        if not customer:
            return "—"
        # The customer's timeline: every call and action about them.
        return format_html('<a href="?q={}">{}</a>', customer, customer)

    @admin.display(description="User", ordering="username")
    def user_link(self, entry: AuditEntry) -> str:
        if entry.user_id:
            # The user's timeline (this list, filtered), not the account's page: auditors may
            # not open accounts, and a link that answers 403 is a dead end.
            url = reverse("admin:customers_auditentry_changelist")
            return format_html(
                '<a href="{}?user__id__exact={}">{}</a>', url, entry.user_id, actor_label(entry)
            )
        return actor_label(entry)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry], search_term: str
    ) -> tuple[QuerySet[AuditEntry], bool]:
        """Each way of matching is one index look-up, so a search stays fast at millions of
        rows: see audit_search_filter."""
        return queryset.filter(audit_search_filter(search_term)), False

    # Like every admin list, this one takes from the query string only what its filters
    # offer (`?username__regex=…` is a 400, never run): customers/team/admin_lists.py.

    form = AuditEntryForm

    class Media:
        js = ["js/copy.js"]  # the API call ID's copy button

    # Every field, shown read-only, through the labels and display methods of labels.py.
    fields = readonly_fields = entry_page_fields()

    def revcent_time(self, entry: AuditEntry) -> str:
        if entry.api_call_unix is None:
            return "—"
        when = datetime.fromtimestamp(entry.api_call_unix, tz=UTC)
        return f"{_to_the_second(when)} (Unix {entry.api_call_unix})"

    def api_call_id_copy(self, entry: AuditEntry) -> str:
        if not entry.api_call_id:
            return "—"
        # static/js/copy.js (in this page's media) shows the button and copies the ID.
        return format_html(
            '<span id="api-call-id" data-testid="api-call-id">{}</span> <button type="button" '
            'class="button copy-button" data-copy="#api-call-id" data-testid="copy-api-call-id" '
            'hidden>Copy<span class="visually-hidden"> API call ID</span></button>',
            entry.api_call_id,
        )

    def user_account(self, entry: AuditEntry) -> str:
        # Not Django's link to the account's page: auditors may not open accounts (a 403).
        # The account's own timeline in the trail is what they can use.
        return self.user_link(entry)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_csv),
            name="customers_auditentry_export",
        )
        return [export, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_export": request.user.has_perm("customers.export_audit_trail"),
            "export_url": reverse("admin:customers_auditentry_export"),
            # The admin's app sidebar would take 300 px the trail's columns need at 1440 px
            # (the breadcrumbs lead back to the other pages).
            "is_nav_sidebar_enabled": False,
            # The date hierarchy says "December 2026" for a list the overview opened on one
            # day: the range it was opened with, in words.
            "period_shown": period_shown(
                request.GET.get("created_at__gte"), request.GET.get("created_at__lt")
            ),
        }
        return super().changelist_view(request, extra_context)

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse | HttpResponseBadRequest:
        """The changelist's filtered rows as CSV, streamed row by row."""
        if not (
            self.has_view_permission(request)
            and request.user.has_perm("customers.export_audit_trail")
        ):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Those filters are not valid for the audit trail.")
        return export_response(changelist.get_queryset(request))
