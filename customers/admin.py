from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from customers.models import AuditEntry, Campaign


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only for everyone (superusers included)."""

    list_display = [
        "created_at",
        "operation",
        "outcome",
        "http_status",
        "api_call_id",
        "customer_id",
        "username",
        "duration_ms",
        "sandbox",
    ]
    list_filter = ["operation", "outcome", "created_at", "sandbox"]
    # "=" is an exact match, which uses the index: finding one api_call_id among millions
    # of rows must not scan the table.
    search_fields = ["=api_call_id", "=customer_id", "=target_customer_id", "=username"]
    search_help_text = "Exact API call ID, customer ID or username."
    date_hierarchy = "created_at"
    # Counting millions of rows on every page load is what makes audit lists slow.
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at", "-id"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "revcent_id", "active", "is_default"]
    list_filter = ["active"]
    search_fields = ["name", "revcent_id"]
