"""No page's number of SQL queries grows with the data: pinned on a large scene."""

import datetime
import itertools

import pytest
from django.db import connection, transaction
from django.utils import timezone

from distribution import response_times
from distribution.models import (
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    Lead,
    Operator,
    Webhook,
    WebhookDelivery,
)

from .conftest import htmx

BOTS, OPERATORS, LEADS, CONTACTS = 30, 50, 2000, 6000


@pytest.fixture(scope="module")
def built_scene(django_db_setup, django_db_blocker):
    """30 bots x 50 operators, 2,000 leads, 6,000 contacts over 30 days: mostly closed, every
    operator holding open contacts up to its capacity, and a queue; the first bot has a webhook
    with a delivery for each of its contacts. Built once for the module, in a transaction that
    each test's own rolls back into, and that is rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


@pytest.fixture
def large_scene(db, built_scene):
    """The module's scene: its bot, operator, lead and contact, read afresh for each test."""
    return {key: type(row).objects.get(pk=row.pk) for key, row in built_scene.items()}


def _build() -> dict:
    bots = Bot.objects.bulk_create(
        Bot(name=f"Bot {n}", slug=f"bot-{n}", token_prefix=f"p{n:07d}", token_hash="0" * 64)
        for n in range(BOTS)
    )
    operators = Operator.objects.bulk_create(
        Operator(name=f"Operator {n}", max_open_contacts=5, is_active=n % 10 != 0) for n in range(OPERATORS)
    )
    BotOperator.objects.bulk_create(
        BotOperator(bot=bot, operator=operator, weight=10 + (operator.pk % 4) * 10)
        for bot, operator in itertools.product(bots, operators)
    )
    leads = Lead.objects.bulk_create(
        Lead(name=f"Lead {n}", external_id=f"tg-{n}", email=f"lead{n}@example.com", phone=f"+7999{n:07d}")
        for n in range(LEADS)
    )
    now = timezone.now()
    slots = itertools.cycle(operators)
    open_left = {operator.pk: operator.max_open_contacts for operator in operators}
    contacts = []
    for n in range(CONTACTS):
        created = now - datetime.timedelta(minutes=7 * (CONTACTS - n))
        operator = next(slots)
        contact = Contact(lead=leads[n % LEADS], bot=bots[n % BOTS], created_at=created, message="Hello")
        if n >= CONTACTS - 100:
            contact.status = Contact.Status.WAITING
        elif n >= CONTACTS - 400 and open_left[operator.pk]:
            open_left[operator.pk] -= 1
            contact.status, contact.operator, contact.assigned_at = Contact.Status.OPEN, operator, created
        else:
            contact.status, contact.operator = Contact.Status.CLOSED, operator
            contact.assigned_at, contact.closed_at = created, created + datetime.timedelta(minutes=30)
        contacts.append(contact)
    Contact.objects.bulk_create(contacts, batch_size=1000)
    webhook = Webhook.objects.create(
        bot=bots[0], url="https://hooks.example.com/", secret="whsec_x", events=["contact.assigned"]
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=webhook, contact=contact, event="contact.assigned", payload={}, attempts=3)
        for contact in contacts
        if contact.bot_id == bots[0].pk
    )
    open_contact = next(contact for contact in contacts if contact.status == Contact.Status.OPEN)
    analyze()
    return {
        "bot": bots[0],
        "operator": operators[1],
        "lead": leads[0],
        "contact": contacts[-1],
        "open_contact": open_contact,
    }


def analyze() -> None:
    """Give PostgreSQL's planner the statistics of the rows just written, not of earlier tests'.

    Autovacuum cannot see rows a transaction has not committed: with the statistics other tests
    left, the planner once walked the whole event index for each contact of the report (minutes).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@pytest.fixture
def scheduled(large_scene):
    """Every bot and every operator of the scene with hours closed now, which the lists show."""
    later = (timezone.now().weekday() + 2) % 7
    week = [[["09:00", "18:00"]] if day == later else [] for day in range(7)]
    closed = {"time_zone": "UTC", "week": week, "days_off": []}
    Bot.objects.update(hours=closed)
    Operator.objects.update(shifts=closed)


PAGES = [
    # (url, max queries): session, user and the login's permissions (its own, its groups') are 4.
    ("/", 10),  # the counts: waiting, closed today, passed on today, the rest of the open ones
    ("/operators/", 7),
    ("/operators/{operator}/", 10),
    ("/operators/{operator}/archive", 6),  # the confirmation: the operator and its load
    ("/bots/", 6),
    ("/bots/{bot}/", 11),  # 9 + the webhook + its last deliveries
    ("/leads/", 8),
    ("/leads/?q=lead1", 8),
    ("/leads/{lead}/", 10),  # the sources, the contacts' history, the possible duplicates: one each
    ("/contacts/", 8),
    ("/contacts/{contact}/", 7),
    ("/contacts/{open_contact}/", 7),  # the operators with room to transfer it to: one query
    ("/contacts/?status=waiting&bot={bot}&period=30d", 9),
    # 9 + the closes by reason + the response times' fold and the events it has not reached
    ("/report/?period=30d", 12),
    ("/report/?period=30d&bot={bot}", 12),
    ("/settings/time-zone", 4),  # the login's zone is in its session
]


@pytest.mark.parametrize(("url", "limit"), PAGES)
def test_a_page_makes_a_bounded_number_of_queries(
    manager_client, large_scene, scheduled, django_assert_max_num_queries, url, limit
):
    url = url.format(**{key: value.pk for key, value in large_scene.items()})

    with django_assert_max_num_queries(limit):
        response = manager_client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("/operators/?archived=1", 7),
        ("/bots/?archived=1", 6),
        ("/operators/{operator}/", 10),
        ("/bots/{bot}/", 11),
        ("/contacts/?operator={operator}", 9),  # an archived operator's history, still filtered by it
    ],
)
def test_the_archived_views_make_a_bounded_number_of_queries(
    manager_client, large_scene, django_assert_max_num_queries, url, limit
):
    """Half the bots and operators archived: the lists' archived views and the archived pages."""
    now = timezone.now()
    Bot.objects.filter(pk__in=Bot.objects.order_by("pk").values("pk")[: BOTS // 2]).update(archived_at=now)
    archived = Operator.objects.order_by("pk").values("pk")[: OPERATORS // 2]
    Operator.objects.filter(pk__in=archived).update(archived_at=now, is_active=False)
    url = url.format(**{key: value.pk for key, value in large_scene.items()})

    with django_assert_max_num_queries(limit):
        response = manager_client.get(url)

    assert response.status_code == 200


@pytest.fixture
def events(large_scene):
    """The large scene's history: each contact arrived, was assigned, taken a minute later and
    (closed ones) closed."""
    Kind = ContactEvent.Kind
    rows = []
    for contact in Contact.objects.exclude(operator=None):
        rows.append(ContactEvent(contact=contact, kind=Kind.CREATED, at=contact.created_at))
        rows.append(
            ContactEvent(
                contact=contact, kind=Kind.ASSIGNED, at=contact.assigned_at, operator_id=contact.operator_id
            )
        )
        rows.append(
            ContactEvent(
                contact=contact,
                kind=Kind.ACCEPTED,
                at=contact.assigned_at + datetime.timedelta(minutes=1),
                operator_id=contact.operator_id,
            )
        )
        if contact.closed_at:
            rows.append(
                ContactEvent(
                    contact=contact, kind=Kind.CLOSED, at=contact.closed_at, operator_id=contact.operator_id
                )
            )
    ContactEvent.objects.bulk_create(rows, batch_size=2000)
    analyze()
    return large_scene


@pytest.mark.parametrize("url", ["/report/?period=30d", "/report/?period=30d&bot={bot}"])
@pytest.mark.parametrize("fold_until_hours_ago", [None, 24, 2])
def test_the_response_times_make_a_bounded_number_of_queries(
    manager_client, events, django_assert_max_num_queries, url, fold_until_hours_ago
):
    """Walked from the events, or folded up to a day or two hours ago and the rest walked."""
    if fold_until_hours_ago is not None:
        response_times.fold(until=timezone.now() - datetime.timedelta(hours=fold_until_hours_ago))

    # The page's 10, then the fold's state, its two days of sums, the events it has not reached.
    with django_assert_max_num_queries(13 if fold_until_hours_ago else 12):
        response = manager_client.get(url.format(bot=events["bot"].pk))

    assert response.status_code == 200
    assert b"Response times" in response.content


@pytest.mark.parametrize(("part", "limit"), [("counts", 8), ("load", 5), ("queue", 9)])
def test_an_overview_refresh_makes_a_bounded_number_of_queries(
    manager_client, large_scene, scheduled, django_assert_max_num_queries, part, limit
):
    """Each part reads only its own rows (the queue's link to all waiting contacts, the counts)."""
    with django_assert_max_num_queries(limit):
        manager_client.get("/", **htmx(part))


def test_closing_a_contact_makes_a_bounded_number_of_queries(
    manager_client, large_scene, django_assert_max_num_queries
):
    """The freed slot goes to the oldest waiting contact; the drain then stops, since the operator
    is full again, instead of visiting each of the operator's 30 bots."""
    contact = Contact.objects.filter(status=Contact.Status.OPEN).first()

    # 31 = 24 + the two history rows (the close and the assignment from the queue) + the login's
    # permissions (its own, its groups') + for each of the two changes, the look for a webhook +
    # the close's lock of its bot.
    with django_assert_max_num_queries(31):
        response = manager_client.post(f"/contacts/{contact.pk}/close", **htmx())

    assert response.status_code == 200
    assert Contact.objects.filter(operator=contact.operator, status=Contact.Status.OPEN).count() == 5


@pytest.fixture
def operator_client(client, large_scene, roles):
    """Operator 1 of the large scene (5 open contacts of 30 bots) logged in to its workspace."""
    from django.contrib.auth import get_user_model

    operator = large_scene["operator"]
    operator.user = get_user_model().objects.create_user("operator", password="operator-password")
    operator.save(update_fields=["user"])
    operator.user.groups.add(roles["Operators"])
    client.force_login(operator.user)
    return client


@pytest.mark.parametrize(
    ("headers", "limit"),
    [
        # session, user, operator, the user's and its groups' permissions, numbers, contacts
        pytest.param({}, 7, id="page"),
        pytest.param(htmx("my-contacts"), 7, id="poll"),
    ],
)
def test_the_workspace_makes_a_bounded_number_of_queries(
    operator_client, scheduled, django_assert_max_num_queries, headers, limit
):
    with django_assert_max_num_queries(limit):
        response = operator_client.get("/me/", **headers)

    assert response.status_code == 200
    assert len(response.context["contacts"]) == 5


def test_the_workspace_contact_page_makes_a_bounded_number_of_queries(
    operator_client, large_scene, django_assert_max_num_queries
):
    contact = Contact.objects.filter(operator=large_scene["operator"], status=Contact.Status.OPEN).first()

    # session, user, operator, permissions (2), the contact, the lead's other contacts
    with django_assert_max_num_queries(7):
        response = operator_client.get(f"/me/contacts/{contact.pk}/")

    assert response.status_code == 200


def test_the_metrics_make_a_bounded_number_of_queries(
    client, settings, events, scheduled, django_assert_max_num_queries
):
    settings.METRICS_TOKEN = "metrics-token"

    # contacts, the queue, bots, assignments, closes, webhooks, operators, the worker: one each
    with django_assert_max_num_queries(8):
        response = client.get("/metrics", headers={"Authorization": "Bearer metrics-token"})

    assert response.status_code == 200
    assert b'minicrm_contacts{status="waiting"} 100.0' in response.content
