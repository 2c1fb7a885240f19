from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import User

from customers.audit.admin import AuditEntryAdmin
from customers.models import AuditEntry, Campaign
from customers.team_admin import TeamUserAdmin

# Admin autodiscovery imports only this module; the trail's admin lives with the audit code.
admin.site.register(AuditEntry, AuditEntryAdmin)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "revcent_id", "active", "is_default"]
    list_filter = ["active"]
    search_fields = ["name", "revcent_id"]


# Django's own User admin, with a role choice instead of Staff/Superuser/Groups switches.
admin.site.unregister(User)
admin.site.register(User, TeamUserAdmin)
