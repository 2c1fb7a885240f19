from __future__ import annotations

from django.contrib import admin

from customers.audit.admin import AuditEntryAdmin
from customers.models import AuditEntry, Campaign

# Admin autodiscovery imports only this module; the trail's admin lives with the audit code.
admin.site.register(AuditEntry, AuditEntryAdmin)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "revcent_id", "active", "is_default"]
    list_filter = ["active"]
    search_fields = ["name", "revcent_id"]
