"""Admin → Users: a role choice instead of Staff/Superuser/Groups switches, and a list that
shows each person's role and whether their two-factor sign-in is set up.

Registered from customers/admin.py, the module admin autodiscovery imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.forms import BaseFormSet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from customers.team.roles import ROLE_CHOICES, ROLE_GROUPS, ROLE_NAMES, role_assign, role_of

if TYPE_CHECKING:  # the auth forms and admin are generic in the stubs only, not at run time
    _UserCreationForm = AdminUserCreationForm[User]
    _UserChangeForm = UserChangeForm[User]
    _UserAdmin = UserAdmin[User]
else:
    _UserCreationForm, _UserChangeForm = AdminUserCreationForm, UserChangeForm
    _UserAdmin = UserAdmin

ROLE_HELP = (
    "What this person may do. Auditors and admins set up two-factor sign-in at their first "
    "sign-in. Saving makes this the person's only role."
)


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Role", choices=ROLE_CHOICES, widget=forms.RadioSelect, help_text=ROLE_HELP
    )


class TeamUserCreationForm(_UserCreationForm):
    role = _role_field()


class TeamUserChangeForm(_UserChangeForm):
    role = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = role_of(self.instance)


def _member_of(group_name: str) -> Exists:
    return Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__name=group_name))


def with_role_and_two_factor(users: QuerySet[User]) -> QuerySet[User]:
    """Each user's role key (as role_of has it) and whether a confirmed authenticator exists,
    computed in the list's one query so they can be shown, sorted and filtered."""
    return users.annotate(
        role_key=Case(
            When(is_superuser=True, then=Value("admin")),
            *(When(_member_of(group), then=Value(key)) for key, group in ROLE_GROUPS.items()),
            default=Value("none"),
        ),
        has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    )


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, ROLE_NAMES[key]) for key, _ in ROLE_CHOICES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() in ROLE_NAMES:
            # role_key is with_role_and_two_factor's annotation (unknown to the type checker).
            return queryset.filter(**{"role_key": self.value()})
        return queryset


class TeamUserAdmin(_UserAdmin):
    form = TeamUserChangeForm
    add_form = TeamUserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("Access", {"fields": ("role",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "role", "two_factor")
    list_filter = (RoleFilter, "is_active")
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return with_role_and_two_factor(super().get_queryset(request))

    @admin.display(description="Role", ordering="role_key")
    def role(self, user: User) -> str:
        # role_key comes with the list's own query (get_queryset); asked apart only without it.
        return ROLE_NAMES[getattr(user, "role_key", None) or role_of(user)]

    @admin.display(description="Two-factor set up", boolean=True, ordering="has_two_factor")
    def two_factor(self, user: User) -> bool:
        return bool(getattr(user, "has_two_factor", False))

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[User],
        formsets: list[BaseFormSet[Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        # The role decides groups, superuser and staff status together (customers.team.roles).
        role_assign(form.instance, form.cleaned_data["role"])
