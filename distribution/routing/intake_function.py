"""The intake on PostgreSQL in one round trip: PL/pgSQL functions.

They are the PostgreSQL copy of what intake.py does on SQLite after the bot's read: the lead
(rule 1 as leads.py states it, rule 10's returning operator), the locks, rules 3 and 4 (choice.py
states them in Python) and the writes. Their text is built here from the models' tables and values
and statements.py's fragments, and install() replaces them after every `migrate` (apps.py), so the
functions never lag the code. tests/test_intake_function.py, tests/test_intake_one_statement.py
and the differential test hold the copies to one another.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import DatabaseError, connection
from django.db.backends.base.base import BaseDatabaseWrapper

from ..exceptions import TokenRotated
from ..identifiers import IDENTIFIERS, LeadIdentity
from ..models import Bot, ContactEvent
from . import statements
from .statements import BOT, CONTACT, EVENT, LEAD, LINK, OPEN, OPERATOR, SOURCE, WAITING, WEBHOOK

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


# Rule 1 as leads.resolve_lead states it in Python, and rule 10's returning operator.
LEAD_NAME = "distribution_intake_lead"
_FIELD_PARAMS = ", ".join(f"p_{field} text" for field in IDENTIFIERS)
_ANY_HELD = " OR ".join(f"l.{field} = p_{field}" for field in IDENTIFIERS)


def _first(verified: bool) -> str:
    """leads.first_match over the locked holders `h`: the match's condition and its rank."""
    conditions = [
        f"h.{field} = p_{field}"
        + (f" AND '{field}' = ANY(p_verified) AND h.{field}_verified" if verified else "")
        for field in IDENTIFIERS
    ]
    ranks = " ".join(f"WHEN {condition} THEN {rank}" for rank, condition in enumerate(conditions))
    return f"({' OR '.join(f'({c})' for c in conditions)}) ORDER BY CASE {ranks} END, h.id LIMIT 1"


def _each(template: str, separator: str = "\n    ") -> str:
    return separator.join(template.format(f=field) for field in IDENTIFIERS)


# Per identifier {f}: free when no other locked lead holds the value, vouched for when the lead
# holds it unverified and the bot verifies it now.
_FREE = (
    "v_free_{f} := p_{f} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unnest(v_holders) h"
    " WHERE h.id IS DISTINCT FROM v_lead.id AND h.{f} = p_{f});"
)
_VOUCH = (
    "v_vouch_{f} := v_free_{f} AND v_lead.{f} = p_{f} AND '{f}' = ANY(p_verified)"
    " AND NOT v_lead.{f}_verified;"
)
_SET_VERIFIED = (
    "{f}_verified = CASE WHEN v_attach_{f} THEN '{f}' = ANY(p_verified)"
    " WHEN v_vouch_{f} THEN true ELSE l.{f}_verified END,"
)


LEAD_FUNCTION = f"""
CREATE FUNCTION {LEAD_NAME}(
    {_FIELD_PARAMS}, p_name text, p_verified text[], p_now timestamptz, p_return_within interval
) RETURNS TABLE (r_lead bigint, r_created boolean, r_fields text[], r_values text[], r_returning bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_holders {LEAD}[];
    v_lead {LEAD};
    v_duplicate bigint;
    v_rename boolean;
    {_each("v_free_{f} boolean; v_attach_{f} boolean; v_vouch_{f} boolean;")}
BEGIN
    -- Leads are locked before the bot (docs/locking.md), in id order.
    SELECT coalesce(array_agg(x.l ORDER BY (x.l).id), '{{}}') INTO v_holders
    FROM (SELECT l FROM {LEAD} l WHERE {_ANY_HELD} ORDER BY l.id FOR UPDATE) x;
    SELECT * INTO v_lead FROM unnest(v_holders) h WHERE {_first(verified=True)};
    -- An identifier another lead holds is never given to this one.
    {_each(_FREE)}
    IF v_lead.id IS NULL THEN
        -- No verified match: a new lead, marked when an identifier it claims is another lead's.
        SELECT h.id INTO v_duplicate FROM unnest(v_holders) h WHERE {_first(verified=False)};
        INSERT INTO {LEAD} (name, created_at, duplicate_of_id, {", ".join(IDENTIFIERS)},
            {", ".join(f"{field}_verified" for field in IDENTIFIERS)})
        VALUES (p_name, p_now, v_duplicate, {_each("CASE WHEN v_free_{f} THEN p_{f} END", ", ")},
            {_each("'{f}' = ANY(p_verified) OR NOT v_free_{f}", ", ")})
        RETURNING id INTO r_lead;
        r_created := true;
        {_each("v_attach_{f} := v_free_{f};", "\n        ")}
    ELSE
        r_lead := v_lead.id;
        r_created := false;
        {_each("v_attach_{f} := v_free_{f} AND coalesce(v_lead.{f}, '') = '';", "\n        ")}
        {_each(_VOUCH, "\n        ")}
        v_rename := p_name <> '' AND coalesce(v_lead.name, '') = '';
        IF {_each("v_attach_{f} OR v_vouch_{f}", " OR ")} OR v_rename THEN
            UPDATE {LEAD} l SET
                {_each("{f} = CASE WHEN v_attach_{f} THEN p_{f} ELSE l.{f} END,", "\n                ")}
                {_each(_SET_VERIFIED, "\n                ")}
                name = CASE WHEN v_rename THEN p_name ELSE l.name END
            WHERE l.id = r_lead;
        END IF;
        -- Rule 10: who had the lead's latest contact assigned within the bot's return_within.
        IF p_return_within IS NOT NULL THEN
            SELECT c.operator_id INTO r_returning FROM {CONTACT} c
            WHERE c.lead_id = r_lead AND c.assigned_at >= p_now - p_return_within
                AND c.operator_id IS NOT NULL
            ORDER BY c.assigned_at DESC, c.id DESC LIMIT 1;
        END IF;
    END IF;
    r_fields := array_remove(ARRAY[{_each("CASE WHEN v_attach_{f} THEN '{f}' END", ", ")}], NULL);
    r_values := array_remove(ARRAY[{_each("CASE WHEN v_attach_{f} THEN p_{f} END", ", ")}], NULL);
    RETURN NEXT;
END
$$;
"""  # noqa: S608

# The whole intake after the bot's read, one statement: autocommit makes it one transaction.
INTAKE_NAME = "distribution_intake"
ROTATED, GONE = "MC001", "MC002"  # the SQLSTATEs of a token no longer the bot's, of a bot gone
_ASSIGNED = (
    "bot_name", "token_hash", "webhook_events", "contact_id", "operator_id", "operator_name", "capacity",
    "assigned_at", "queued_behind", "returned", "answer_by",
)  # fmt: skip

INTAKE_FUNCTION = f"""
CREATE FUNCTION {INTAKE_NAME}(
    p_bot bigint, p_token text, p_message text, p_external_id text, p_now timestamptz, p_day date,
    p_answer_within interval, p_closed boolean, p_answer_by timestamptz,
    {_each("p_lead_{f} text", ", ")}, p_name text, p_verified text[], p_return_within interval
) RETURNS TABLE (
    lead_id bigint, lead_created boolean, bot_name text, token_hash text, webhook_events text,
    contact_id bigint, operator_id bigint, operator_name text, capacity integer,
    assigned_at timestamptz, queued_behind boolean, returned boolean, answer_by timestamptz
) LANGUAGE plpgsql VOLATILE
-- Planned once per connection: a custom plan of the choice's statement took longer than its run.
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v record;
    a record;
BEGIN
    SELECT * INTO v FROM {LEAD_NAME}(
        {_each("p_lead_{f}", ", ")}, p_name, p_verified, p_now, p_return_within
    );
    SELECT * INTO a FROM {NAME}(
        p_bot, p_token, v.r_lead, p_message, p_external_id, p_now, p_day, v.r_fields, v.r_values,
        p_answer_within, v.r_returning, p_closed, p_answer_by
    );
    -- Raised, so that the lead's writes are undone with the statement.
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bot % is gone', p_bot USING ERRCODE = '{GONE}';
    END IF;
    IF a.contact_id IS NULL THEN
        RAISE EXCEPTION 'the token is no longer bot %''s', p_bot USING ERRCODE = '{ROTATED}';
    END IF;
    lead_id := v.r_lead;
    lead_created := v.r_created;
    {" ".join(f"{column} := a.{column};" for column in _ASSIGNED)}
    RETURN NEXT;
END
$$;
"""  # noqa: S608

# The bot's read before the intake (statements.read_bot), planned once per connection, not at each call.
BOT_FUNCTION = f"""
CREATE FUNCTION {statements.READ_BOT_NAME}(p_bot bigint, p_external_id text) RETURNS TABLE (
    token_hash varchar, verifies_external_id boolean, verifies_email boolean, verifies_phone boolean,
    answer_within interval, return_within interval, hours jsonb, contact_id bigint, webhook boolean
) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY {statements.read_bot_sql(bot="p_bot", external_id="p_external_id")};
END
$$;
"""

FUNCTIONS = {
    NAME: FUNCTION,
    LEAD_NAME: LEAD_FUNCTION,
    INTAKE_NAME: INTAKE_FUNCTION,
    statements.READ_BOT_NAME: BOT_FUNCTION,
}

_NAMES = ", ".join(f"'{name}'" for name in FUNCTIONS)
# Every signature the functions ever had goes, so that a change of their arguments leaves no stale one.
_DROP_ALL = f"""
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname IN ({_NAMES}) LOOP
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
        for text in FUNCTIONS.values():
            cursor.execute(text)


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


def intake_in_one_call(
    *,
    bot_id: int,
    token_hash: str | None,
    message: str,
    external_id: str | None,
    now: datetime,
    day: date,
    identity: LeadIdentity,
    verified: frozenset[str],
    answer_within: timedelta | None,
    return_within: timedelta | None,
    closed: bool,
    answer_by: datetime | None,
) -> tuple[int, bool, Assigned]:
    """Resolve the lead (rule 1) and assign its contact in one statement; return the lead's id,
    whether it was created, and what the assignment did.

    Raise TokenRotated or Bot.DoesNotExist, the statement writing nothing."""
    identifiers = identity.identifiers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM {INTAKE_NAME}({', '.join(['%s'] * (12 + len(IDENTIFIERS)))})",  # noqa: S608
                [
                    bot_id,
                    token_hash,
                    message,
                    external_id,
                    now,
                    day,
                    answer_within,  # type: ignore[list-item]  # psycopg adapts a timedelta to an interval
                    closed,
                    answer_by,
                    *(identifiers.get(field) for field in IDENTIFIERS),
                    identity.name,
                    sorted(verified),
                    return_within,  # type: ignore[list-item]
                ],
            )
            lead_id, lead_created, *assigned = cursor.fetchone()
    except DatabaseError as error:
        code = getattr(error.__cause__, "sqlstate", None)
        if code == ROTATED:
            raise TokenRotated from None
        if code == GONE:
            raise Bot.DoesNotExist(bot_id) from None
        raise
    done = Assigned(*assigned)
    done.webhook_events = statements.decode_events(done.webhook_events)
    return lead_id, lead_created, done
