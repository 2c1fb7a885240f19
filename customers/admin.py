from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from customers.assistant.services import assistant_token_revoke
from customers.audit import Actor
from customers.audit.admin import AuditEntryAdmin
from customers.forms.campaign_admin import CampaignAdminForm, campaign_reference_error
from customers.models import AssistantToken, AuditEntry, Campaign
from customers.team.admin import TeamUserAdmin

if TYPE_CHECKING:  # ModelAdmin is generic in the stubs only, not at run time
    _CampaignModelAdmin = admin.ModelAdmin[Campaign]
    _AssistantTokenModelAdmin = admin.ModelAdmin[AssistantToken]
else:
    _CampaignModelAdmin = _AssistantTokenModelAdmin = admin.ModelAdmin

# Admin autodiscovery imports only this module; the trail's admin lives with the audit code.
admin.site.register(AuditEntry, AuditEntryAdmin)


@admin.register(Campaign)
class CampaignAdmin(_CampaignModelAdmin):
    """Campaigns are checked when saved (customers/forms/campaign_admin.py); one saved before
    that check is flagged in the list, to be corrected before an agent picks it."""

    form = CampaignAdminForm
    list_display = ["name", "revcent_id", "sent_as", "active", "is_default"]
    list_filter = ["active"]
    search_fields = ["name", "revcent_id"]

    @admin.display(description="Sent to RevCent as")
    def sent_as(self, campaign: Campaign) -> str:
        if campaign_reference_error(campaign.revcent_id, name=campaign.name) is not None:
            return "Neither an ID nor its name: correct it"
        return "its name" if campaign.revcent_id == campaign.name else "its ID"


@admin.register(AssistantToken)
class AssistantTokenAdmin(_AssistantTokenModelAdmin):
    """Admins see every person's assistant tokens and revoke them; nobody edits one."""

    list_display = ["prefix", "user", "name", "may", "last_used_at", "expires_at", "revoked_at"]
    # The fingerprint of the secret proves nothing to a reader; it is not shown.
    exclude = ["secret_hash"]
    readonly_fields = ["revoke_link"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username"]
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by their owner (the tokens page) or by `manage.py assistant_token`

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # revoked, never deleted: the trail names them

    @admin.display(description="Revoke")
    def revoke_link(self, token: AssistantToken) -> str:
        if token.revoked_at is not None:
            return "Revoked: it no longer works."
        url = reverse("assistant-token-revoke", args=[token.prefix])
        return format_html('<a class="button" href="{}">Revoke this token…</a>', url)

    @admin.display(description="May")
    def may(self, token: AssistantToken) -> str:
        return ", ".join(token.scopes)

    @admin.action(description="Revoke the selected tokens", permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[AssistantToken]) -> None:
        actor = Actor.from_request(request)
        for token in queryset.filter(revoked_at=None):
            assistant_token_revoke(actor=actor, prefix=token.prefix)
        self.message_user(request, "The selected tokens no longer work.")


# Django's own User admin, with a role choice instead of Staff/Superuser/Groups switches.
admin.site.unregister(User)
admin.site.register(User, TeamUserAdmin)
