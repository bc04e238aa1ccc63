"""Operators' logins to their workspace, which a manager gives, resets or detaches.

A generated password is returned to be shown once: never stored in clear, nor put in a message, a
cookie or the session, readable without the secret key (tests/test_secrets_in_cookies.py).
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
    """Refuse to change a login that can do more than an operator's.

    Resetting its password would hand its powers to the manager who reset it."""
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
    # 96 bits in 16 characters: typed once by a person, strong without a dictionary word.
    return secrets.token_urlsafe(12)


def create_login(*, operator: Operator, username: str) -> tuple[AbstractBaseUser, str]:
    """Give `operator` a new login in the Operators group; return the user and its password."""
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
    """Give the operator's login a new password and return it; its sessions end."""
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
    """Unlink the operator's login and deactivate it; return the user.

    The user row stays, so that the contacts' history still names who closed what."""
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
