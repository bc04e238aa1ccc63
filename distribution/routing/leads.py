"""Rule 1: which lead a contact belongs to; and the manager's merge and split of leads."""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import SplitRefused
from ..identifiers import IDENTIFIERS, LeadIdentity
from ..models import Contact, IdentifierSource, Lead
from . import statements

_LEAD_COLUMNS = ["id", "name", *IDENTIFIERS]


def find_lead(identity: LeadIdentity) -> Lead | None:
    """Return the lead these identifiers name: by external_id, then email, then phone."""
    wanted = identity.identifiers()
    if not wanted:
        return None
    condition = Q()
    for field, value in wanted.items():
        condition |= Q(**{field: value})
    return first_match(wanted, list(Lead.objects.filter(condition).order_by("pk")))


def first_match(wanted: dict[str, str], holders: list[Lead]) -> Lead | None:
    """Return the holder of the external_id, else of the email, else of the phone."""
    for field, value in wanted.items():
        for lead in holders:
            if getattr(lead, field) == value:
                return lead
    return None


def resolve_lead(identity: LeadIdentity) -> tuple[Lead, bool, list[str]]:
    """Lock and return the lead, whether it was created, and the identifiers it was given."""
    # Leads are locked before the bot: a contact's insert takes a share lock on its lead at commit,
    # and a request adding an identifier to that lead must not hold it while waiting for the bot.
    wanted = identity.identifiers()
    holders = [Lead.from_db(connection.alias, _LEAD_COLUMNS, row) for row in statements.lock_leads(wanted)]
    lead = first_match(wanted, holders)
    if lead is None:
        lead = Lead(name=identity.name, created_at=timezone.now(), **wanted)
        lead.pk = statements.insert_lead(name=lead.name, identifiers=wanted, created_at=lead.created_at)
        lead._state.adding, lead._state.db = False, connection.alias
        return lead, True, list(wanted)
    # An identifier another lead holds is not added: two people may share a phone, and leads are
    # only ever merged by hand.
    taken = {(field, getattr(other, field)) for other in holders if other != lead for field in IDENTIFIERS}
    attached = []
    for field, value in wanted.items():
        if not getattr(lead, field) and (field, value) not in taken:
            setattr(lead, field, value)
            attached.append(field)
    changed = list(attached)
    if identity.name and not lead.name:
        lead.name = identity.name
        changed.append("name")
    if changed:
        statements.update_lead(lead.pk, {field: getattr(lead, field) for field in changed})
    return lead, False, attached


def record_sources(sources: list[IdentifierSource]) -> None:
    """Write where each identifier of a lead came from, replacing an earlier holder's row."""
    if sources:
        statements.record_sources(sources)


def record_edited_identifiers(*, lead: Lead, fields: Iterable[str]) -> None:
    """Record that a manager typed these identifiers of `lead` by hand, in the caller's transaction."""
    edited = [field for field in IDENTIFIERS if field in set(fields)]
    IdentifierSource.objects.filter(lead=lead, field__in=[f for f in edited if not getattr(lead, f)]).delete()
    now = timezone.now()
    record_sources(
        [
            IdentifierSource(lead=lead, field=field, value=getattr(lead, field), created_at=now)
            for field in edited
            if getattr(lead, field)
        ]
    )


def _moved_sources(*, source: Lead, target: Lead, fields: list[str]) -> list[IdentifierSource]:
    """Return the provenance of identifiers a manager moves from `source` to `target`.

    What the bots recorded stays; an identifier without a record is marked as moved by a manager.
    """
    recorded = {row.field: row for row in IdentifierSource.objects.filter(lead=source, field__in=fields)}
    # Before any contact moves: see statements.key_share_bots.
    statements.key_share_bots(row.bot_id for row in recorded.values() if row.bot_id)
    now = timezone.now()
    sources = []
    for field in fields:
        value, row = getattr(target, field), recorded.get(field)
        if row is not None and row.value == value:
            sources.append(
                IdentifierSource(
                    lead=target,
                    field=field,
                    value=value,
                    bot_id=row.bot_id,
                    contact_id=row.contact_id,
                    created_at=row.created_at,
                )
            )
        else:
            sources.append(IdentifierSource(lead=target, field=field, value=value, created_at=now))
    return sources


def merge_leads(*, target: Lead, source: Lead) -> Lead:
    """Move `source`'s contacts and missing identifiers to `target`, and delete `source`."""
    if target.pk == source.pk:
        raise ValueError("A lead cannot be merged into itself.")
    with transaction.atomic():
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update().filter(pk__in=[target.pk, source.pk]).order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        inherited = {field: getattr(source, field) for field in (*IDENTIFIERS, "name")}
        moved = [field for field in IDENTIFIERS if inherited[field] and not getattr(target, field)]
        for field, value in inherited.items():
            if value and not getattr(target, field):
                setattr(target, field, value)
        sources = _moved_sources(source=source, target=target, fields=moved)
        Contact.objects.filter(lead=source).update(lead=target)
        source.delete()
        target.save()
        record_sources(sources)
    return target


def split_lead(*, lead: Lead, fields: Iterable[str], contacts: Iterable[Contact]) -> Lead:
    """Detach identifiers of `lead`, with the chosen contacts, into a new lead; return it.

    The undo of rule 1 giving a lead another person's identifier. Raises SplitRefused.
    """
    fields = [field for field in IDENTIFIERS if field in set(fields)]
    contact_ids = {contact.pk for contact in contacts}
    with transaction.atomic():
        # Only the lead is locked, as the intake locks it: an intake naming a detached identifier
        # waits for it, then clashes on the unique key if it missed the new lead, and starts over.
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        held = [field for field in IDENTIFIERS if getattr(lead, field)]
        if not fields:
            raise SplitRefused(_("Choose at least one identifier to detach."))
        if missing := [field for field in fields if field not in held]:
            raise SplitRefused(_("This lead has no %(names)s any more.") % {"names": ", ".join(missing)})
        if len(fields) == len(held):
            raise SplitRefused(_("A lead keeps at least one identifier: leave one here, or merge instead."))
        mine = set(Contact.objects.filter(lead=lead, pk__in=contact_ids).values_list("pk", flat=True))
        if strangers := sorted(contact_ids - mine):
            raise SplitRefused(_("Contact #%(pk)s is not one of this lead's.") % {"pk": strangers[0]})
        values = {field: getattr(lead, field) for field in fields}
        for field in fields:
            setattr(lead, field, None)
        # Emptied first: the identifiers are unique, and the new lead takes them.
        lead.save(update_fields=fields)
        detached = Lead.objects.create(**values)
        sources = _moved_sources(source=lead, target=detached, fields=fields)
        IdentifierSource.objects.filter(lead=lead, field__in=fields).delete()
        record_sources(sources)
        Contact.objects.filter(pk__in=mine).update(lead=detached)
    return detached
