"""The routing package's fixed SQL, per backend where they must differ.

Each statement is written once and only bound: the ORM's query building was most of an intake's
CPU (docs/performance.md). They hold no decision; the modules beside this one choose what to
read and write, in the lock order of docs/locking.md, and every function runs in the caller's
transaction. Table names and stored values come from the models.

SQLite runs one writer at a time, so the bot, its links, its operators and their loads are read in
one statement. PostgreSQL locks the bot's row, then its links, then the candidate operators, each
in id order, and counts the loads only after that, in a fresh statement: one that waited for an
operator's lock must see what committed meanwhile.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db import connection

from ..identifiers import IDENTIFIERS
from ..models import (
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    DailyAssignments,
    DailyCloses,
    IdentifierSource,
    Lead,
    Operator,
    Webhook,
)

BOT, LINK, OPERATOR, LEAD = (model._meta.db_table for model in (Bot, BotOperator, Operator, Lead))
CONTACT, EVENT, DAILY, SOURCE = (
    model._meta.db_table for model in (Contact, ContactEvent, DailyAssignments, IdentifierSource)
)
WEBHOOK, CLOSES = Webhook._meta.db_table, DailyCloses._meta.db_table
OPEN, WAITING = Contact.Status.OPEN.value, Contact.Status.WAITING.value


def load(operator: str) -> str:
    """Rule 2 in SQL: the open contacts of the operator whose id is the column `operator`.

    selectors.load_of says the same in the ORM.
    """
    return f"(SELECT COUNT(*) FROM {CONTACT} c WHERE c.operator_id = {operator} AND c.status = '{OPEN}')"  # noqa: S608


def eligible(link: str, operator: str) -> str:
    """Rule 3 in SQL, over a link row and its operator's row: weighted, switched on, with room.

    choice.eligible says the same in Python.
    """
    room = f"{load(f'{operator}.id')} < {operator}.max_open_contacts"
    return f"{link}.weight > 0 AND {operator}.is_active AND {room}"


def count_assignment_sql(*, bot: str, operator: str, day: str) -> str:
    """One more assignment in the day's figure of (bot, operator), created if it is the first."""
    return (
        f"INSERT INTO {DAILY} (bot_id, operator_id, day, contacts) VALUES ({bot}, {operator}, {day}, 1)"  # noqa: S608
        f" ON CONFLICT (bot_id, operator_id, day) DO UPDATE SET contacts = {DAILY}.contacts + 1"
    )


@dataclass
class Candidate:
    """A link of the locked bot, with its operator when that one is switched on."""

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
    answer_within: timedelta | None  # the bot's own (rule 9)
    return_within: timedelta | None  # rule 10
    hours: str | None  # its working hours, stored (rule 11)
    candidates: list[Candidate]
    waiting: bool  # some of its contacts wait (rule 5: they go before a new one)


def _duration(value: object) -> timedelta | None:
    # SQLite keeps a duration as its microseconds; Django converts it in the ORM only.
    return timedelta(microseconds=value) if isinstance(value, int) else value  # type: ignore[return-value]


def _json(value: object) -> str | None:
    # JSON comes back as text from SQLite and decoded from psycopg; schedules.stored takes either.
    return value if value is None or isinstance(value, str) else json.dumps(value, sort_keys=True)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _datetime(value: datetime | None) -> str | datetime | None:
    return None if value is None else connection.ops.adapt_datetimefield_value(value)


def decode_events(value: str | list[str] | None) -> list[str] | None:
    if value is None:
        return None
    # The JSON column comes back as text from both drivers (Django decodes it in the ORM only).
    return json.loads(value) if isinstance(value, str) else value


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


@dataclass
class BotRow:
    token_hash: str
    verified: frozenset[str]
    answer_within: timedelta | None
    return_within: timedelta | None
    hours: str | None
    contact_id: int | None  # its contact with the external_id asked for
    webhook: bool  # it has an active webhook


def read_bot_sql(*, bot: str, external_id: str) -> str:
    """The bot's read, with its parameters named; PostgreSQL runs it in a function that keeps its plan."""
    return (
        f"SELECT b.token_hash, b.verifies_external_id, b.verifies_email, b.verifies_phone,"  # noqa: S608
        f" b.answer_within, b.return_within, b.hours, c.id,"
        f" EXISTS (SELECT 1 FROM {WEBHOOK} w WHERE w.bot_id = b.id AND w.is_active)"
        f" FROM {BOT} b LEFT JOIN {CONTACT} c ON c.bot_id = b.id AND c.external_id = {external_id}"
        f" WHERE b.id = {bot}"
    )


READ_BOT_NAME = "distribution_intake_bot"
_READ_BOT = read_bot_sql(bot="%s", external_id="%s")


def read_bot(bot_id: int, external_id: str | None) -> BotRow | None:
    """Return what the intake reads of the bot before the lead; None if the bot is gone."""
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute(f"SELECT * FROM {READ_BOT_NAME}(%s, %s)", [bot_id, external_id])  # noqa: S608
        else:
            cursor.execute(_READ_BOT, [external_id, bot_id])
        row = cursor.fetchone()
    if row is None:
        return None
    token_hash, *flags, answer_within, return_within, hours, contact_id, webhook = row
    verified = frozenset(field for field, on in zip(IDENTIFIERS, flags, strict=True) if on)
    return BotRow(
        token_hash,
        verified,
        _duration(answer_within),
        _duration(return_within),
        _json(hours),
        contact_id,
        bool(webhook),
    )


class LeadRow(NamedTuple):
    """A lead's columns that rule 1 reads."""

    id: int
    name: str
    external_id: str | None
    email: str | None
    phone: str | None
    external_id_verified: bool
    email_verified: bool
    phone_verified: bool


LEAD_COLUMNS = LeadRow._fields


def lock_leads(identifiers: dict[str, str]) -> list[LeadRow]:
    """Lock every lead holding one of these identifiers, in id order."""
    condition = " OR ".join(f"{field} = %s" for field in identifiers)
    lock = " FOR UPDATE" if _postgresql() else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(LEAD_COLUMNS)} FROM {LEAD} WHERE {condition} ORDER BY id{lock}",  # noqa: S608
            list(identifiers.values()),
        )
        return [LeadRow(*row) for row in cursor.fetchall()]


def key_share_bots(bot_ids: Iterable[int]) -> None:
    """Lock these bots, in id order, as a check of a foreign key to them would (PostgreSQL only).

    A write whose new rows name a bot takes this lock at commit: taken first, it cannot come
    after a lock that a drain holding the bot waits for.
    """
    if _postgresql() and (bot_ids := sorted(set(bot_ids))):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {BOT} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", [bot_ids])  # noqa: S608


# A lead's column values: its name and identifiers, their marks, the possible duplicate's id.
LeadValue = str | bool | int | None


def insert_lead(*, created_at: datetime, **fields: LeadValue) -> int:
    columns = ["created_at", *fields]
    values: list[LeadValue | datetime] = [_datetime(created_at), *fields.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LEAD} ({', '.join(columns)}) VALUES ({_placeholders(len(columns))}) RETURNING id",  # noqa: S608
            values,
        )
        return cursor.fetchone()[0]


def update_lead(lead_id: int, changes: dict[str, LeadValue]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LEAD} SET {', '.join(f'{field} = %s' for field in changes)} WHERE id = %s",  # noqa: S608
            [*changes.values(), lead_id],
        )


_SQLITE_BOT = f"""
SELECT b.name, b.token_hash, w.events, b.answer_within, b.return_within, b.hours,
       l.id, l.operator_id, l.weight, l.current_weight, o.name, o.max_open_contacts, {load("o.id")},
       EXISTS (SELECT 1 FROM {CONTACT} q WHERE q.bot_id = b.id AND q.status = '{WAITING}')
FROM {BOT} b
LEFT JOIN {WEBHOOK} w ON w.bot_id = b.id AND w.is_active
LEFT JOIN {LINK} l ON l.bot_id = b.id
LEFT JOIN {OPERATOR} o ON o.id = l.operator_id AND o.is_active
WHERE b.id = %s
ORDER BY l.id
"""  # noqa: S608


def lock_bot(bot_id: int) -> LockedBot | None:
    """Lock the bot, its links and its switched-on operators; None when the bot is gone."""
    with connection.cursor() as cursor:
        if not _postgresql():
            cursor.execute(_SQLITE_BOT, [bot_id])
            rows = cursor.fetchall()
            if not rows:
                return None
            name, token_hash, events, answer_within, return_within, hours = rows[0][:6]
            candidates = [
                Candidate(row[6], row[7], row[8], row[9], row[10], capacity=row[11] or 0, load=row[12] or 0)
                for row in rows
                if row[6] is not None
            ]
            return LockedBot(
                name,
                token_hash,
                decode_events(events),
                _duration(answer_within),
                _duration(return_within),
                _json(hours),
                candidates,
                bool(rows[0][13]),
            )
        cursor.execute(
            f"SELECT b.name, b.token_hash, w.events, b.answer_within, b.return_within, b.hours"  # noqa: S608
            f" FROM {BOT} b"
            f" LEFT JOIN {WEBHOOK} w ON w.bot_id = b.id AND w.is_active WHERE b.id = %s FOR UPDATE OF b",
            [bot_id],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        name, token_hash, events, answer_within, return_within, hours = row
        # A statement begun under the bot's lock: it sees every contact queued under that lock.
        cursor.execute(
            f"SELECT id, operator_id, weight, current_weight, EXISTS (SELECT 1 FROM {CONTACT} q"  # noqa: S608
            f" WHERE q.bot_id = %s AND q.status = '{WAITING}') FROM {LINK}"
            " WHERE bot_id = %s ORDER BY id FOR UPDATE",
            [bot_id, bot_id],
        )
        links = cursor.fetchall()
        waiting = bool(links and links[0][4])
        operators = {}
        if links:
            cursor.execute(
                f"SELECT id, name, max_open_contacts FROM {OPERATOR}"  # noqa: S608
                " WHERE id = ANY(%s) AND is_active ORDER BY id FOR UPDATE",
                [sorted({link[1] for link in links})],
            )
            operators = {pk: (name, capacity, 0) for pk, name, capacity in cursor.fetchall()}
        if operators:
            cursor.execute(
                f"SELECT o.id, {load('o.id')} FROM {OPERATOR} o WHERE o.id = ANY(%s)",  # noqa: S608
                [sorted(operators)],
            )
            for pk, count in cursor.fetchall():
                operators[pk] = (*operators[pk][:2], count)
        candidates = [
            Candidate(link_id, operator_id, weight, current, *operators.get(operator_id, (None, 0, 0)))
            for link_id, operator_id, weight, current, _waiting in links
        ]
        return LockedBot(
            name,
            token_hash,
            decode_events(events),
            answer_within,
            return_within,
            _json(hours),
            candidates,
            waiting,
        )


def with_room(bot_ids: Iterable[int]) -> dict[int, str | None]:
    """Return those of these bots with an eligible operator (rule 3), each with its stored hours.

    An unlocked read.
    """
    bot_ids = list(bot_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.id, b.hours FROM {BOT} b WHERE b.id IN ({_placeholders(len(bot_ids))})"  # noqa: S608
            f" AND EXISTS (SELECT 1 FROM {LINK} l JOIN {OPERATOR} o ON o.id = l.operator_id"
            f" WHERE l.bot_id = b.id AND {eligible('l', 'o')})",
            bot_ids,
        )
        return {bot_id: _json(hours) for bot_id, hours in cursor.fetchall()}


def advance(*, eligible: list[int], chosen: int, total: int) -> None:
    """Take the round robin's step on the locked links."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LINK} SET current_weight = current_weight + weight"  # noqa: S608
            f" - CASE WHEN id = %s THEN %s ELSE 0 END WHERE id IN ({_placeholders(len(eligible))})",
            [chosen, total, *eligible],
        )


def count_assignments(*, bot_id: int, operator_id: int, day: date) -> None:
    """One more assignment in the day's figure of (bot, operator), made under the bot's lock."""
    day_value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(
            count_assignment_sql(bot="%s", operator="%s", day="%s"), [bot_id, operator_id, day_value]
        )


def count_close(*, bot_id: int, day: date, reason: str) -> None:
    """One more close in the day's figure of (bot, reason), created if it is the first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CLOSES} (bot_id, day, reason, contacts) VALUES (%s, %s, %s, 1)"  # noqa: S608
            f" ON CONFLICT (day, bot_id, reason) DO UPDATE SET contacts = {CLOSES}.contacts + 1",
            [bot_id, connection.ops.adapt_datefield_value(day), reason],
        )


def insert_contact(
    *,
    lead_id: int,
    bot_id: int,
    operator_id: int | None,
    status: str,
    message: str,
    external_id: str | None,
    created_at: datetime,
    assigned_at: datetime | None,
    answer_by: datetime | None,
) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CONTACT} (lead_id, bot_id, operator_id, status, message, external_id,"  # noqa: S608
            " created_at, assigned_at, answer_by, closed_at, resolution)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, '') RETURNING id",
            [
                lead_id,
                bot_id,
                operator_id,
                status,
                message,
                external_id,
                _datetime(created_at),
                _datetime(assigned_at),
                _datetime(answer_by),
            ],
        )
        return cursor.fetchone()[0]


# A history row of the intake: contact_id, kind, at, reason, operator_id.
EventRow = tuple[int, str, datetime, str, int | None]


def insert_events(events: list[EventRow]) -> None:
    """Write the history rows of one new contact: no note, no actor, no bot."""
    values = ", ".join(["(%s, %s, %s, %s, '', %s)"] * len(events))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EVENT} (contact_id, kind, at, reason, note, operator_id) VALUES {values}",  # noqa: S608
            [
                value
                for contact_id, kind, at, reason, operator in events
                for value in (contact_id, kind, _datetime(at), reason, operator)
            ],
        )


# Where an identifier came from: lead_id, field, value, bot_id, contact_id, created_at.
SourceRow = tuple[int, str, str, int | None, int | None, datetime]


def record_sources(sources: Iterable[SourceRow]) -> None:
    """Write where each identifier came from, replacing what an earlier holder of the field left."""
    rows = [(*source[:5], _datetime(source[5])) for source in sources]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SOURCE} (lead_id, field, value, bot_id, contact_id, created_at)"  # noqa: S608
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(rows))}"
            " ON CONFLICT (lead_id, field) DO UPDATE SET value = excluded.value, bot_id = excluded.bot_id,"
            " contact_id = excluded.contact_id, created_at = excluded.created_at",
            [value for row in rows for value in row],
        )
