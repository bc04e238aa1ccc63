"""Operators' logins: a manager gives an operator a user account for its workspace at /me/,
resets its password, or detaches it.

The password is generated here and returned to the caller, which shows it once in its response:
it is never stored in clear, nor put in a message, a cookie or the session (those are readable
without the secret key; see tests/test_secrets_in_cookies.py).
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Operator
from .permissions import OPERATORS as OPERATORS_GROUP


class LoginRefused(ValueError):
    """The operator already has a login (create), or has none (reset, detach)."""


class UsernameTaken(LoginRefused):
    """Another user has this username, in any case."""


def _refuse_beyond_an_operator(operator: Operator, user: User) -> None:
    """A manager manages operators' logins, not other people's: a login that can do more than an
    operator's (staff, a superuser, other groups or permissions of its own) is changed only by an
    administrator in admin, or its password reset would hand its powers to whoever reset it."""
    if (
        user.is_staff
        or user.is_superuser
        or user.user_permissions.exists()
        or user.groups.exclude(name=OPERATORS_GROUP).exists()
    ):
        raise LoginRefused(
            _(
                "The login of %(operator)s can do more than an operator's: "
                "an administrator changes it in admin."
            )
            % {"operator": operator.name}
        )


def generate_password() -> str:
    # 16 URL-safe characters (96 bits): typed once by a person, strong without a dictionary word.
    return secrets.token_urlsafe(12)


def create_login(*, operator: Operator, username: str) -> tuple[AbstractBaseUser, str]:
    """A new active user for `operator`, in the Operators group, with a generated password.
    Returns the user and the password."""
    user_model = get_user_model()
    password = generate_password()
    with transaction.atomic():
        operator = Operator.objects.select_for_update().get(pk=operator.pk)
        if operator.user_id is not None:
            raise LoginRefused(_("%(operator)s already has a login.") % {"operator": operator.name})
        if user_model.objects.filter(username__iexact=username).exists():
            raise UsernameTaken(_("The username %(username)s is taken.") % {"username": username})
        user = user_model.objects.create_user(username, password=password)
        # The group's permissions come from the roles migration; until it ran, the group is empty.
        group, _created = Group.objects.get_or_create(name=OPERATORS_GROUP)
        user.groups.add(group)
        operator.user = user
        operator.save(update_fields=["user"])
    return user, password


def reset_password(*, operator: Operator) -> str:
    """A new generated password for the operator's login; the old one stops working, and so do
    the login's sessions elsewhere (their hash no longer matches). Returns the password."""
    password = generate_password()
    with transaction.atomic():
        # The operator's row only: PostgreSQL cannot lock the nullable side of the join to its user.
        operator = Operator.objects.select_for_update(of=("self",)).select_related("user").get(pk=operator.pk)
        if operator.user is None:
            raise LoginRefused(_("%(operator)s has no login.") % {"operator": operator.name})
        _refuse_beyond_an_operator(operator, operator.user)
        operator.user.set_password(password)
        operator.user.save(update_fields=["password"])
    return password


def detach_login(*, operator: Operator) -> AbstractBaseUser:
    """Unlink the operator's login and deactivate it. The user row stays, so that the contacts'
    history still names who closed what; deactivated, it can no longer log in, and its open
    sessions end at their next request. Returns the user."""
    with transaction.atomic():
        operator = Operator.objects.select_for_update(of=("self",)).select_related("user").get(pk=operator.pk)
        user = operator.user
        if user is None:
            raise LoginRefused(_("%(operator)s has no login.") % {"operator": operator.name})
        _refuse_beyond_an_operator(operator, user)
        operator.user = None
        operator.save(update_fields=["user"])
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user
