import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from . import schedules
from .identifiers import unicode_email
from .links import id_url
from .stored_messages import stored_message

# Upper bounds keep the round-robin arithmetic far from integer overflow and catch typos.
MAX_CAPACITY = 10_000
MAX_WEIGHT = 1000
# A resolution note is a line, not a report: it shows in lists.
RESOLUTION_LENGTH = 500
WEBHOOK_URL_LENGTH = 2000


def operator_name_key(name: str) -> str:
    """What makes two operators' names the same: case (any alphabet) and spacing aside. Folded in
    Python: SQLite's lower() folds ASCII letters only, and the names are Cyrillic too."""
    return " ".join(name.split()).casefold()


class OperatorQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create does not call save(), which keeps the key.
        objs = list(objs)
        for operator in objs:
            operator.name_key = operator_name_key(operator.name)
        return super().bulk_create(objs, *args, **kwargs)


class Operator(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # Unique, so that two operators saved at once with the same name cannot both be stored (lists
    # and reports tell operators apart by name only). Casefolding may lengthen a name ("ß": "ss").
    name_key = models.CharField(max_length=600, unique=True, editable=False)
    is_active = models.BooleanField(_("switched on"), default=True)
    # Why the service switched it away (rule 9: missed contacts in a row); "" when a person did.
    away_reason = models.CharField(_("why away"), max_length=200, blank=True)
    # Rule 11: its shifts (schedules.Schedule's stored form), None for none; and the next moment
    # the worker switches it on or away by them.
    shifts = models.JSONField(_("shifts"), null=True, blank=True, validators=[schedules.validate])
    shift_edge_at = models.DateTimeField(_("next shift change"), null=True, blank=True, editable=False)
    max_open_contacts = models.PositiveIntegerField(
        _("capacity"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
    )
    # The operator's own login, for its workspace at /me/; None while it has none (or was detached).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="operator",
        verbose_name=_("login"),
    )
    # When a manager archived it: switched off for good, gone from lists and routing, its history
    # kept. None while it is in use.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)

    objects = OperatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_open_contacts__gt=0), name="operator_capacity_positive"),
        ]
        permissions = [("hand_over", _("Can hand over an operator's open contacts to the queue"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = operator_name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return id_url("operator", self.pk)


class OperatorEvent(models.Model):
    """An operator switched on or away, by whom or what: the history of its availability."""

    class Kind(models.TextChoices):
        ON = "on", _("switched on")
        AWAY = "away", _("switched away")

    class Reason(models.TextChoices):
        MANAGER = "manager", _("by a manager")
        SELF = "self", _("by the operator")
        MISSED = "missed", _("missed contacts in a row")
        HAND_OVER = "hand-over", _("its contacts handed over")
        SHIFT = "shift", _("its shift began or ended")

    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, related_name="events", verbose_name=_("operator")
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind)
    reason = models.CharField(_("why"), max_length=20, choices=Reason)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("operator event")
        verbose_name_plural = _("operator events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["operator", "at"], name="operator_event_history")]

    def __str__(self) -> str:
        return f"{self.operator_id}: {self.get_kind_display()}, {self.get_reason_display()}"


class Bot(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    # The token itself is never stored: the prefix finds the bot, the SHA-256 proves the token.
    token_prefix = models.CharField(_("token prefix"), max_length=8, db_index=True, editable=False)
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    operators = models.ManyToManyField(
        Operator, through="BotOperator", related_name="bots", verbose_name=_("operators")
    )
    # Overrides settings.AUTO_CLOSE_AFTER for this bot's contacts; None follows the setting.
    auto_close_after = models.DurationField(_("close open contacts after"), null=True, blank=True)
    # Which identifiers the bot vouches for (rule 1): a messenger's user id or a phone it shared,
    # not what a customer typed. Only these join a contact to an existing lead.
    verifies_external_id = models.BooleanField(_("verifies the external id"), default=True)
    verifies_email = models.BooleanField(_("verifies the e-mail"), default=False)
    verifies_phone = models.BooleanField(_("verifies the phone"), default=False)
    # Rule 9: how long a new contact may wait for its operator to take it. None follows
    # settings.ANSWER_WITHIN; zero is off for this bot.
    answer_within = models.DurationField(_("answer within"), null=True, blank=True)
    # Rule 10: a lead who writes again within this time goes back to its operator; None is off.
    return_within = models.DurationField(_("return to the same operator within"), null=True, blank=True)
    # Rule 11: its working hours (schedules.Schedule's stored form); None is always open.
    hours = models.JSONField(_("working hours"), null=True, blank=True, validators=[schedules.validate])
    # When a manager archived it: it takes no new contacts and is gone from lists, its history
    # kept. None while it is in use.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("bot")
        verbose_name_plural = _("bots")
        ordering = ["name", "id"]
        permissions = [("rotate_token", _("Can rotate a bot's token"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return id_url("bot", self.pk)

    @property
    def verified(self) -> frozenset[str]:
        """Return the identifiers this bot vouches for."""
        return frozenset(
            field for field in ("external_id", "email", "phone") if getattr(self, f"verifies_{field}")
        )


class BotOperator(models.Model):
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="links", verbose_name=_("bot"))
    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, related_name="links", verbose_name=_("operator")
    )
    weight = models.PositiveIntegerField(
        _("weight"), default=10, validators=[MinValueValidator(1), MaxValueValidator(MAX_WEIGHT)]
    )
    # Smooth weighted round robin state of this pair (rule 4); only the routing package writes it.
    current_weight = models.IntegerField(_("current weight"), default=0, editable=False)

    class Meta:
        verbose_name = _("operator of a bot")
        verbose_name_plural = _("operators of bots")
        ordering = ["bot", "operator"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "operator"], name="bot_operator_unique"),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=MAX_WEIGHT), name="bot_operator_weight_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bot} → {self.operator} ({self.weight})"


def lead_name(
    pk: int | None, name: str, email: str | None, phone: str | None, external_id: str | None
) -> str:
    """Return how every page names a lead: its name, else the identifier people read best."""
    email = email and unicode_email(email)
    return name or email or phone or external_id or _("Lead #%(pk)s") % {"pk": pk}


class Lead(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    # NULL, not "", when absent: each identifier is unique only when present.
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, unique=True, null=True, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=16, unique=True, null=True, blank=True)
    # Whether a bot vouched for each identifier when it gave it (rule 1): one it did not vouch for
    # never joins a later contact to this lead.
    external_id_verified = models.BooleanField(_("external id verified"), default=True)
    email_verified = models.BooleanField(_("e-mail verified"), default=True)
    phone_verified = models.BooleanField(_("phone verified"), default=True)
    # The lead one of its identifiers points to, unverified: the same person, perhaps.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        verbose_name=_("possible duplicate of"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        permissions = [("merge_leads", _("Can merge and split leads"))]

    def __str__(self) -> str:
        return lead_name(self.pk, self.name, self.email, self.phone, self.external_id)

    def get_absolute_url(self) -> str:
        return id_url("lead", self.pk)


class Contact(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("lead"))
    bot = models.ForeignKey(Bot, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("bot"))
    operator = models.ForeignKey(
        Operator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("operator"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.WAITING)
    message = models.TextField(_("message"), blank=True)
    # NULL when absent, so that the unique constraint per bot only holds the bots' own ids.
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # Rule 8: when its operator took it; None while it is new (or from before taking existed).
    accepted_at = models.DateTimeField(_("taken"), null=True, blank=True)
    # Rule 9: by when its operator should take it, and since when it is overdue (nobody else could).
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # What the operator (or manager) who closed it wrote down; its history event keeps it too.
    resolution = models.CharField(_("resolution"), max_length=RESOLUTION_LENGTH, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "external_id"],
                condition=Q(external_id__isnull=False),
                name="contact_external_id_unique_per_bot",
            ),
            # An open contact always has its operator and a waiting one never has one; a
            # closed contact keeps whoever had it (or nobody, if it was closed while waiting).
            models.CheckConstraint(
                condition=Q(status="open", operator__isnull=False)
                | Q(status="waiting", operator__isnull=True)
                | Q(status="closed"),
                name="contact_operator_matches_status",
            ),
        ]
        indexes = [
            # An operator's load: its open contacts.
            models.Index(fields=["operator", "status"], name="contact_operator_status"),
            # A bot's waiting queue, oldest first.
            models.Index(fields=["bot", "status", "created_at"], name="contact_bot_status_created"),
            # The contacts list, newest first.
            models.Index(fields=["-created_at", "-id"], name="contact_newest"),
            # The queue across bots, and counts by status.
            models.Index(fields=["status", "created_at"], name="contact_status_created"),
            # A bot's contacts over a period (bot list, report), and contacts closed today.
            models.Index(fields=["bot", "created_at"], name="contact_bot_created"),
            models.Index(fields=["closed_at"], name="contact_closed"),
            # New contacts by their deadline (the worker's pass-on).
            models.Index(
                fields=["answer_by"],
                condition=Q(status="open", accepted_at__isnull=True),
                name="contact_deadline",
            ),
        ]
        permissions = [
            ("close_any_contact", _("Can close any operator's contact")),
            ("view_report", _("Can view the distribution report")),
            # An operator's workspace: its own contacts only (the login linked to an operator).
            ("work_own_contacts", _("Can work on their own contacts")),
        ]

    def __str__(self) -> str:
        return _("Contact %(pk)s (%(status)s)") % {"pk": self.pk, "status": self.get_status_display()}

    def get_absolute_url(self) -> str:
        return id_url("contact", self.pk)

    @property
    def first_line(self) -> str:
        """The message's first line that is not blank, with "…" when more follows: what a list shows."""
        lines = [line.strip() for line in self.message.splitlines() if line.strip()]
        if not lines:
            return ""
        return lines[0] + (" …" if len(lines) > 1 else "")


class ContactEvent(models.Model):
    """One change of a contact, written in the transaction of the change: the contact's history."""

    class Kind(models.TextChoices):
        CREATED = "created", _("arrived")
        ASSIGNED = "assigned", _("assigned")
        ACCEPTED = "accepted", _("taken")
        MISSED = "missed", _("not taken in time")
        HANDED_BACK = "handed_back", _("handed back")
        CLOSED = "closed", _("closed")

    class Reason(models.TextChoices):
        # How a contact was assigned
        INTAKE = "intake", _("on arrival")
        QUEUE = "queue", _("from the queue")
        PASSED_ON = "passed-on", _("passed on: not taken in time")
        RETURNED = "returned", _("back to the lead's operator")
        TRANSFER = "transfer", _("transferred by a manager")
        REOPENED = "reopened", _("reopened")
        # Who or what closed it
        MANAGER = "manager", _("by a manager")
        OPERATOR = "operator", _("by its operator")
        BOT = "bot", _("by the bot")
        AUTO = "auto", _("automatically: open too long after assignment")
        EXPIRED = "expired", _("expired in the queue")
        # Why it went back to the queue
        HAND_OVER = "hand-over", _("handed over")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="events", verbose_name=_("contact")
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.CharField(_("how"), max_length=20, choices=Reason, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Who did it (a manager or an operator's login); None for the intake, the queue and the sweep.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The operator it concerns: who got it, who gave it back, who had it when it closed.
    operator = models.ForeignKey(
        Operator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_events",
        verbose_name=_("operator"),
    )
    # The bot that closed it through the API.
    bot = models.ForeignKey(
        Bot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("bot")
    )

    class Meta:
        verbose_name = _("contact event")
        verbose_name_plural = _("contact events")
        ordering = ["at", "id"]
        indexes = [
            # A contact's history, in order.
            models.Index(fields=["contact", "at"], name="contact_event_history"),
            # Closes by reason over a period (the report).
            models.Index(fields=["kind", "at"], name="contact_event_kind_at"),
        ]

    def __str__(self) -> str:
        # Shown in the admin's history of a contact: in the page's language and format.
        moment = date_format(timezone.localtime(self.at), "DATETIME_FORMAT")
        what = (
            f"{self.get_kind_display()}, {self.get_reason_display()}"
            if self.reason
            else self.get_kind_display()
        )
        return f"#{self.contact_id}: {what}, {moment}"


class IdentifierSource(models.Model):
    """Where one of a lead's identifiers came from: the bot and the contact that supplied it, and
    when. Identifiers come from anonymous chat users, so a bot can attach someone else's e-mail or
    phone to a lead; this row lets a manager see it and split the identifier off again. One row per
    identifier a lead holds; no bot means a manager moved it (a merge) or nobody recorded it."""

    class Field(models.TextChoices):
        EXTERNAL_ID = "external_id", _("external id")
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="identifier_sources", verbose_name=_("lead")
    )
    field = models.CharField(_("identifier"), max_length=11, choices=Field)
    value = models.CharField(_("value"), max_length=254)
    bot = models.ForeignKey(
        Bot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("bot")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # The manager who typed it on the lead's page; None for a bot's, a merge's or the admin's.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("identifier source")
        verbose_name_plural = _("identifier sources")
        ordering = ["lead", "field"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "field"], name="identifier_source_unique"),
        ]

    def __str__(self) -> str:
        return _("%(field)s %(value)s of lead %(lead)s") % {
            "field": self.get_field_display(),
            "value": self.value,
            "lead": self.lead_id,
        }


def figures_day(moment: datetime.datetime) -> datetime.date:
    """Return the day the daily figures count `moment` on: its date in settings.TIME_ZONE, whatever
    zone the login whose request made it is in."""
    return timezone.localdate(moment, timezone.get_default_timezone())


class DailyAssignments(models.Model):
    """How many of a bot's contacts were assigned to one operator on one day (each assignment: on
    arrival, from the queue, passed on, returned, transferred, reopened): the distribution report's
    figures, counted in the same transaction as each assignment, so that the report reads a few
    thousand rows instead of every contact of the period. The day is the assignment's in
    settings.TIME_ZONE."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", verbose_name=_("bot"))
    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, related_name="+", verbose_name=_("operator")
    )
    day = models.DateField(_("day"))
    contacts = models.IntegerField(_("contacts"), default=0)

    class Meta:
        verbose_name = _("assignments of a day")
        verbose_name_plural = _("assignments by day")
        constraints = [
            models.UniqueConstraint(fields=["bot", "operator", "day"], name="daily_assignments_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="daily_assignments_day")]

    def __str__(self) -> str:
        return f"{self.day}: bot {self.bot_id} → operator {self.operator_id}: {self.contacts}"


class DailyCloses(models.Model):
    """How many of a bot's contacts were closed on one day for one reason: the report's closes by
    reason, counted in the same transaction as each close. The day is the close's, in TIME_ZONE."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", verbose_name=_("bot"))
    day = models.DateField(_("day"))
    reason = models.CharField(_("how"), max_length=20, choices=ContactEvent.Reason)
    contacts = models.IntegerField(_("contacts"), default=0)

    class Meta:
        verbose_name = _("closes of a day")
        verbose_name_plural = _("closes by day")
        constraints = [
            # Also the report's index: the rows of a period, of every bot or of one.
            models.UniqueConstraint(fields=["day", "bot", "reason"], name="daily_closes_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: bot {self.bot_id}, {self.reason}: {self.contacts}"


class ResponseFigures(models.Model):
    """The report's response times of one bot and operator, summed from the first day up to the end
    of `day` (up to ResponseFold.folded_until on the last day folded): a period's figures are
    the difference of two rows, whatever its length. distribution/response_times.py folds them
    from the contacts' events; every bot and operator with figures has a row for each day since its
    first."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", verbose_name=_("bot"))
    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, related_name="+", verbose_name=_("operator")
    )
    day = models.DateField(_("day"))
    # response_times.Figures as JSON: counts, and histograms of durations over response_times.SCALE.
    figures = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("response figures of a day")
        verbose_name_plural = _("response figures by day")
        constraints = [
            # Also the report's index: the rows of two days, of every bot or of one.
            models.UniqueConstraint(fields=["day", "bot", "operator"], name="response_figures_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: bot {self.bot_id}, operator {self.operator_id}"


class ResponseFold(models.Model):
    """Where the response times start and how far their fold has gone: one row."""

    # The contacts up to this id arrived before operators took contacts (rule 8): they have no
    # takes to measure and are left out. Recorded by the migration that added the response times.
    since_contact = models.BigIntegerField(_("last contact from before taking"), default=0)
    since = models.DateTimeField(_("taking recorded since"), null=True, blank=True)
    # Every event before this moment is summed in ResponseFigures; None before the first fold.
    folded_until = models.DateTimeField(_("folded until"), null=True, blank=True)

    class Meta:
        verbose_name = _("response times' fold")
        verbose_name_plural = _("response times' folds")

    def __str__(self) -> str:
        return f"after contact {self.since_contact}, folded until {self.folded_until}"


class IntakeWindow(models.Model):
    """How many intake requests of a bot were accepted in one slot of time: the per-bot rate
    limit's counter (see distribution/ratelimit.py), kept in the database so that every app
    process and server shares it."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", verbose_name=_("bot"))
    started_at = models.DateTimeField(_("started"))
    requests = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("intake window")
        verbose_name_plural = _("intake windows")
        constraints = [models.UniqueConstraint(fields=["bot", "started_at"], name="intake_window_unique")]

    def __str__(self) -> str:
        return f"{self.bot_id} @ {self.started_at:%H:%M:%S}: {self.requests}"


class Webhook(models.Model):
    """Where a bot hears about its contacts: the URL the worker POSTs signed events to, and which
    events. The secret signs each request (HMAC-SHA256), so it is kept as it is, unlike a token; it
    is shown to the manager once, when it is made or rotated."""

    class Event(models.TextChoices):
        ASSIGNED = "contact.assigned", _("assigned to an operator")
        ACCEPTED = "contact.accepted", _("taken by its operator")
        PASSED_ON = "contact.passed_on", _("passed on: not taken in time")
        WAITING = "contact.waiting", _("waiting in the queue")
        CLOSED = "contact.closed", _("closed")

    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="webhook", verbose_name=_("bot"))
    url = models.URLField(_("URL"), max_length=WEBHOOK_URL_LENGTH)
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    # A list of Event values.
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("sending"), default=True)
    # Why it stopped sending by itself (the receiver answered 410 Gone), shown on the bot's page:
    # an English msgid and its parameters, translated when shown (stored_messages.stored_message).
    disabled_reason = models.CharField(_("why it stopped"), max_length=200, blank=True)
    disabled_reason_params = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.bot} → {self.url}"

    @property
    def disabled_message(self) -> str:
        """Why it stopped sending, in the active language, its moment in the site's time zone."""
        params = dict(self.disabled_reason_params)
        if "moment" in params:
            moment = timezone.localtime(datetime.datetime.fromisoformat(params["moment"]))
            params["moment"] = date_format(moment, "SHORT_DATETIME_FORMAT")
        return stored_message(self.disabled_reason, params)


class WebhookDelivery(models.Model):
    """One event for one webhook: the outbox row, written in the transaction of the change it tells of.

    A rolled-back change sends nothing and a crash loses nothing; the worker sends, retries and
    records each.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    event = models.CharField(_("event"), max_length=30, choices=Webhook.Event)
    # Sent with each attempt, so that the receiver can ignore a repeat.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    # The body, as it was when the change happened.
    payload = models.JSONField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When it is due next; None once it is delivered or failed.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker sending it holds it until then; past that, another worker may take it over.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # The receiver's HTTP status at the last attempt; None when it gave none (refused, timed out).
    response_status = models.PositiveSmallIntegerField(_("answer status"), null=True, blank=True)
    # An English msgid and its parameters, translated when shown (stored_messages.stored_message).
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_error_params = models.JSONField(default=dict, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # What is due, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            # A webhook's last deliveries (the bot's page).
            models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_newest"),
            # The events of one contact, in order.
            models.Index(fields=["contact", "id"], name="delivery_contact_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event} of contact {self.contact_id}: {self.status}"

    @property
    def error_message(self) -> str:
        """The last error in the active language."""
        return stored_message(self.last_error, self.last_error_params)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(zone)s” is not a time zone."), code="invalid", params={"zone": value})


class LoginSettings(models.Model):
    """What a login chose for itself: the time zone its pages and files show times in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_settings",
        verbose_name=_("user"),
    )
    # Blank: the site's, settings.TIME_ZONE.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])

    class Meta:
        verbose_name = _("login settings")
        verbose_name_plural = _("login settings")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone or '-'}"
