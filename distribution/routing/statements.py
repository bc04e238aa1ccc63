"""The intake's statements in fixed SQL, per backend where they must differ.

The ORM spent most of an intake's CPU building and compiling queries (issue 12); these statements
are written once and only bound. They hold no rule: the routing package decides what to read and
write (which lead, who is eligible, who is chosen), in the order of its locking rules (see
distribution/routing/__init__.py), and calls these to do it. Every function runs in the caller's
transaction.

SQLite runs one writing transaction at a time (every transaction is IMMEDIATE), so the bot, its
links, its operators and their loads are read in one statement. PostgreSQL locks the bot's row,
then its BotOperator rows, then the candidate operators' rows, each in id order, and counts the
loads only after that, in a fresh statement: one that waited for an operator's lock must see the
contacts that were committed meanwhile. There, assign_in_one_call does the same after the lead,
in one call of the function that migration 0013 creates.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection

from ..models import (
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    DailyAssignments,
    IdentifierSource,
    Lead,
    Operator,
    Webhook,
)

BOT, LINK, OPERATOR, LEAD = (model._meta.db_table for model in (Bot, BotOperator, Operator, Lead))
CONTACT, EVENT, DAILY, SOURCE = (
    model._meta.db_table for model in (Contact, ContactEvent, DailyAssignments, IdentifierSource)
)
WEBHOOK = Webhook._meta.db_table
OPEN = Contact.Status.OPEN.value


@dataclass
class Candidate:
    """A BotOperator row of the locked bot, with its operator when that one is switched on."""

    link_id: int
    operator_id: int
    weight: int
    current_weight: int
    operator_name: str | None  # None: the operator is switched off
    capacity: int
    load: int


@dataclass
class LockedBot:
    name: str
    token_hash: str
    webhook_events: list[str] | None  # None: no active webhook
    candidates: list[Candidate]


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _datetime(value: datetime) -> object:
    return connection.ops.adapt_datetimefield_value(value)


def _events_of(value: object) -> list[str] | None:
    if value is None:
        return None
    # The JSON column comes back as text from both drivers (Django decodes it in the ORM only).
    return json.loads(value) if isinstance(value, str) else value


def bot_and_contact(bot_id: int, external_id: str) -> tuple[str, int | None] | None:
    """The bot's token hash and the id of its contact with this external_id (None: none), or
    None when the bot is gone."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.token_hash, c.id FROM {BOT} b LEFT JOIN {CONTACT} c"  # noqa: S608
            " ON c.bot_id = b.id AND c.external_id = %s WHERE b.id = %s",
            [external_id, bot_id],
        )
        return cursor.fetchone()


def lock_leads(identifiers: dict[str, str]) -> list[tuple]:
    """Every lead that holds one of these identifiers, locked, in id order:
    (id, name, external_id, email, phone)."""
    condition = " OR ".join(f"{field} = %s" for field in identifiers)
    lock = " FOR UPDATE" if _postgresql() else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, external_id, email, phone FROM {LEAD}"  # noqa: S608
            f" WHERE {condition} ORDER BY id{lock}",
            list(identifiers.values()),
        )
        return cursor.fetchall()


def insert_lead(*, name: str, identifiers: dict[str, str], created_at: datetime) -> int:
    columns = ["name", "created_at", *identifiers]
    values = [name, _datetime(created_at), *identifiers.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LEAD} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            " RETURNING id",
            values,
        )
        return cursor.fetchone()[0]


def update_lead(lead_id: int, changes: dict[str, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LEAD} SET {', '.join(f'{field} = %s' for field in changes)} WHERE id = %s",  # noqa: S608
            [*changes.values(), lead_id],
        )


_SQLITE_BOT = f"""
SELECT b.name, b.token_hash, w.events, l.id, l.operator_id, l.weight, l.current_weight, o.name,
       o.max_open_contacts,
       (SELECT COUNT(*) FROM {CONTACT} c WHERE c.operator_id = o.id AND c.status = %s)
FROM {BOT} b
LEFT JOIN {WEBHOOK} w ON w.bot_id = b.id AND w.is_active
LEFT JOIN {LINK} l ON l.bot_id = b.id
LEFT JOIN {OPERATOR} o ON o.id = l.operator_id AND o.is_active
WHERE b.id = %s
ORDER BY l.id
"""  # noqa: S608


def lock_bot(bot_id: int) -> LockedBot | None:
    """The bot, its active webhook's events and its candidates, locked as routing's rules say;
    None when the bot is gone."""
    with connection.cursor() as cursor:
        if not _postgresql():
            cursor.execute(_SQLITE_BOT, [OPEN, bot_id])
            rows = cursor.fetchall()
            if not rows:
                return None
            name, token_hash, events = rows[0][:3]
            candidates = [
                Candidate(*row[3:8], capacity=row[8] or 0, load=row[9] or 0)
                for row in rows
                if row[3] is not None
            ]
            return LockedBot(name, token_hash, _events_of(events), candidates)
        cursor.execute(
            f"SELECT b.name, b.token_hash, w.events FROM {BOT} b"  # noqa: S608
            f" LEFT JOIN {WEBHOOK} w ON w.bot_id = b.id AND w.is_active WHERE b.id = %s FOR UPDATE OF b",
            [bot_id],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        name, token_hash, events = row
        cursor.execute(
            f"SELECT id, operator_id, weight, current_weight FROM {LINK}"  # noqa: S608
            " WHERE bot_id = %s ORDER BY id FOR UPDATE",
            [bot_id],
        )
        links = cursor.fetchall()
        operators, loads = {}, {}
        if links:
            cursor.execute(
                f"SELECT id, name, max_open_contacts FROM {OPERATOR}"  # noqa: S608
                " WHERE id = ANY(%s) AND is_active ORDER BY id FOR UPDATE",
                [sorted({link[1] for link in links})],
            )
            operators = {pk: (name, capacity) for pk, name, capacity in cursor.fetchall()}
        if operators:
            cursor.execute(
                f"SELECT operator_id, COUNT(*) FROM {CONTACT}"  # noqa: S608
                " WHERE operator_id = ANY(%s) AND status = %s GROUP BY operator_id",
                [sorted(operators), OPEN],
            )
            loads = dict(cursor.fetchall())
        candidates = [
            Candidate(
                link_id,
                operator_id,
                weight,
                current,
                operators.get(operator_id, (None, 0))[0],
                capacity=operators.get(operator_id, (None, 0))[1],
                load=loads.get(operator_id, 0),
            )
            for link_id, operator_id, weight, current in links
        ]
        return LockedBot(name, token_hash, _events_of(events), candidates)


def advance(*, eligible: list[int], chosen: int, total: int) -> None:
    """The round robin's step on the locked rows: every eligible row gains its weight, the chosen
    one loses the eligible weights' sum."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LINK} SET current_weight = current_weight + weight"  # noqa: S608
            f" - CASE WHEN id = %s THEN %s ELSE 0 END WHERE id IN ({', '.join(['%s'] * len(eligible))})",
            [chosen, total, *eligible],
        )


def count_assignment(*, bot_id: int, operator_id: int, day: date) -> None:
    """One more contact in the day's figure of (bot, operator), created if it is the first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DAILY} (bot_id, operator_id, day, contacts) VALUES (%s, %s, %s, 1)"  # noqa: S608
            f" ON CONFLICT (bot_id, operator_id, day) DO UPDATE SET contacts = {DAILY}.contacts + 1",
            [bot_id, operator_id, connection.ops.adapt_datefield_value(day)],
        )


def insert_contact(contact: Contact) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CONTACT} (lead_id, bot_id, operator_id, status, message, external_id,"  # noqa: S608
            " created_at, assigned_at, closed_at, resolution)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, '') RETURNING id",
            [
                contact.lead_id,
                contact.bot_id,
                contact.operator_id,
                contact.status,
                contact.message,
                contact.external_id,
                _datetime(contact.created_at),
                _datetime(contact.assigned_at) if contact.assigned_at else None,
            ],
        )
        return cursor.fetchone()[0]


def insert_events(events: Iterable[ContactEvent]) -> None:
    """The history rows of one new contact (no actor, no bot: the intake wrote them)."""
    rows = [
        (event.contact_id, event.kind, _datetime(event.at), event.reason, event.note, event.operator_id)
        for event in events
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EVENT} (contact_id, kind, at, reason, note, operator_id)"  # noqa: S608
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(rows))}",
            [value for row in rows for value in row],
        )


def record_sources(sources: list[IdentifierSource]) -> None:
    """Where each identifier came from, replacing what an earlier holder of the field left."""
    rows = [
        (
            source.lead_id,
            source.field,
            source.value,
            source.bot_id,
            source.contact_id,
            _datetime(source.created_at),
        )
        for source in sources
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SOURCE} (lead_id, field, value, bot_id, contact_id, created_at)"  # noqa: S608
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(rows))}"
            " ON CONFLICT (lead_id, field) DO UPDATE SET value = excluded.value, bot_id = excluded.bot_id,"
            " contact_id = excluded.contact_id, created_at = excluded.created_at",
            [value for row in rows for value in row],
        )


@dataclass
class Assigned:
    """What distribution_intake_assign (migration 0013) did: contact_id None when it wrote nothing,
    the token being no longer the bot's; operator_id None when the contact waits."""

    bot_name: str
    token_hash: str
    webhook_events: list[str] | None
    contact_id: int | None
    operator_id: int | None
    operator_name: str | None
    capacity: int | None
    assigned_at: datetime | None


def assign_in_one_call(
    *,
    bot_id: int,
    token_hash: str | None,
    lead_id: int,
    message: str,
    external_id: str | None,
    now: datetime,
    day: date,
    sources: dict[str, str],
) -> Assigned | None:
    """PostgreSQL only: lock_bot, the choice, advance, count_assignment, insert_contact,
    insert_events and record_sources of one intake in one call; None when the bot is gone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM distribution_intake_assign(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                bot_id,
                token_hash,
                lead_id,
                message,
                external_id,
                now,
                day,
                list(sources),
                list(sources.values()),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    assigned = Assigned(*row)
    assigned.webhook_events = _events_of(assigned.webhook_events)
    return assigned
