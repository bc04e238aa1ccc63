"""Reads that the dashboard shares: load, queue, counts, the distribution report, lead search.

Each is a fixed number of queries whatever the amount of data: counts per row are correlated
subqueries that the (operator, status) and (bot, ...) indexes answer, never a join over every
contact.
"""

import contextlib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from . import response_times
from .identifiers import IDENTIFIERS, InvalidIdentifier, normalize_domain, normalize_phone, shown_identifier
from .models import (
    Bot,
    BotOperator,
    Contact,
    ContactEvent,
    DailyAssignments,
    DailyCloses,
    IdentifierSource,
    Lead,
    Operator,
    figures_day,
)


def count_of(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of `queryset`, 0 when empty, to annotate rows with."""
    counted = queryset.order_by().values(dummy=Value(1)).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def load_of(operator: str = "pk") -> Coalesce:
    """Rule 2 as an expression: the open contacts of the operator that OuterRef(operator) names.

    statements.load says the same in SQL.
    """
    return count_of(Contact.objects.filter(operator=OuterRef(operator), status=Contact.Status.OPEN))


def load(operator: Operator) -> int:
    """Return an operator's load (rule 2)."""
    return Contact.objects.filter(operator=operator, status=Contact.Status.OPEN).count()


def start_of_today(zone: tzinfo | None = None) -> datetime:
    """Return the last midnight in `zone`, the current time zone by default."""
    return timezone.localtime(timezone=zone).replace(hour=0, minute=0, second=0, microsecond=0)


# Load --------------------------------------------------------------------------------------------


if TYPE_CHECKING:  # WithAnnotations is for annotations only: it cannot be subscripted at run time.
    from django_stubs_ext import WithAnnotations

    class _Load(TypedDict):
        open_contacts: int

    # A row of operators_with_load().
    OperatorWithLoad = WithAnnotations[Operator, _Load]


def operators_with_load() -> QuerySet[Operator]:
    """Operators with `open_contacts` (their load) annotated."""
    return Operator.objects.annotate(open_contacts=load_of())


def operators_with_room() -> QuerySet["OperatorWithLoad"]:
    """Switched-on operators below their capacity, by name, each with `open_contacts`: who could
    take one more contact now."""
    return (
        Operator.objects.annotate(open_contacts=load_of())
        .filter(is_active=True, open_contacts__lt=F("max_open_contacts"))
        .order_by("name", "pk")
    )


def bot_links(bot: Bot) -> QuerySet[BotOperator]:
    """A bot's operators and weights, each with its operator's `open_contacts`."""
    return (
        BotOperator.objects.filter(bot=bot, operator__archived_at=None)
        .select_related("operator")
        .annotate(open_contacts=load_of("operator"))
        .order_by("operator__name", "operator_id")
    )


def new_contacts() -> Q:
    """Rule 8: open contacts that their operator has not taken yet."""
    return Q(status=Contact.Status.OPEN, accepted_at=None)


def overdue_contacts(now: datetime) -> Q:
    """Rule 9: new contacts past their deadline, whether the sweep has found them yet or not."""
    return new_contacts() & (Q(overdue_since__isnull=False) | Q(answer_by__lte=now))


@dataclass(frozen=True)
class Counts:
    open: int
    new: int  # open, not taken yet
    overdue: int
    waiting: int
    closed_today: int
    passed_on_today: int


def contact_counts() -> Counts:
    # Counts that each read only their own index range, never the closed history: the open
    # contacts (as many as the operators' capacities) once for three of them.
    today = start_of_today()
    open_contacts = Contact.objects.filter(status=Contact.Status.OPEN).aggregate(
        open=Count("pk"),
        new=Count("pk", filter=new_contacts()),
        overdue=Count("pk", filter=overdue_contacts(timezone.now())),
    )
    passed_on = ContactEvent.objects.filter(
        kind=ContactEvent.Kind.ASSIGNED, at__gte=today, reason=ContactEvent.Reason.PASSED_ON
    )
    return Counts(
        **open_contacts,
        waiting=Contact.objects.filter(status=Contact.Status.WAITING).count(),
        closed_today=Contact.objects.filter(closed_at__gte=today).count(),
        passed_on_today=passed_on.count(),
    )


def waiting_queue() -> QuerySet[Contact]:
    """Waiting contacts, oldest first: the order in which they will be assigned. Each with
    `queued_at`, when it joined the queue: its creation, or the last time it was handed back."""
    handed_back = ContactEvent.objects.filter(
        contact=OuterRef("pk"), kind=ContactEvent.Kind.HANDED_BACK
    ).order_by("-at", "-pk")
    return (
        Contact.objects.filter(status=Contact.Status.WAITING)
        .select_related("lead", "bot")
        .annotate(queued_at=Coalesce(Subquery(handed_back.values("at")[:1]), "created_at"))
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class OperatorDay:
    assigned: int  # contacts assigned to it today (again if handed back and re-assigned)
    closed: int  # its contacts closed today, by whoever closed them
    open: int
    capacity: int


def operator_today(operator: Operator) -> OperatorDay:
    """An operator's numbers today, for its workspace (one query)."""
    today = start_of_today()
    row = (
        Operator.objects.filter(pk=operator.pk)
        .annotate(
            assigned=count_of(
                ContactEvent.objects.filter(
                    operator=OuterRef("pk"), kind=ContactEvent.Kind.ASSIGNED, at__gte=today
                )
            ),
            closed=count_of(Contact.objects.filter(operator=OuterRef("pk"), closed_at__gte=today)),
            open=load_of(),
        )
        .values("assigned", "closed", "open", "max_open_contacts")
        .get()
    )
    return OperatorDay(
        assigned=row["assigned"], closed=row["closed"], open=row["open"], capacity=row["max_open_contacts"]
    )


# Bots --------------------------------------------------------------------------------------------


def bots_with_stats() -> QuerySet[Bot]:
    """Bots with `contacts_today`, `waiting`, `operator_count` and `operators_on` (linked and
    switched on) annotated."""
    return Bot.objects.annotate(
        contacts_today=count_of(Contact.objects.filter(bot=OuterRef("pk"), created_at__gte=start_of_today())),
        waiting=count_of(Contact.objects.filter(bot=OuterRef("pk"), status=Contact.Status.WAITING)),
        operator_count=count_of(BotOperator.objects.filter(bot=OuterRef("pk"), operator__archived_at=None)),
        operators_on=count_of(BotOperator.objects.filter(bot=OuterRef("pk"), operator__is_active=True)),
    )


@dataclass
class Share:
    """One operator's weight share on one bot beside the share of the bot's assignments it really
    got (`contacts`: how many were made to it)."""

    operator: Operator
    weight: int
    weight_percent: float
    contacts: int = 0
    actual_percent: float = 0.0


def weight_shares(links: list[BotOperator], *, switched_on_only: bool = False) -> list[Share]:
    """Each link's share of the weights; with switched_on_only, among the operators who are on
    (the share they get now), switched-off ones getting 0."""

    def counts(link: BotOperator) -> bool:
        return link.operator.is_active or not switched_on_only

    total = sum(link.weight for link in links if counts(link))
    return [
        Share(
            operator=link.operator,
            weight=link.weight,
            weight_percent=100 * link.weight / total if total and counts(link) else 0,
        )
        for link in links
    ]


# The distribution report -------------------------------------------------------------------------


@dataclass
class BotReport:
    bot: Bot
    shares: list[Share] = field(default_factory=list)
    assigned: int = 0
    waiting: int = 0


@dataclass
class OperatorTotal:
    operator: Operator
    contacts: int
    percent: float


@dataclass
class Report:
    start: datetime
    end: datetime
    bots: list[BotReport]
    operators: list[OperatorTotal]
    assigned: int

    @property
    def last_day(self) -> datetime:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def distribution_report(*, start: datetime, end: datetime, bots: list[Bot] | None = None) -> Report:
    """For [start, end), two local midnights (see period_bounds): per bot (`bots`, or all of them),
    each operator's weight share beside its actual share of the bot's assignments made in the
    period, to whom they were made, and each operator's total across those bots; with the bot's
    contacts created in the period that still wait."""
    if bots is None:
        bots = list(Bot.objects.all())
    bot_ids = [bot.pk for bot in bots]
    # Assignments come from the daily figures routing keeps (a row per bot, operator and day),
    # waiting contacts from the queue's index: neither reads the period's closed contacts.
    assigned_rows = (
        DailyAssignments.objects.filter(
            day__gte=figures_day(start), day__lt=figures_day(end), bot_id__in=bot_ids
        )
        .values("bot_id", "operator_id")
        .annotate(n=Sum("contacts"))
        .order_by()
    )
    waiting = (
        Contact.objects.filter(
            status=Contact.Status.WAITING, created_at__gte=start, created_at__lt=end, bot_id__in=bot_ids
        )
        .values("bot_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    got: dict[tuple[int, int | None], int] = {
        (row["bot_id"], row["operator_id"]): row["n"] for row in assigned_rows if row["n"]
    }
    got |= {(row["bot_id"], None): row["n"] for row in waiting}
    reports = {bot.pk: BotReport(bot=bot) for bot in bots}
    links: dict[int, list[BotOperator]] = {}
    for link in (
        BotOperator.objects.filter(bot_id__in=bot_ids)
        .select_related("operator")
        .order_by("operator__name", "operator_id")
    ):
        links.setdefault(link.bot_id, []).append(link)
    operators = {operator.pk: operator for operator in Operator.objects.all()}
    for bot_id, report in reports.items():
        report.shares = weight_shares(links.get(bot_id, []))
        listed = {share.operator.pk: share for share in report.shares}
        for (contact_bot_id, operator_id), n in got.items():
            if contact_bot_id != bot_id:
                continue
            if operator_id is None:
                report.waiting += n
                continue
            if operator_id not in listed:  # unlinked since: it still got these contacts
                listed[operator_id] = Share(operator=operators[operator_id], weight=0, weight_percent=0)
                report.shares.append(listed[operator_id])
            listed[operator_id].contacts = n
            report.assigned += n
        for share in report.shares:
            share.actual_percent = 100 * share.contacts / report.assigned if report.assigned else 0
    totals: dict[int, int] = {}
    for (_bot_id, operator_id), n in got.items():
        if operator_id is not None:
            totals[operator_id] = totals.get(operator_id, 0) + n
    assigned = sum(totals.values())
    operator_totals = [
        OperatorTotal(
            operator=operator,
            contacts=totals.get(pk, 0),
            percent=100 * totals.get(pk, 0) / assigned if assigned else 0,
        )
        for pk, operator in operators.items()
    ]
    operator_totals.sort(key=lambda total: (-total.contacts, total.operator.name))
    return Report(
        start=start, end=end, bots=list(reports.values()), operators=operator_totals, assigned=assigned
    )


def period_bounds(
    period: str, *, start_date=None, end_date=None, zone: tzinfo | None = None
) -> tuple[datetime, datetime]:
    """[start, end) of a named period: today, 7d, 30d, or custom dates (both inclusive); the
    midnights of `zone` (the current time zone by default), "today" the current zone's."""
    if not (period == "custom" and start_date and end_date):
        days = {"today": 1, "7d": 7, "30d": 30}.get(period, 7)
        end_date = timezone.localdate()
        start_date = end_date - timedelta(days=days - 1)
    zone = zone or timezone.get_current_timezone()
    start = datetime.combine(start_date, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(end_date, datetime.min.time(), tzinfo=zone) + timedelta(days=1)


# Response times ----------------------------------------------------------------------------------


@dataclass
class ResponseRow:
    subject: Operator | Bot
    figures: response_times.Figures


@dataclass
class ResponseReport:
    operators: list[ResponseRow]
    bots: list[ResponseRow]
    total: response_times.Figures
    since: datetime | None  # contacts that arrived before it are left out; None when there are none


def response_report(
    *, start: datetime, end: datetime, bots: list[Bot], operators: list[Operator], bot: Bot | None = None
) -> ResponseReport:
    """Response times in [start, end) per operator and per bot (of `bot` only, if given), from the
    contacts' events (at most three queries). `bots` and `operators` give the names."""
    pairs, fold = response_times.period_figures(start=start, end=end, bot=bot)
    by_operator: dict[int, response_times.Figures] = defaultdict(response_times.Figures)
    by_bot: dict[int, response_times.Figures] = defaultdict(response_times.Figures)
    for (bot_id, operator_id), figures in pairs.items():
        by_operator[operator_id] += figures
        by_bot[bot_id] += figures

    def rows(subjects: list, figures: dict[int, response_times.Figures]) -> list[ResponseRow]:
        shown = [ResponseRow(subject, figures[subject.pk]) for subject in subjects if figures.get(subject.pk)]
        return sorted(shown, key=lambda row: (-row.figures.assigned, row.subject.name, row.subject.pk))

    return ResponseReport(
        operators=rows(operators, by_operator),
        bots=rows(bots, by_bot),
        total=sum(by_bot.values(), response_times.Figures()),
        since=fold.since if fold.since_contact else None,
    )


# Contact history ---------------------------------------------------------------------------------


def _events() -> QuerySet[ContactEvent]:
    return ContactEvent.objects.select_related("actor", "operator", "bot").order_by("at", "pk")


def history(contact: Contact) -> QuerySet[ContactEvent]:
    """A contact's events, oldest first, with the people and bots they name."""
    return _events().filter(contact=contact)


def last_close(contact: Contact) -> ContactEvent | None:
    """The event of a contact's latest close, with who closed it; None if it never closed."""
    return history(contact).filter(kind=ContactEvent.Kind.CLOSED).order_by("at", "pk").last()


def with_history(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """`contacts` with each one's events (oldest first) prefetched: one query for all of them."""
    return contacts.prefetch_related(Prefetch("events", queryset=_events()))


def closes_by_reason(
    *, start: datetime, end: datetime, bot: Bot | None = None
) -> list[tuple[StrOrPromise, int]]:
    """How many contacts (of `bot`, if given) were closed in [start, end), two local midnights, per
    reason (its label), most first."""
    days = DailyCloses.objects.filter(day__gte=figures_day(start), day__lt=figures_day(end))
    if bot is not None:
        days = days.filter(bot=bot)
    rows = days.values("reason").annotate(n=Sum("contacts")).filter(n__gt=0).order_by("-n", "reason")
    labels = dict(ContactEvent.Reason.choices)
    return [(labels.get(row["reason"], row["reason"] or "unknown"), row["n"]) for row in rows]


# Leads -------------------------------------------------------------------------------------------


def search_leads(query: str, *, duplicates: bool = False) -> QuerySet[Lead]:
    """Return the leads matching `query` by name, e-mail, phone or external id, newest first.

    Each has `contact_count`; with `duplicates`, only those marked as possible duplicates.
    """
    leads = Lead.objects.annotate(contact_count=count_of(Contact.objects.filter(lead=OuterRef("pk"))))
    if duplicates:
        leads = leads.exclude(duplicate_of=None)
    query = query.strip()
    if not query:
        return leads
    condition = (
        Q(name__icontains=query)
        | Q(external_id__icontains=query)
        | Q(email__icontains=_email_fragment(query))
    )
    try:
        condition |= Q(phone=normalize_phone(query))
    except InvalidIdentifier:
        digits = "".join(character for character in query if character.isdigit())
        if len(digits) >= 4:
            condition |= Q(phone__contains=digits)
    return leads.filter(condition)


def _email_fragment(query: str) -> str:
    """A part of an address as it is stored: lower-cased, its domain part (after the @, or all of
    it) IDNA-encoded when it can be, so "пример.рф" finds user@xn--e1afmkfd.xn--p1ai."""
    local, at, domain = unicodedata.normalize("NFKC", query).lower().rpartition("@")
    with contextlib.suppress(InvalidIdentifier):
        domain = normalize_domain(domain)
    return f"{local}{at}{domain}"


def bots_of_leads(leads: list[Lead]) -> dict[int, list[str]]:
    """The names of the bots each lead wrote through."""
    pairs = (
        Contact.objects.filter(lead__in=leads)
        .order_by("lead_id", "bot__name")
        .values_list("lead_id", "bot__name")
        .distinct()
    )
    names: dict[int, list[str]] = {}
    for lead_id, bot_name in pairs:
        names.setdefault(lead_id, []).append(bot_name)
    return names


def lead_identifiers(lead: Lead) -> dict[str, str]:
    return {name: getattr(lead, name) for name in IDENTIFIERS if getattr(lead, name)}


@dataclass(frozen=True)
class Provenance:
    """One identifier of a lead and where it came from; `source` is None when nothing recorded it
    (set by hand in admin, or stored before provenance was kept)."""

    field: str
    label: StrOrPromise
    value: str
    source: IdentifierSource | None
    verified: bool  # a bot or a manager vouched for it (rule 1)

    @property
    def shown(self) -> str:
        return shown_identifier(self.field, self.value)


def lead_provenance(lead: Lead) -> list[Provenance]:
    """Each identifier the lead holds, with its bot, contact and time (one query)."""
    recorded = {row.field: row for row in lead.identifier_sources.select_related("bot", "actor")}
    labels = dict(IdentifierSource.Field.choices)
    rows = []
    for name, value in lead_identifiers(lead).items():
        source = recorded.get(name)
        source = source if source and source.value == value else None
        rows.append(Provenance(name, labels[name], value, source, getattr(lead, f"{name}_verified")))
    return rows


def contacts_supplied_with(
    provenance: list[Provenance], fields: list[str], contacts: list[Contact]
) -> list[Contact]:
    """The contacts that probably belong with these identifiers: those from the bot that supplied
    one of them, at or after the time it did."""
    sources = [row.source for row in provenance if row.field in fields and row.source and row.source.bot_id]
    return [
        contact
        for contact in contacts
        if any(
            contact.bot_id == source.bot_id and contact.created_at >= source.created_at for source in sources
        )
    ]
