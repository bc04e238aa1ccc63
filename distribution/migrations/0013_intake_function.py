"""The intake's assignment on PostgreSQL in one call (issue 12): a PL/pgSQL function that takes
the locks, chooses the operator and writes the contact, its figure, history and sources, as
distribution/routing does in Python on SQLite. A frozen copy: a change of the rules is a new
migration that replaces the function, and tests/test_intake_function.py holds both to one another.
"""

from django.db import migrations

# Each statement of a VOLATILE function takes a fresh snapshot (READ COMMITTED): the loads are
# counted after the operators' locks were granted, so they see what committed while we waited.
CREATE = """
CREATE OR REPLACE FUNCTION distribution_intake_assign(
    p_bot bigint, p_token text, p_lead bigint, p_message text, p_external_id text,
    p_now timestamptz, p_day date, p_fields text[], p_values text[]
) RETURNS TABLE (
    bot_name text, token_hash text, webhook_events text, contact_id bigint,
    operator_id bigint, operator_name text, capacity integer, assigned_at timestamptz
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_links bigint[];
    v_operators bigint[];
    v_eligible bigint[];
    v_total bigint;
    v_link bigint;
BEGIN
    -- The bot, then its links, then the linked operators that are switched on, each in id order.
    SELECT b.name, b.token_hash, w.events::text INTO bot_name, token_hash, webhook_events
    FROM distribution_bot b
    LEFT JOIN distribution_webhook w ON w.bot_id = b.id AND w.is_active
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
        SELECT id FROM distribution_botoperator WHERE bot_id = p_bot ORDER BY id FOR UPDATE
    ) l;
    SELECT array_agg(o.id) INTO v_operators FROM (
        SELECT id FROM distribution_operator
        WHERE id IN (SELECT l.operator_id FROM distribution_botoperator l WHERE l.id = ANY(v_links))
            AND is_active
        ORDER BY id FOR UPDATE
    ) o;
    -- Rules 2-4 over the locked rows: eligible when weighted, switched on and below capacity;
    -- each eligible link gains its weight and the highest (the lowest operator id on a tie) wins.
    WITH eligible AS (
        SELECT l.id, l.operator_id, l.weight, l.current_weight, o.name, o.max_open_contacts
        FROM distribution_botoperator l
        JOIN distribution_operator o ON o.id = l.operator_id
        WHERE l.id = ANY(v_links) AND o.id = ANY(v_operators) AND l.weight > 0
            AND (SELECT count(*) FROM distribution_contact c
                 WHERE c.operator_id = o.id AND c.status = 'open') < o.max_open_contacts
    )
    SELECT (SELECT array_agg(e.id) FROM eligible e), (SELECT sum(e.weight) FROM eligible e),
        c.id, c.operator_id, c.name, c.max_open_contacts
    INTO v_eligible, v_total, v_link, operator_id, operator_name, capacity
    FROM eligible c
    ORDER BY c.current_weight + c.weight DESC, c.operator_id
    LIMIT 1;
    IF v_link IS NOT NULL THEN
        -- Assigned now, after the loads were counted, as the Python path times it: a close whose
        -- freed slot this contact took was stamped before it committed, so before this; never
        -- before the arrival (whose time, like the tests' frozen clocks, is the application's).
        assigned_at := greatest(p_now, clock_timestamp());
        UPDATE distribution_botoperator l
        SET current_weight = l.current_weight + l.weight - CASE WHEN l.id = v_link THEN v_total ELSE 0 END
        WHERE l.id = ANY(v_eligible);
        INSERT INTO distribution_dailyassignments AS d (bot_id, operator_id, day, contacts)
        VALUES (p_bot, operator_id, p_day, 1)
        ON CONFLICT (bot_id, operator_id, day) DO UPDATE SET contacts = d.contacts + 1;
    END IF;
    INSERT INTO distribution_contact (lead_id, bot_id, operator_id, status, message, external_id,
        created_at, assigned_at, closed_at, resolution)
    VALUES (p_lead, p_bot, operator_id, CASE WHEN v_link IS NULL THEN 'waiting' ELSE 'open' END,
        p_message, p_external_id, p_now, assigned_at, NULL, '')
    RETURNING id INTO contact_id;
    INSERT INTO distribution_contactevent (contact_id, kind, at, reason, note, operator_id)
    SELECT contact_id, 'created', p_now, '', '', NULL
    UNION ALL
    SELECT contact_id, 'assigned', assigned_at, 'intake', '', operator_id WHERE v_link IS NOT NULL;
    IF cardinality(p_fields) > 0 THEN
        INSERT INTO distribution_identifiersource AS s (lead_id, field, value, bot_id, contact_id, created_at)
        SELECT p_lead, f.field, f.value, p_bot, contact_id, p_now
        FROM unnest(p_fields, p_values) AS f (field, value)
        ON CONFLICT (lead_id, field) DO UPDATE SET value = excluded.value, bot_id = excluded.bot_id,
            contact_id = excluded.contact_id, created_at = excluded.created_at;
    END IF;
    RETURN NEXT;
END
$$;
"""

DROP = """
DROP FUNCTION distribution_intake_assign(
    bigint, text, bigint, text, text, timestamptz, date, text[], text[]
);
"""


class OnPostgreSQL(migrations.RunSQL):
    """SQL that only PostgreSQL runs: SQLite's intake stays in Python."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("distribution", "0012_operator_name_key")]

    operations = [OnPostgreSQL(CREATE, DROP)]
