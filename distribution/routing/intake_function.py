"""The intake's assignment on PostgreSQL in one round trip: a PL/pgSQL function.

It is the PostgreSQL copy of what intake.py does on SQLite after the lead is resolved: the locks,
rules 3 and 4 (choice.py states them in Python) and the writes. Its text is built here from the
models' tables and values and statements.py's fragments, and install() replaces it after every
`migrate` (apps.py), so the function never lags the code. tests/test_intake_function.py and the
differential test hold the two copies to one another.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from ..models import ContactEvent
from . import statements
from .statements import BOT, CONTACT, EVENT, LINK, OPEN, OPERATOR, SOURCE, WAITING, WEBHOOK

NAME = "distribution_intake_assign"
Kind, Reason = ContactEvent.Kind, ContactEvent.Reason

# Each statement of a VOLATILE function takes a fresh snapshot (READ COMMITTED): the loads are
# counted after the operators' locks were granted, so they see what committed while we waited.
FUNCTION = f"""
CREATE FUNCTION {NAME}(
    p_bot bigint, p_token text, p_lead bigint, p_message text, p_external_id text,
    p_now timestamptz, p_day date, p_fields text[], p_values text[], p_answer_within interval,
    p_returning bigint, p_closed boolean, p_answer_by timestamptz
) RETURNS TABLE (
    bot_name text, token_hash text, webhook_events text, contact_id bigint,
    operator_id bigint, operator_name text, capacity integer, assigned_at timestamptz,
    queued_behind boolean, returned boolean, answer_by timestamptz
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_links bigint[];
    v_operators bigint[];
    v_eligible bigint[];
    v_total bigint;
    v_link bigint;
BEGIN
    SELECT b.name, b.token_hash, w.events::text INTO bot_name, token_hash, webhook_events
    FROM {BOT} b
    LEFT JOIN {WEBHOOK} w ON w.bot_id = b.id AND w.is_active
    WHERE b.id = p_bot FOR UPDATE OF b;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_token IS NOT NULL AND token_hash IS DISTINCT FROM p_token THEN
        -- Rotated: nothing is written, and the caller says so.
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT array_agg(l.id) INTO v_links FROM (
        SELECT id FROM {LINK} WHERE bot_id = p_bot ORDER BY id FOR UPDATE
    ) l;
    SELECT array_agg(o.id) INTO v_operators FROM (
        SELECT id FROM {OPERATOR}
        WHERE id IN (SELECT l.operator_id FROM {LINK} l WHERE l.id = ANY(v_links)) AND is_active
        ORDER BY id FOR UPDATE
    ) o;
    WITH eligible AS (
        SELECT l.id, l.operator_id, l.weight, l.current_weight, o.name, o.max_open_contacts
        FROM {LINK} l
        JOIN {OPERATOR} o ON o.id = l.operator_id
        WHERE l.id = ANY(v_links) AND o.id = ANY(v_operators) AND {statements.eligible("l", "o")}
            AND NOT p_closed
    )
    -- Rule 10: the lead's own operator first, when eligible; else rule 4's highest.
    SELECT (SELECT array_agg(e.id) FROM eligible e), (SELECT sum(e.weight) FROM eligible e),
        c.id, c.operator_id, c.name, c.max_open_contacts, c.operator_id IS NOT DISTINCT FROM p_returning
    INTO v_eligible, v_total, v_link, operator_id, operator_name, capacity, returned
    FROM eligible c
    ORDER BY c.operator_id IS NOT DISTINCT FROM p_returning DESC, c.current_weight + c.weight DESC,
        c.operator_id
    LIMIT 1;
    -- Rule 5: while older contacts of the bot wait, a new one queues behind them, and the caller
    -- drains the queue when someone could take them.
    queued_behind := v_link IS NOT NULL
        AND EXISTS (SELECT 1 FROM {CONTACT} q WHERE q.bot_id = p_bot AND q.status = '{WAITING}');
    IF queued_behind THEN
        v_link := NULL;
        operator_id := NULL;
        operator_name := NULL;
        capacity := NULL;
    END IF;
    returned := coalesce(returned AND v_link IS NOT NULL, false);
    IF v_link IS NOT NULL THEN
        -- Assigned after the loads were counted, as intake.py times it, and never before arrival.
        assigned_at := greatest(p_now, clock_timestamp());
        answer_by := coalesce(p_answer_by, assigned_at + p_answer_within);
        IF NOT returned THEN
            UPDATE {LINK} l
            SET current_weight = l.current_weight + l.weight - CASE WHEN l.id = v_link THEN v_total ELSE 0 END
            WHERE l.id = ANY(v_eligible);
        END IF;
        {statements.count_assignment_sql(bot="p_bot", operator="operator_id", day="p_day")};
    END IF;
    INSERT INTO {CONTACT} (lead_id, bot_id, operator_id, status, message, external_id,
        created_at, assigned_at, answer_by, closed_at, resolution)
    VALUES (p_lead, p_bot, operator_id,
        CASE WHEN v_link IS NULL THEN '{WAITING}' ELSE '{OPEN}' END,
        p_message, p_external_id, p_now, assigned_at, answer_by, NULL, '')
    RETURNING id INTO contact_id;
    INSERT INTO {EVENT} (contact_id, kind, at, reason, note, operator_id)
    SELECT contact_id, '{Kind.CREATED}', p_now, '', '', NULL
    UNION ALL
    SELECT contact_id, '{Kind.ASSIGNED}', assigned_at,
        CASE WHEN returned THEN '{Reason.RETURNED}' ELSE '{Reason.INTAKE}' END, '', operator_id
    WHERE v_link IS NOT NULL;
    IF cardinality(p_fields) > 0 THEN
        INSERT INTO {SOURCE} AS s (lead_id, field, value, bot_id, contact_id, created_at)
        SELECT p_lead, f.field, f.value, p_bot, contact_id, p_now
        FROM unnest(p_fields, p_values) AS f (field, value)
        ON CONFLICT (lead_id, field) DO UPDATE SET value = excluded.value, bot_id = excluded.bot_id,
            contact_id = excluded.contact_id, created_at = excluded.created_at;
    END IF;
    RETURN NEXT;
END
$$;
"""  # noqa: S608

# Every signature the function ever had goes, so that a change of its arguments leaves no stale one.
_DROP_ALL = f"""
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname = '{NAME}' LOOP
        EXECUTE 'DROP FUNCTION ' || f;
    END LOOP;
END
$$;
"""  # noqa: S608


def install(using_connection: BaseDatabaseWrapper) -> None:
    """Replace the function with this module's text, on PostgreSQL only."""
    if using_connection.vendor != "postgresql":
        return
    with using_connection.cursor() as cursor:
        cursor.execute(_DROP_ALL)
        cursor.execute(FUNCTION)


@dataclass
class Assigned:
    """What the function did: no contact_id when the token is no longer the bot's, no operator_id
    when the contact waits."""

    bot_name: str
    token_hash: str
    webhook_events: list[str] | None
    contact_id: int | None
    operator_id: int | None
    operator_name: str | None
    capacity: int | None
    assigned_at: datetime | None
    queued_behind: bool
    returned: bool
    answer_by: datetime | None


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
    answer_within: timedelta | None = None,
    returning_to: int | None = None,
    closed: bool = False,
    answer_by: datetime | None = None,
) -> Assigned | None:
    """Call the function; None when the bot is gone."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {NAME}(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
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
                answer_within,  # type: ignore[list-item]  # psycopg adapts a timedelta to an interval
                returning_to,
                closed,
                answer_by,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    assigned = Assigned(*row)
    assigned.webhook_events = statements.decode_events(assigned.webhook_events)
    return assigned
