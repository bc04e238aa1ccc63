"""A manager's archive of bots and operators: out of lists and routing, their history kept.

The routing rules stay as they are: an archived operator is switched off and cannot be switched
on, so rule 3 never finds it eligible; an archived bot's intake is refused before rule 1.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..models import Bot, Contact, Operator
from .lifecycle import hand_over_contacts


def archive_operator(*, operator: Operator, by: User | None = None) -> list[Contact]:
    """Archive the operator, switch it off and hand its open contacts back to the queue; return
    those re-assigned."""
    now = timezone.now()
    with transaction.atomic():
        # First, so that no switch-on slips in between the two.
        Operator.objects.filter(pk=operator.pk, archived_at=None).update(archived_at=now)
    operator.archived_at = Operator.objects.values_list("archived_at", flat=True).get(pk=operator.pk)
    return hand_over_contacts(operator=operator, by=by)


def unarchive_operator(*, operator: Operator) -> None:
    """Bring an archived operator back, switched off."""
    Operator.objects.filter(pk=operator.pk).update(archived_at=None)
    operator.archived_at = None


def archive_bot(*, bot: Bot) -> None:
    """Archive the bot: its intake is refused; its open and waiting contacts still finish."""
    Bot.objects.filter(pk=bot.pk, archived_at=None).update(archived_at=timezone.now())
    bot.archived_at = Bot.objects.values_list("archived_at", flat=True).get(pk=bot.pk)


def unarchive_bot(*, bot: Bot) -> None:
    """Let an archived bot send contacts again."""
    Bot.objects.filter(pk=bot.pk).update(archived_at=None)
    bot.archived_at = None


def rename_bot(*, bot: Bot, name: str) -> None:
    """Give the bot another name; its slug and token stay."""
    Bot.objects.filter(pk=bot.pk).update(name=name)
    bot.name = name
