"""Admin → Users: roles chosen by name, shown in the list with the two-factor state."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from customers.team.roles import AGENTS, AUDITORS, role_assign, role_of

USERS = reverse("admin:auth_user_changelist")


@pytest.mark.django_db
class TestRoleChoice:
    def test_the_add_page_offers_each_role_explained(self, admin_client_verified):
        html = admin_client_verified.get(reverse("admin:auth_user_add")).content.decode()
        for text in (
            "Support agent: creates customers",
            "Auditor: reads the audit trail",
            "Admin: everything",
        ):
            assert text in html
        assert 'type="radio" name="role"' in html
        assert "Staff status" not in html

    def test_the_change_page_shows_the_current_role_and_no_staff_switch(
        self, admin_client_verified, auditor
    ):
        html = admin_client_verified.get(
            reverse("admin:auth_user_change", args=[auditor.pk])
        ).content.decode()
        assert 'value="auditor" required id="id_role_1" checked>' in html
        assert "Staff status" not in html
        assert "Superuser status" not in html

    def test_changing_the_role_moves_the_user_between_groups(self, admin_client_verified, auditor):
        url = reverse("admin:auth_user_change", args=[auditor.pk])
        form = admin_client_verified.get(url).context["adminform"].form
        data = {**form.initial, "role": "agent", "is_active": "on", "_save": "Save"}
        data = {k: v for k, v in data.items() if v is not None and k != "password"}
        data["date_joined_0"], data["date_joined_1"] = "2026-01-01", "10:00:00"
        response = admin_client_verified.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        auditor.refresh_from_db()
        assert set(auditor.groups.values_list("name", flat=True)) == {AGENTS}
        assert role_of(auditor) == "agent"

    def test_a_role_is_required(self, admin_client_verified):
        response = admin_client_verified.post(
            reverse("admin:auth_user_add"),
            {
                "username": "norole",
                "usable_password": "true",
                "password1": "a-long-pass-phrase-1",
                "password2": "a-long-pass-phrase-1",
            },
        )
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not User.objects.filter(username="norole").exists()


@pytest.mark.django_db
class TestRoleAssign:
    def test_one_role_at_a_time(self, make_user):
        user = make_user("both", group=AGENTS)
        user.groups.add(Group.objects.get(name=AUDITORS))
        role_assign(user, "auditor")
        assert list(user.groups.values_list("name", flat=True)) == [AUDITORS]
        assert not user.is_staff and not user.is_superuser

    def test_admins_are_superusers_with_no_role_group(self, make_user):
        user = make_user("boss", group=AGENTS)
        role_assign(user, "admin")
        user.refresh_from_db()
        assert user.is_superuser and user.is_staff
        assert role_of(user) == "admin"
        assert not user.groups.exists()

    def test_no_role(self, make_user):
        user = make_user("idle", group=AUDITORS)
        role_assign(user, "none")
        assert role_of(user) == "none"


@pytest.mark.django_db
class TestUserList:
    def test_it_shows_role_and_two_factor(self, admin_client_verified, agent, auditor):
        TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
        TOTPDevice.objects.create(user=agent, name="unfinished", confirmed=False)
        response = admin_client_verified.get(USERS)
        rows = {
            row.username: (row.role_key, row.has_two_factor)
            for row in response.context["cl"].result_list
        }
        assert rows["audrey"] == ("auditor", True)
        assert rows["alice"] == ("agent", False)
        html = response.content.decode()
        assert "<th" in html and "Two-factor set up" in html and ">Auditor<" in html

    def test_it_filters_and_sorts_by_role(self, admin_client_verified, agent, auditor):
        response = admin_client_verified.get(USERS, {"role": "auditor"})
        assert [u.username for u in response.context["cl"].result_list] == ["audrey"]
        response = admin_client_verified.get(USERS, {"o": "5"})  # the Role column
        names = [u.username for u in response.context["cl"].result_list]
        assert names.index("root") < names.index("alice") < names.index("audrey")

    def test_an_unknown_role_filter_is_ignored_not_an_error(self, admin_client_verified):
        assert admin_client_verified.get(USERS, {"role": "x"}).status_code == 200
        # A NUL is refused in any list's query string (customers/team/admin_lists.py).
        assert admin_client_verified.get(USERS, {"role": "x\x00"}).status_code == 400
