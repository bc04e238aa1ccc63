"""Rule 11: outside a bot's hours its contacts wait and are assigned at the opening; deadlines,
auto-close and expiry count open hours only; operators' shifts switch them on and away."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from distribution import routing
from distribution.models import Bot, Contact, ContactEvent, Operator, OperatorEvent

from .test_concurrency import simultaneously

MOSCOW = ZoneInfo("Europe/Moscow")
WEEKDAYS = {"time_zone": "Europe/Moscow", "week": [[["09:00", "18:00"]]] * 5 + [[], []]}
MONDAY = datetime.datetime(2027, 1, 4, tzinfo=MOSCOW)  # ahead of the real clock, as PostgreSQL needs
MINUTE, HOUR = datetime.timedelta(minutes=1), datetime.timedelta(hours=1)


def at(clock, moment: datetime.datetime) -> None:
    clock.now = moment


def fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


@pytest.fixture
def office(bot_with_operators):
    """A bot open on weekdays from 9 to 18 in Moscow, with two operators."""
    bot, operators = bot_with_operators(weights=[10, 10], capacities=[5, 5])
    Bot.objects.filter(pk=bot.pk).update(hours=WEEKDAYS)
    bot.refresh_from_db()
    return bot, operators


def post(client, token: str, body: dict):
    return client.post(
        "/api/contacts",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_contact_outside_hours_waits_and_says_when_the_bot_opens(client, clock, bot_and_token, operator):
    bot, token = bot_and_token
    Bot.objects.filter(pk=bot.pk).update(hours=WEEKDAYS)
    at(clock, MONDAY + 7 * HOUR)

    response = post(client, token, {"lead": {"external_id": "tg-1"}})

    assert response.status_code == 202
    assert (response.json()["open"], response.json()["opens_at"]) == (False, "2027-01-04T09:00:00+03:00")
    assert Contact.objects.get().status == Contact.Status.WAITING


def test_within_hours_a_contact_is_assigned(client, clock, bot_and_token, operator):
    bot, token = bot_and_token
    Bot.objects.filter(pk=bot.pk).update(hours=WEEKDAYS)
    at(clock, MONDAY + 10 * HOUR)

    response = post(client, token, {"lead": {"external_id": "tg-1"}})

    assert response.status_code == 201
    assert (response.json()["open"], response.json()["opens_at"]) == (True, None)


def test_at_the_opening_the_waiting_contacts_go_oldest_first(clock, office, send):
    bot, (anna, boris) = office
    at(clock, MONDAY + 7 * HOUR)
    first = send(bot)
    at(clock, MONDAY + 8 * HOUR)
    second = send(bot)
    assert routing.sweep_idle_contacts().assigned == []  # still closed

    at(clock, MONDAY + 9 * HOUR)
    assigned = routing.sweep_idle_contacts().assigned

    assert [contact.pk for contact in assigned] == [first.pk, second.pk]
    assert {fresh(first).operator_id, fresh(second).operator_id} == {anna.pk, boris.pk}


def test_a_freed_place_does_not_go_to_a_closed_bot(clock, office, bot_with_operators, send):
    closed_bot, (anna, _) = office
    always, _ = bot_with_operators(weights=[])
    routing.set_weight(bot=always, operator=anna, weight=10)
    routing.set_operator_capacity(operator=anna, max_open_contacts=1)
    at(clock, MONDAY + 7 * HOUR)
    busy = send(always)
    waiting = send(closed_bot)
    routing.set_operator_active(operator=Operator.objects.get(pk=anna.pk), is_active=True)
    Operator.objects.exclude(pk=anna.pk).update(is_active=False)

    routing.close_contact(contact=busy)

    assert fresh(waiting).status == Contact.Status.WAITING


def test_the_answer_deadline_counts_open_hours(clock, office, send):
    bot, _ = office
    Bot.objects.filter(pk=bot.pk).update(answer_within=5 * MINUTE)
    friday = MONDAY - 3 * datetime.timedelta(days=1) + 17 * HOUR + 58 * MINUTE
    at(clock, friday)

    contact = send(bot)

    assert fresh(contact).answer_by == MONDAY + 9 * HOUR + 3 * MINUTE


def test_auto_close_counts_open_hours(settings, clock, office, send):
    settings.AUTO_CLOSE_AFTER = HOUR
    bot, _ = office
    at(clock, MONDAY - 3 * datetime.timedelta(days=1) + 17 * HOUR + 30 * MINUTE)  # Friday 17:30
    contact = send(bot)

    at(clock, MONDAY + 9 * HOUR + 29 * MINUTE)
    assert routing.sweep_idle_contacts().closed == []
    at(clock, MONDAY + 9 * HOUR + 31 * MINUTE)
    assert [c.pk for c in routing.sweep_idle_contacts().closed] == [contact.pk]


def test_waiting_expiry_counts_open_hours(settings, clock, office, send):
    settings.WAITING_EXPIRES_AFTER = 2 * HOUR
    bot, _ = office
    Operator.objects.update(is_active=False)
    at(clock, MONDAY + 7 * HOUR)
    contact = send(bot)

    at(clock, MONDAY + 10 * HOUR + 59 * MINUTE)
    assert routing.sweep_idle_contacts().expired == []
    at(clock, MONDAY + 11 * HOUR + MINUTE)
    assert [c.pk for c in routing.sweep_idle_contacts().expired] == [contact.pk]


def test_the_hours_api_tells_the_next_seven_days(client, clock, bot_and_token):
    bot, token = bot_and_token
    Bot.objects.filter(pk=bot.pk).update(hours=WEEKDAYS)
    at(clock, MONDAY + 20 * HOUR)

    body = client.get("/api/schedule", HTTP_AUTHORIZATION=f"Bearer {token}").json()

    assert (body["open"], body["opens_at"], body["time_zone"]) == (
        False,
        "2027-01-05T09:00:00+03:00",
        "Europe/Moscow",
    )
    assert body["hours"][0] == {"opens": "2027-01-05T09:00:00+03:00", "closes": "2027-01-05T18:00:00+03:00"}
    assert len(body["hours"]) == 5  # Tuesday to Friday, and the next Monday


def test_a_bot_without_hours_is_always_open(client, bot_and_token):
    _, token = bot_and_token

    body = client.get("/api/schedule", HTTP_AUTHORIZATION=f"Bearer {token}").json()

    assert (body["open"], body["opens_at"], body["hours"]) == (True, None, None)


# Operators' shifts ---------------------------------------------------------------------------------

MORNINGS = {"time_zone": "Europe/Moscow", "week": [[["09:00", "13:00"]]] * 7}


@pytest.fixture
def shifted(bot_with_operators):
    """An always-open bot; Anna works mornings, Boris is always on."""
    bot, (anna, boris) = bot_with_operators(weights=[10, 1], capacities=[5, 5])
    Operator.objects.filter(pk=anna.pk).update(shifts=MORNINGS)
    return bot, Operator.objects.get(pk=anna.pk), boris


def events_of(operator: Operator) -> list[tuple[str, str]]:
    return list(operator.events.order_by("pk").values_list("kind", "reason"))


def test_a_shift_switches_its_operator_on_and_away_at_its_edges(clock, shifted):
    _, anna, _ = shifted
    at(clock, MONDAY + 8 * HOUR)

    routing.apply_shift_edges()
    anna.refresh_from_db()
    assert (anna.is_active, anna.shift_edge_at) == (False, MONDAY + 9 * HOUR)
    at(clock, MONDAY + 9 * HOUR)
    routing.apply_shift_edges()
    anna.refresh_from_db()

    assert anna.is_active
    assert events_of(anna) == [
        (OperatorEvent.Kind.AWAY, OperatorEvent.Reason.SHIFT),
        (OperatorEvent.Kind.ON, OperatorEvent.Reason.SHIFT),
    ]


def test_at_a_shift_s_end_its_new_contacts_pass_on_and_taken_ones_stay(clock, shifted, send):
    bot, anna, boris = shifted
    at(clock, MONDAY + 9 * HOUR)
    routing.apply_shift_edges()
    taken, new = send(bot), send(bot)
    assert (taken.operator_id, new.operator_id) == (anna.pk, anna.pk)
    routing.accept_contact(contact=taken)

    at(clock, MONDAY + 13 * HOUR)
    routing.apply_shift_edges()

    assert fresh(taken).operator_id == anna.pk
    assert fresh(new).operator_id == boris.pk
    assert not fresh(new).events.filter(kind=ContactEvent.Kind.MISSED).exists()


def test_a_switch_inside_a_shift_lasts_until_the_next_edge(clock, shifted):
    _, anna, _ = shifted
    at(clock, MONDAY + 9 * HOUR)
    routing.apply_shift_edges()
    routing.set_operator_active(operator=anna, is_active=False)

    at(clock, MONDAY + 10 * HOUR)
    routing.apply_shift_edges()
    assert not Operator.objects.get(pk=anna.pk).is_active  # her own choice holds
    at(clock, MONDAY + 33 * HOUR)  # Tuesday 09:00
    routing.apply_shift_edges()
    assert Operator.objects.get(pk=anna.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_an_opening_assign_each_contact_once(clock, office, send):
    bot, operators = office
    Operator.objects.update(max_open_contacts=2)
    at(clock, MONDAY + 7 * HOUR)
    waiting = [send(bot) for _ in range(6)]
    at(clock, MONDAY + 9 * HOUR)

    simultaneously(2, lambda _: routing.sweep_idle_contacts())

    assigned = Contact.objects.filter(status=Contact.Status.OPEN)
    assert assigned.count() == 4
    for contact in waiting:
        assert contact.events.filter(kind=ContactEvent.Kind.ASSIGNED).count() <= 1
    for operator in operators:
        assert operator.contacts.filter(status=Contact.Status.OPEN).count() <= 2
