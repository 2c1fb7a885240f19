from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class SupportDeskAdminConfig(AdminConfig):
    # django.contrib.admin with our site class as `admin.site` (see customers/team/admin_site.py).
    default_site = "customers.team.admin_site.SupportDeskAdminSite"
