"""The management commands: createbot and demo."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from distribution import schedules
from distribution.models import Bot, BotOperator, Contact, ContactEvent, IdentifierSource, Lead, Operator
from distribution.tokens import find_bot


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_createbot_prints_a_token_that_works_and_is_not_stored():
    output = run("createbot", "Telegram Sales")

    token = output.strip().splitlines()[-1]
    bot = Bot.objects.get()
    assert (bot.name, bot.slug) == ("Telegram Sales", "telegram-sales")
    assert find_bot(token) == bot
    assert token not in (bot.token_prefix + bot.token_hash)
    assert bot.token_hash != token


@pytest.mark.django_db
def test_createbot_refuses_a_taken_slug():
    run("createbot", "Telegram Sales")

    with pytest.raises(CommandError, match="already exists"):
        run("createbot", "telegram sales")
    assert Bot.objects.count() == 1


@pytest.mark.django_db
def test_createbot_refuses_a_name_without_letters():
    with pytest.raises(CommandError, match="letter or digit"):
        run("createbot", "!!!")


def test_demo_fills_an_empty_database(roles):
    # A smaller month than the default 900 contacts, with a queue still (the seed gives one).
    output = run("demo", "--password", "demo-pass-123", "--contacts", "360")

    assert Bot.objects.count() == 30
    assert Operator.objects.count() == 12
    assert Contact.objects.count() == 360
    assert BotOperator.objects.count() >= 60
    for status in Contact.Status.values:
        assert Contact.objects.filter(status=status).exists(), status
    # Leads write through several bots.
    assert any(lead.contacts.values("bot").distinct().count() > 1 for lead in Lead.objects.all())
    # Identifiers are stored normalised, as the intake stores them, so searches find them.
    phones = Lead.objects.exclude(phone=None).values_list("phone", flat=True)
    assert all(re.fullmatch(r"\+\d{8,15}", phone) for phone in phones)
    # The web chats vouch for no phone: some of their contacts make possible duplicates.
    assert Lead.objects.exclude(duplicate_of=None).exists()
    assert all(
        email == email.lower() for email in Lead.objects.exclude(email=None).values_list("email", flat=True)
    )
    # Sources are dated like the contacts that supplied them, spread over the month.
    assert not IdentifierSource.objects.exclude(created_at=F("contact__created_at")).exists()
    # Issue 19: bots with their answer and return times; contacts taken and closed untaken, passed
    # on, overdue, and returning leads; an operator switched away for its misses.
    assert Bot.objects.exclude(answer_within=None).exists()
    assert Bot.objects.exclude(return_within=None).exists()
    assert Contact.objects.exclude(accepted_at=None).exists()
    assert Contact.objects.filter(status="closed", accepted_at=None).exclude(operator=None).exists()
    assert Contact.objects.filter(status="open", accepted_at=None).exclude(overdue_since=None).exists()
    for reason in [ContactEvent.Reason.PASSED_ON, ContactEvent.Reason.RETURNED]:
        assert ContactEvent.objects.filter(kind="assigned", reason=reason).exists(), reason
    assert ContactEvent.objects.filter(kind="missed").exists()
    assert Operator.objects.filter(is_active=False, away_reason="missed").count() == 1
    # Issue 20: bots with working hours, one of them closed now whatever the time; operators with
    # shifts, switched by them as the worker would.
    now = timezone.now()
    hours = [bot.hours for bot in Bot.objects.exclude(hours__isnull=True)]
    assert len(hours) >= 10
    assert any(not schedules.opening(stored, now)[0] for stored in hours)
    with_shifts = Operator.objects.exclude(shifts__isnull=True)
    assert with_shifts.count() >= 3
    assert all(operator.shift_edge_at is not None for operator in with_shifts)
    assert all(
        operator.is_active == schedules.stored(operator.shifts).is_open(now) for operator in with_shifts
    )
    # Taken between assignment and close, deadlines a bot's time after the assignment.
    assert not Contact.objects.filter(accepted_at__lt=F("assigned_at")).exists()
    assert not Contact.objects.filter(closed_at__lt=F("accepted_at")).exists()
    assert not Contact.objects.filter(
        answer_by__gt=F("assigned_at") + datetime.timedelta(minutes=15)
    ).exists()
    # The demo went through the routing service: nobody is over capacity.
    for operator in Operator.objects.all():
        assert operator.contacts.filter(status="open").count() <= operator.max_open_contacts
    manager = get_user_model().objects.get(username="manager")
    assert manager.is_staff
    assert manager.is_superuser  # Django admin works with the demo login
    assert manager.check_password("demo-pass-123")
    assert list(manager.groups.values_list("name", flat=True)) == ["Managers"]
    assert "Manager login: username 'manager', password 'demo-pass-123'" in output
    # Two operator logins, in the Operators group: their workspace only.
    for username, name in [("alice", "Alice Morgan"), ("boris", "Boris Petrov")]:
        login = get_user_model().objects.get(username=username)
        assert list(login.groups.values_list("name", flat=True)) == ["Operators"]
        assert not login.is_staff
        assert login.get_full_name() == name
        assert login.operator.name == name  # linked: /me/ shows that operator's contacts
        assert login.check_password("demo-pass-123")
        assert f"Operator login ({name}): username '{username}', password 'demo-pass-123'" in output
    token = output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert find_bot(token) is not None


@pytest.mark.django_db
def test_demo_refuses_a_database_with_data(make_operator):
    make_operator()

    with pytest.raises(CommandError, match="not empty"):
        run("demo")
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_demo_if_empty_leaves_data_alone(make_operator):
    make_operator()

    assert "left it as it is" in run("demo", "--if-empty")
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_createbot_accepts_a_name_in_any_script():
    run("createbot", "Продажи")

    assert Bot.objects.get().slug == "продажи"


@pytest.mark.django_db
def test_rebuilddailycounts_recounts_the_report(bot_with_operators, send):
    from distribution.models import DailyAssignments

    bot, _ = bot_with_operators(weights=[10])
    send(bot)
    DailyAssignments.objects.update(contacts=99)

    assert run("rebuilddailycounts").splitlines()[0] == "1 daily figures recounted."
    assert DailyAssignments.objects.get().contacts == 1
