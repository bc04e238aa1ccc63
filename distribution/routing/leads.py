"""Rule 1: which lead a contact belongs to; and the manager's merge and split of leads."""

import dataclasses
import hashlib
import json
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import ActionRefused, IdentifierTaken, MergeChanged, SplitRefused
from ..identifiers import IDENTIFIERS, LeadIdentity, shown_identifier
from ..models import Bot, Contact, IdentifierSource, Lead
from . import statements


def find_lead(identity: LeadIdentity) -> Lead | None:
    """Return the lead these identifiers name: by external_id, then email, then phone."""
    return first_match(identity.identifiers(), _holders(identity))


def _holders(identity: LeadIdentity) -> list[Lead]:
    """Return every lead holding one of the identity's identifiers, in id order."""
    condition = Q()
    for field, value in identity.identifiers().items():
        condition |= Q(**{field: value})
    return list(Lead.objects.filter(condition).order_by("pk")) if condition else []


def first_match[Holder: (Lead, statements.LeadRow)](
    wanted: dict[str, str], holders: list[Holder], *, verified: Iterable[str] | None = None
) -> Holder | None:
    """Return the holder of the external_id, else of the email, else of the phone.

    With `verified`, only those identifiers count, and only where the holder's own is verified.
    """
    for field, value in wanted.items():
        if verified is not None and field not in verified:
            continue
        for lead in holders:
            if getattr(lead, field) == value and (verified is None or getattr(lead, f"{field}_verified")):
                return lead
    return None


def could_be(identity: LeadIdentity, lead: Lead, verified: frozenset[str]) -> bool:
    """Return whether the intake, given this identity, could have found or made `lead`."""
    wanted = identity.identifiers()
    match = first_match(wanted, _holders(identity), verified=verified)
    if match is not None:
        return match == lead
    # It made a new lead, which holds none of these fields with another value.
    return all(getattr(lead, field) in (None, value) for field, value in wanted.items())


def resolve_lead(identity: LeadIdentity, verified: frozenset[str]) -> tuple[int, bool, dict[str, str]]:
    """Lock the lead and return its id, whether it was created, and the identifiers it was given.

    `verified` names the identifiers the bot vouches for: only those join an existing lead.
    """
    # Leads are locked before the bot: a contact's insert takes a share lock on its lead at commit,
    # and a request adding an identifier to that lead must not hold it while waiting for the bot.
    wanted = identity.identifiers()
    holders = statements.lock_leads(wanted)
    # An identifier another lead holds is never given to this one: two people may share a phone,
    # and leads are only ever merged by hand.
    lead = first_match(wanted, holders, verified=verified)
    taken = {(field, getattr(other, field)) for other in holders if other != lead for field in IDENTIFIERS}
    free = {field: value for field, value in wanted.items() if (field, value) not in taken}
    # An absent identifier's flag keeps the column's default.
    flags = {f"{field}_verified": field in verified or field not in free for field in IDENTIFIERS}
    if lead is None:
        # No verified match: a new lead, marked when an identifier it claims is another lead's.
        duplicate = first_match(wanted, holders)
        lead_id = statements.insert_lead(
            name=identity.name,
            created_at=timezone.now(),
            duplicate_of_id=duplicate.id if duplicate else None,
            **free,
            **flags,
        )
        return lead_id, True, free
    attached: dict[str, str] = {}
    changes: dict[str, statements.LeadValue] = {}
    for field, value in free.items():
        held = getattr(lead, field)
        if not held:
            attached[field] = changes[field] = value
        elif held == value and field in verified and not getattr(lead, f"{field}_verified"):
            changes[f"{field}_verified"] = True
    changes |= {f"{field}_verified": field in verified for field in attached}
    if identity.name and not lead.name:
        changes["name"] = identity.name
    if changes:
        statements.update_lead(lead.id, changes)
    return lead.id, False, attached


def dismiss_duplicate(*, lead: Lead) -> None:
    """Record a manager's word that `lead` is not the person its mark suggested."""
    Lead.objects.filter(pk=lead.pk).update(duplicate_of=None)
    lead.duplicate_of = None


def set_bot_vouches(*, bot: Bot, fields: Iterable[str]) -> None:
    """Let `bot` vouch for these identifiers from its next contact on (rule 1)."""
    fields = set(fields)
    values = {f"verifies_{field}": field in fields for field in IDENTIFIERS}
    Bot.objects.filter(pk=bot.pk).update(**values)
    for name, value in values.items():
        setattr(bot, name, value)


def record_sources(sources: list[IdentifierSource]) -> None:
    """Write where each identifier of a lead came from, replacing an earlier holder's row."""
    if sources:
        statements.record_sources(
            (source.lead_id, source.field, source.value, source.bot_id, source.contact_id, source.created_at)
            for source in sources
        )


def record_edited_identifiers(*, lead: Lead, fields: Iterable[str], by: User | None = None) -> None:
    """Record that a manager (`by`) typed these identifiers of `lead` by hand, in the caller's
    transaction."""
    edited = [field for field in IDENTIFIERS if field in set(fields)]
    IdentifierSource.objects.filter(lead=lead, field__in=[f for f in edited if not getattr(lead, f)]).delete()
    if edited:  # a manager vouches for what they type
        Lead.objects.filter(pk=lead.pk).update(**{f"{field}_verified": True for field in edited})
    now = timezone.now()
    record_sources(
        [
            IdentifierSource(lead=lead, field=field, value=getattr(lead, field), created_at=now)
            for field in edited
            if getattr(lead, field)
        ]
    )
    if by is not None and edited:
        IdentifierSource.objects.filter(lead=lead, field__in=edited).update(actor=by)


def rename_lead(*, lead: Lead, name: str) -> None:
    """Give the lead the name a manager typed; empty shows it by its identifiers."""
    Lead.objects.filter(pk=lead.pk).update(name=name)
    lead.name = name


def add_lead_identifier(*, lead: Lead, field: str, value: str, by: User | None = None) -> None:
    """Give `lead` a normalised identifier it lacks, recorded as typed by the manager `by`.

    Raise IdentifierTaken when another lead holds it, ActionRefused when the lead has one of the kind."""
    with transaction.atomic():
        lead = _locked(lead)
        if getattr(lead, field):
            raise ActionRefused(_("This lead already has one: remove it first."))
        holder = Lead.objects.filter(**{field: value}).exclude(pk=lead.pk).first()
        if holder is not None:
            raise IdentifierTaken(holder)
        setattr(lead, field, value)
        try:
            with transaction.atomic():
                lead.save(update_fields=[field])
        except IntegrityError:  # another lead took it meanwhile
            holder = Lead.objects.filter(**{field: value}).exclude(pk=lead.pk).first()
            if holder is None:
                raise
            raise IdentifierTaken(holder) from None
        record_edited_identifiers(lead=lead, fields=[field], by=by)


def remove_lead_identifier(*, lead: Lead, field: str) -> None:
    """Take an identifier from `lead`; raise ActionRefused for its last one, as a lead without
    identifiers could never be recognised again."""
    with transaction.atomic():
        lead = _locked(lead)
        if not getattr(lead, field):
            return
        if not any(getattr(lead, other) for other in IDENTIFIERS if other != field):
            raise ActionRefused(
                _("A lead keeps at least one identifier: without one it is never recognised again.")
            )
        setattr(lead, field, None)
        lead.save(update_fields=[field])
        record_edited_identifiers(lead=lead, fields=[field])


def _locked(lead: Lead) -> Lead:
    # Only the lead is locked, as the intake and split_lead lock it.
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    for field in (*IDENTIFIERS, *(f"{field}_verified" for field in IDENTIFIERS)):
        setattr(lead, field, getattr(locked, field))
    return lead


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


@dataclasses.dataclass(frozen=True)
class Planned:
    """One identifier value in a merge, with the lead that holds it now."""

    field: str
    value: str
    holder: Lead

    @property
    def label(self) -> str:
        return str(dict(IdentifierSource.Field.choices)[self.field])

    @property
    def shown(self) -> str:
        return shown_identifier(self.field, self.value)


@dataclasses.dataclass(frozen=True)
class MergePlan:
    """What merging `source` into `target` does with each identifier either holds.

    A lead holds one value of each kind: where both hold one, the merge keeps one and drops the
    other, and a later contact naming the dropped value starts a new lead."""

    # A digest of both leads' identifiers: the confirmation carries it, and the merge is refused
    # if the leads no longer hold what the manager was shown.
    seen: str
    kept: list[Planned] = dataclasses.field(default_factory=list)
    taken: list[Planned] = dataclasses.field(default_factory=list)
    dropped: list[Planned] = dataclasses.field(default_factory=list)
    # The kinds both leads hold, each with the target's value first.
    conflicts: list[tuple[Planned, Planned]] = dataclasses.field(default_factory=list)

    @property
    def unopposed(self) -> list[Planned]:
        """The identifiers only one of the leads holds: the target keeps or takes each."""
        contested = {ours.field for ours, _theirs in self.conflicts}
        return [planned for planned in (*self.kept, *self.taken) if planned.field not in contested]


def merge_plan(*, target: Lead, source: Lead, replace: Iterable[str] = ()) -> MergePlan:
    """Return what the merge keeps, takes from `source` and drops; `replace` names the kinds of
    identifier where `source`'s value is kept instead of `target`'s."""
    held = [(kind, getattr(target, kind), getattr(source, kind)) for kind in IDENTIFIERS]
    plan = MergePlan(seen=hashlib.sha256(json.dumps(held).encode()).hexdigest()[:32])
    for kind in IDENTIFIERS:
        mine, theirs = getattr(target, kind), getattr(source, kind)
        ours, other = Planned(kind, mine, target), Planned(kind, theirs, source)
        if mine and theirs:
            plan.conflicts.append((ours, other))
            winner, loser = (other, ours) if kind in set(replace) else (ours, other)
            (plan.taken if winner is other else plan.kept).append(winner)
            plan.dropped.append(loser)
        elif mine:
            plan.kept.append(ours)
        elif theirs:
            plan.taken.append(other)
    return plan


def merge_leads(
    *, target: Lead, source: Lead, replace: Iterable[str] = (), seen: str | None = None
) -> MergePlan:
    """Move `source`'s contacts and the identifiers `merge_plan` gives it to `target`, delete
    `source`, and return the plan carried out.

    With `seen`, the plan the manager confirmed: raise MergeChanged, merging nothing, if either
    lead's identifiers changed since."""
    if target.pk == source.pk:
        raise ValueError("A lead cannot be merged into itself.")
    with transaction.atomic():
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update().filter(pk__in=[target.pk, source.pk]).order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        plan = merge_plan(target=target, source=source, replace=replace)
        if seen is not None and plan.seen != seen:
            raise MergeChanged(plan)
        moved = [planned.field for planned in plan.taken]
        for kind in moved:
            setattr(target, kind, getattr(source, kind))
            setattr(target, f"{kind}_verified", getattr(source, f"{kind}_verified"))
        if source.name and not target.name:
            target.name = source.name
        if target.duplicate_of_id == source.pk:
            target.duplicate_of = None
        sources = _moved_sources(source=source, target=target, fields=moved)
        Contact.objects.filter(lead=source).update(lead=target)
        # First: the target may take an identifier the source holds, and each is unique.
        source.delete()
        target.save()
        record_sources(sources)
    return plan


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
        values |= {f"{field}_verified": getattr(lead, f"{field}_verified") for field in fields}
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
