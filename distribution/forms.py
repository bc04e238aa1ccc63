"""The dashboard's forms: they validate what a manager types; the routing service does the rest."""

import contextlib
import datetime
import functools
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django_stubs_ext import StrOrPromise

from minicrm.durations import format_duration, parse_duration

from . import outbound, routing, schedules, selectors
from .identifiers import IDENTIFIERS, NORMALIZERS, InvalidIdentifier, LeadIdentity, shown_identifier
from .models import (
    MAX_CAPACITY,
    MAX_WEIGHT,
    RESOLUTION_LENGTH,
    WEBHOOK_URL_LENGTH,
    Bot,
    Contact,
    IdentifierSource,
    Lead,
    Operator,
    Webhook,
    operator_name_key,
)
from .time_zones import zone_label
from .tokens import slug_for


def name_taken() -> str:
    return _("Another operator already has this name: add a surname or an initial.")


class OperatorNameMixin:
    """For a ModelForm of Operator: a name no other operator has, whatever its case or spacing,
    since lists, the report and the bot pages tell operators apart by name only (the unique
    Operator.name_key holds it when two saves race past this check: see save_operator)."""

    cleaned_data: dict[str, Any]
    instance: Operator

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if Operator.objects.exclude(pk=self.instance.pk).filter(name_key=operator_name_key(name)).exists():
            raise forms.ValidationError(name_taken())
        return name


def save_operator(form: forms.ModelForm) -> Operator | None:
    """The form's operator saved; None, with the form's error, when another operator took the name
    between the form's check and the save."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        if not Operator.objects.exclude(pk=form.instance.pk).filter(name_key=form.instance.name_key).exists():
            raise
        form.add_error("name", name_taken())
        return None


class OperatorForm(OperatorNameMixin, forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["name", "max_open_contacts"]

    max_open_contacts = forms.IntegerField(
        label=gettext_lazy("Capacity (open contacts)"), min_value=1, max_value=MAX_CAPACITY, initial=10
    )


class CapacityForm(forms.Form):
    max_open_contacts = forms.IntegerField(
        label=gettext_lazy("Capacity"), min_value=1, max_value=MAX_CAPACITY
    )


class BotForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    slug = forms.SlugField(
        label=gettext_lazy("Slug"),
        max_length=100,
        required=False,
        allow_unicode=True,
        help_text=gettext_lazy("Defaults to the name."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "name" not in cleaned:
            return cleaned  # the name's own error says what is wrong; a slug made of nothing adds nothing
        slug = cleaned.get("slug") or slug_for(cleaned["name"])
        if not slug:
            self.add_error("name", _("The name needs at least one letter or digit."))
        elif Bot.objects.filter(slug=slug).exists():
            self.add_error(
                "slug" if cleaned.get("slug") else "name",
                _("A bot with slug “%(slug)s” already exists.") % {"slug": slug},
            )
        cleaned["slug"] = slug
        return cleaned


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=WEBHOOK_URL_LENGTH,
        help_text=gettext_lazy("Where each event is POSTed, signed."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=Webhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one event.")},
    )

    def __init__(self, *args, webhook: Webhook | None = None, **kwargs):
        if webhook is not None:
            kwargs.setdefault("initial", {"url": webhook.url, "events": webhook.events})
        super().__init__(*args, **kwargs)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            outbound.check_url(url)
        except outbound.OutboundError as error:
            raise forms.ValidationError(str(error)) from error
        return url

    def clean_events(self) -> list[str]:
        chosen = set(self.cleaned_data["events"])
        # In the order of Webhook.Event, whatever order the browser sent them in.
        return [event for event in Webhook.Event.values if event in chosen]


class AutoCloseForm(forms.Form):
    auto_close_after = forms.CharField(
        label=gettext_lazy("Close open contacts after"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("For example 90m, 24h or 2d. Empty: the default."),
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        if bot.auto_close_after is not None:
            kwargs.setdefault("initial", {"auto_close_after": format_duration(bot.auto_close_after)})
        super().__init__(*args, **kwargs)

    def clean_auto_close_after(self) -> timedelta | None:
        return optional_duration(
            self.cleaned_data["auto_close_after"],
            _("Write a time like 90m, 24h or 2d (at most 365d), or leave it empty for the default."),
        )


def optional_duration(text: str, error: str) -> timedelta | None:
    """Return the duration typed, None when nothing is; raise a ValidationError with `error` when
    it is not a duration."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        raise forms.ValidationError(error) from None


def switched_off() -> str:
    """The word that switches a time off, in the active language (it is read in both)."""
    return pgettext("a time switched off", "off")


def _off_words() -> set[str]:
    """What switches a time off, read in every language, as durations' units are."""
    words = {"0"}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            words.add(switched_off().lower())
    return words


class AnsweringForm(forms.Form):
    """A bot's time to take a new contact (rule 9) and to send a returning lead back (rule 10)."""

    answer_within = forms.CharField(
        label=gettext_lazy("Answer within"),
        max_length=40,
        required=False,
    )
    return_within = forms.CharField(
        label=gettext_lazy("Return a lead to its operator within"),
        max_length=40,
        required=False,
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        initial = {}
        if bot.answer_within is not None:
            within = bot.answer_within
            initial["answer_within"] = format_duration(within) if within else switched_off()
        if bot.return_within is not None:
            initial["return_within"] = format_duration(bot.return_within)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def clean_answer_within(self) -> timedelta | None:
        text = self.cleaned_data["answer_within"]
        if text.strip().lower() in _off_words():
            return timedelta(0)
        error = _(
            "Write a time like 5m or 1h, “%(off)s” to switch it off, or leave it empty for the default."
        ) % {"off": switched_off()}
        return optional_duration(text, error)

    def clean_return_within(self) -> timedelta | None:
        return optional_duration(
            self.cleaned_data["return_within"],
            _("Write a time like 7d or 30d (at most 365d), or leave it empty to switch it off."),
        )


class VouchesForm(forms.Form):
    vouches = forms.MultipleChoiceField(
        label=gettext_lazy("Identifiers this bot vouches for"),
        choices=IdentifierSource.Field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        kwargs.setdefault("initial", {"vouches": sorted(bot.verified)})
        super().__init__(*args, **kwargs)


class WeightForm(forms.Form):
    weight = forms.IntegerField(label=gettext_lazy("Weight"), min_value=1, max_value=MAX_WEIGHT)


class LinkForm(forms.Form):
    operator = forms.ModelChoiceField(label=gettext_lazy("Operator"), queryset=Operator.objects.none())
    weight = forms.IntegerField(label=gettext_lazy("Weight"), min_value=1, max_value=MAX_WEIGHT, initial=10)

    def __init__(self, *args, bot: Bot, **kwargs):
        super().__init__(*args, **kwargs)
        # Each field's copy is typed as a plain Field: Django copies the declared ones at run time.
        self.fields["operator"].queryset = Operator.objects.exclude(links__bot=bot).filter(archived_at=None)  # type: ignore[attr-defined]


class LeadSearchForm(forms.Form):
    # A CharField refuses NUL, which PostgreSQL cannot hold even in a query's parameter.
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=254)
    duplicates = forms.BooleanField(label=gettext_lazy("Possible duplicates only"), required=False)


class MergeForm(forms.Form):
    other = forms.CharField(
        max_length=254,
        label=gettext_lazy("The other lead"),
        help_text=gettext_lazy("Its number (#id), external id, e-mail or phone."),
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead

    def clean_other(self) -> Lead:
        typed = self.cleaned_data["other"].strip()
        other = None
        # ASCII digits only: str.isdigit() also holds for "²" and "٣", which int() refuses or reads.
        if re.fullmatch(r"#?[0-9]{1,19}", typed):
            other = Lead.objects.filter(pk=int(typed.lstrip("#"))).first()
        # The confirmation named the lead by its number: if that lead has gone meanwhile, an
        # identifier that happens to read the same must not pick a lead the manager never saw.
        if other is None and self.data.get("confirmed") == "yes":
            raise forms.ValidationError(
                _("The lead named for this merge no longer exists: nothing was merged.")
            )
        for field in ("external_id", "email", "phone"):
            if other is None:
                with contextlib.suppress(InvalidIdentifier):  # not this kind of identifier
                    other = routing.find_lead(LeadIdentity.normalised(**{field: typed}))
        if other is None:
            raise forms.ValidationError(_("No lead has this number or identifier."))
        if other.pk == self.lead.pk:
            raise forms.ValidationError(_("A lead cannot be merged into itself."))
        return other


def _contact_label(contact: Contact) -> str:
    # In the active language's one date format, like every |when on the pages.
    when = formats.date_format(timezone.localtime(contact.created_at), "SHORT_DATETIME_FORMAT")
    return _("#%(contact)s via %(bot)s, %(when)s") % {
        "contact": contact.pk,
        "bot": contact.bot.name,
        "when": when,
    }


class SplitForm(forms.Form):
    identifiers = forms.MultipleChoiceField(
        label=gettext_lazy("Identifiers to detach"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one identifier to detach.")},
    )
    contacts = forms.MultipleChoiceField(
        label=gettext_lazy("Contacts that go with them"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, lead: Lead, contacts: list[Contact], **kwargs):
        """`contacts`: the lead's contacts, with their bots (the page lists them anyway)."""
        super().__init__(*args, **kwargs)
        labels = dict(IdentifierSource.Field.choices)
        self.held = [
            (field, f"{labels[field].capitalize()}: {shown_identifier(field, getattr(lead, field))}")
            for field in IDENTIFIERS
            if getattr(lead, field)
        ]
        self.fields["identifiers"].choices = self.held  # type: ignore[attr-defined]  # as in LinkForm
        self.contacts_by_pk = {str(contact.pk): contact for contact in contacts}
        self.fields["contacts"].choices = [  # type: ignore[attr-defined]
            (pk, _contact_label(contact)) for pk, contact in self.contacts_by_pk.items()
        ]

    def clean_identifiers(self) -> list[str]:
        chosen = self.cleaned_data["identifiers"]
        if len(set(chosen)) == len(self.held):
            raise forms.ValidationError(
                _("A lead keeps at least one identifier: leave one here, or merge instead.")
            )
        return chosen

    def clean_contacts(self) -> list[Contact]:
        return [self.contacts_by_pk[pk] for pk in self.cleaned_data["contacts"]]


PERIODS = [
    ("today", gettext_lazy("Today")),
    ("7d", gettext_lazy("Last 7 days")),
    ("30d", gettext_lazy("Last 30 days")),
    ("custom", gettext_lazy("From … to")),
]

# A period runs to the midnight after its last day, in any time zone and in UTC: the calendar's
# first and last days have no such midnight in Python's datetime.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)
OUT_OF_CALENDAR = format_lazy(
    gettext_lazy("Choose a date between {first} and {last}."), first=FIRST_DAY, last=LAST_DAY
)


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "min": FIRST_DAY, "max": LAST_DAY})
    default_validators = [
        MinValueValidator(FIRST_DAY, OUT_OF_CALENDAR),
        MaxValueValidator(LAST_DAY, OUT_OF_CALENDAR),
    ]


@dataclass(frozen=True)
class Period:
    """The range a page shows: [start, end), two local midnights, or every date when `start` is
    None."""

    name: str  # a key of PERIODS, or "all"
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) of any period but "all"."""
        if self.start is None or self.end is None:
            raise ValueError("Any time has no bounds.")
        return self.start, self.end

    # The bounds are midnights of the zone they were made in (PeriodForm.time_zone).
    @property
    def first_day(self) -> datetime.date | None:
        return self.start and self.start.date()

    @property
    def last_day(self) -> datetime.date | None:
        return self.end and (self.end - timedelta(days=1)).date()


class PeriodForm(forms.Form):
    """A period and its dates, resolved into the one range that the page, its dates, its label and
    its links all say: a named period wins over dates left from an earlier one, the dates count
    only with "From … to" (or alone in a URL)."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    start = DayField(required=False, label=gettext_lazy("From"))
    end = DayField(required=False, label=gettext_lazy("To"))

    default_period = "7d"

    def __init__(self, data=None, **kwargs):
        # The page opens on the default period, and the select says which one it is.
        if data is not None and not data.get("period"):
            data = data.copy()
            data["period"] = "custom" if data.get("start") or data.get("end") else self.default_period
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                self.add_error("start", _("Give both dates of the period."))
            elif start > end:
                self.add_error("end", _("The end date is before the start date."))
        else:
            for name in ("start", "end"):  # not used: not even a typo in them is an error
                self.errors.pop(name, None)
                cleaned[name] = None
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and not self.errors:
            # The date fields show the range used, not dates that a named period overrode.
            period, shown = self.period_used(), self._data_copy()
            shown["start"] = period.first_day.isoformat() if period.first_day else ""
            shown["end"] = period.last_day.isoformat() if period.last_day else ""
            self.data = shown

    def _data_copy(self) -> QueryDict:
        copy = QueryDict(mutable=True)
        copy.update(self.data)
        return copy

    def period_used(self) -> Period:
        """Return the range that the valid form chose."""
        chosen = self.cleaned_data["period"]
        if chosen == "all":
            return Period(chosen)
        data = self.cleaned_data
        start, end = selectors.period_bounds(
            chosen, start_date=data["start"], end_date=data["end"], zone=self.time_zone()
        )
        return Period(chosen, start, end)

    def time_zone(self) -> datetime.tzinfo:
        """The zone whose midnights bound the days: the page's."""
        return timezone.get_current_timezone()

    def query(self) -> str:
        """The form's data as a link to the same range writes it: the dates of a custom period
        only, no default period, no empty field and no page number."""
        query = self._data_copy()
        left_out = {"page"}
        if not self.errors:
            if self.cleaned_data["period"] != "custom":
                left_out |= {"start", "end"}
            if self.cleaned_data["period"] == self.default_period:
                left_out.add("period")
        for name in [*query]:
            if name in left_out or not any(query.getlist(name)):
                del query[name]
        return urlencode(query, doseq=True)


class ReportForm(PeriodForm):
    """The report's period and, optionally, one bot. The bots are given (the report reads them
    anyway), so that the select costs no query of its own."""

    bot = forms.TypedChoiceField(label=gettext_lazy("Bot"), coerce=int, empty_value=None, required=False)

    field_order = ["bot", "period", "start", "end"]

    def __init__(self, data=None, *, bots: list[Bot], **kwargs):
        super().__init__(data, **kwargs)
        self.bots = {bot.pk: bot for bot in bots}
        # A field's copy, typed as a plain Field (as in LinkForm).
        chosen = self.data.get("bot")
        shown = [bot for bot in bots if bot.archived_at is None or str(bot.pk) == chosen]
        self.fields["bot"].choices = [("", _("All bots")), *((bot.pk, bot.name) for bot in shown)]  # type: ignore[attr-defined]

    def time_zone(self) -> datetime.tzinfo:
        # The daily figures count the site's days: the period's days are the same dates there.
        return timezone.get_default_timezone()

    def clean_bot(self) -> Bot | None:
        pk = self.cleaned_data["bot"]
        return None if pk is None else self.bots[pk]


class ContactFilterForm(PeriodForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            ("", gettext_lazy("Any status")),
            *Contact.Status.choices,
            # Open ones, by rules 8 and 9.
            ("new", gettext_lazy("Open, not taken yet")),
            ("overdue", gettext_lazy("Overdue")),
        ],
        required=False,
    )
    bot = forms.ModelChoiceField(
        label=gettext_lazy("Bot"),
        queryset=Bot.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any bot"),
    )
    operator = forms.ModelChoiceField(
        label=gettext_lazy("Operator"),
        queryset=Operator.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any operator"),
    )
    period = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=[("all", gettext_lazy("Any time")), *PERIODS], required=False
    )

    default_period = "all"

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for name in ("bot", "operator"):
            offer_unarchived(self.fields[name], self.data.get(name))  # type: ignore[arg-type]


class LoginForm(forms.Form):
    """The username of an operator's new login (its password is generated)."""

    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        validators=[get_user_model().username_validator],
        help_text=gettext_lazy("Letters, digits and @ . + - _ only."),
    )


class PageOperatorForm(forms.Form):
    """The operator whose page a contact was closed from: the page answers with that operator's
    part, whoever holds the contact now."""

    operator = forms.ModelChoiceField(queryset=Operator.objects.all())


class TransferForm(forms.Form):
    """Where a manager sends an open contact, and why. The operators offered are those with room
    now; the routing service checks again as it transfers."""

    to = forms.ModelChoiceField(label=gettext_lazy("Operator"), queryset=Operator.objects.all())
    note = forms.CharField(label=gettext_lazy("Why"), max_length=RESOLUTION_LENGTH, required=False)

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        label = _("%(operator)s: %(open)s of %(capacity)s open")
        # Not its own operator (an open contact always has one: no row has the id 0).
        offered = selectors.operators_with_room().exclude(pk=contact.operator_id or 0)
        rows = offered.values_list("pk", "name", "open_contacts", "max_open_contacts")
        # A field's copy, typed as a plain Field (as in LinkForm).
        self.fields["to"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose an operator")),
            *(
                (pk, label % {"operator": name, "open": load, "capacity": capacity})
                for pk, name, load, capacity in rows
            ),
        ]


class CloseForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Resolution"), max_length=RESOLUTION_LENGTH, required=False)


# Working hours (rule 11) -------------------------------------------------------------------------

# A time as typed: 9:00, 09:00 or 24:00 (the end of a day). A browser checks it before sending.
TIME_PATTERN = "([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00"
# Between the two dates of a range of days off: an en or em dash, "..", or " - ".
_RANGE = re.compile(r"\s*(?:\u2013|\u2014|\.\.|\s-\s)\s*")
_DATES_APART = re.compile(r"[,;\n]+")
MAX_DAYS_OFF = 1000
MAX_RANGE = timedelta(days=366)


@functools.cache
def time_zones() -> list[str]:
    """The zones offered: a region's city, and UTC (the old aliases and Etc/'s reversed signs left out)."""
    zones = zoneinfo.available_timezones()
    return sorted(
        {"UTC", *(zone for zone in zones if "/" in zone and not zone.startswith(("Etc/", "SystemV/")))}
    )


def _typed_week(week: Sequence[Sequence[schedules.Interval]]) -> list[list[tuple[int, int]]]:
    """The stored week as a manager types it: an interval that ends at 24:00 and the next day's
    from 00:00 are one interval over midnight (22:00 to 06:00), written on the day it starts."""
    days = [list(day) for day in week]
    for number, day in enumerate(days):
        following = days[(number + 1) % 7]
        if day and following and day[-1][1] == schedules.MINUTES_A_DAY and day[-1][0] > 0:
            start, end = following[0]
            if start == 0 and end < schedules.MINUTES_A_DAY:
                day[-1] = (day[-1][0], end)
                del following[0]
    return days


class ScheduleForm(forms.Form):
    """A week of intervals, the days off and the time zone: a bot's working hours or an operator's
    shifts (rule 11). An interval that ends before it starts runs over midnight into the next day,
    where it is stored."""

    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        error_messages={"invalid_choice": gettext_lazy("Choose a time zone from the list.")},
    )
    days_off = forms.CharField(
        label=gettext_lazy("Days off"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )

    empty_week_error: StrOrPromise
    time_pattern = TIME_PATTERN

    def __init__(self, *args, stored: object, **kwargs):
        super().__init__(*args, **kwargs)
        schedule = schedules.stored(stored)
        zone = schedule.time_zone.key if schedule else settings.TIME_ZONE
        # A field's copy, typed as a plain Field (as in LinkForm).
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            (name, name) for name in sorted({*time_zones(), zone, settings.TIME_ZONE})
        ]
        self.fields["time_zone"].initial = zone
        typed = _typed_week(schedule.week) if schedule else [[] for _day in range(7)]
        for day in range(7):
            for number in range(schedules.MAX_INTERVALS_A_DAY):
                pair = typed[day][number] if number < len(typed[day]) else None
                for edge, minutes in zip(("start", "end"), pair or (None, None), strict=True):
                    self.fields[f"day{day}-{number}-{edge}"] = forms.CharField(
                        required=False,
                        initial="" if minutes is None else schedules.format_time(minutes),
                    )
        if schedule:
            self.fields["days_off"].initial = _dates_text(schedule.days_off)
        # As many columns of intervals as the busiest day needs, and one more to add to, up to the
        # most a day may have: a browser without JavaScript adds one interval per save.
        if self.is_bound:
            filled = max((max(day) + 1 if day else 0) for day in self._typed_from_data())
        else:
            filled = max(map(len, typed))
        self.columns = min(schedules.MAX_INTERVALS_A_DAY, max(2, filled + 1))

    def _typed_from_data(self) -> list[list[int]]:
        """The numbers of the intervals the request has something in, per day."""
        return [
            [
                number
                for number in range(schedules.MAX_INTERVALS_A_DAY)
                if any(
                    str(self.data.get(f"day{day}-{number}-{edge}", "")).strip() for edge in ("start", "end")
                )
            ]
            for day in range(7)
        ]

    @property
    def date_example(self) -> str:
        return formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")

    @functools.cached_property
    def rows(self) -> list[dict]:
        """Per weekday, Monday first: its name, its columns of (start, end) fields and their errors."""
        rows = []
        for day in range(7):
            pairs = [
                (self[f"day{day}-{number}-start"], self[f"day{day}-{number}-end"])
                for number in range(self.columns)
            ]
            errors = list(dict.fromkeys(error for pair in pairs for field in pair for error in field.errors))
            rows.append({"day": day, "name": WEEKDAYS[day], "pairs": pairs, "errors": errors})
        return rows

    def clean(self) -> dict[str, Any]:
        super().clean()
        week = self._clean_week()
        days_off = self._clean_days_off()
        zone = self.cleaned_data.get("time_zone")
        if week is not None and days_off is not None and zone:
            self.cleaned_data["schedule"] = schedules.Schedule(zoneinfo.ZoneInfo(zone), week, days_off)
        return self.cleaned_data

    def _time(self, name: str) -> int | None:
        try:
            minutes = schedules.parse_time(self.cleaned_data.get(name, ""))
        except schedules.ScheduleError:
            self.add_error(name, _("Write a time like 09:00 or 18:30."))
            return None
        if name.endswith("start") and minutes == schedules.MINUTES_A_DAY:
            self.add_error(name, _("24:00 ends a day: start at 00:00."))
            return None
        return minutes

    def _clean_week(self) -> tuple[tuple[schedules.Interval, ...], ...] | None:
        """The week as stored, an interval over midnight split at it; None when it has errors."""
        days: list[list[tuple[int, int, bool]]] = [[] for _day in range(7)]  # start, end, from the day before
        valid = True
        for day in range(7):
            for number in range(schedules.MAX_INTERVALS_A_DAY):
                names = (f"day{day}-{number}-start", f"day{day}-{number}-end")
                if any(name in self.errors for name in names):
                    valid = False
                    continue
                typed = [self.cleaned_data.get(name, "") for name in names]
                if not any(typed):
                    continue
                if not all(typed):
                    self.add_error(names[typed.index("")], _("Give both the start and the end."))
                    valid = False
                    continue
                start, end = (self._time(name) for name in names)
                if start is None or end is None:
                    valid = False
                elif start == end:
                    self.add_error(names[1], _("An interval cannot end when it starts."))
                    valid = False
                elif start < end:
                    days[day].append((start, end, False))
                else:  # over midnight
                    days[day].append((start, schedules.MINUTES_A_DAY, False))
                    if end:
                        days[(day + 1) % 7].append((0, end, True))
        if not valid:
            return None
        if not any(days):
            self.add_error(None, self.empty_week_error)
            return None
        week = []
        for day, intervals in enumerate(days):
            merged: list[tuple[int, int, bool]] = []
            for start, end, carried in sorted(intervals):
                if merged and start < merged[-1][1]:
                    if carried or merged[-1][2]:
                        text = _("%(day)s's hours overlap the night that runs on from the day before.")
                    else:
                        text = _("%(day)s's hours overlap.")
                    self._add_day_error(day, text % {"day": WEEKDAYS[day]})
                    return None
                if merged and start == merged[-1][1]:  # one runs on into the next
                    merged[-1] = (merged[-1][0], end, merged[-1][2] or carried)
                else:
                    merged.append((start, end, carried))
            if len(merged) > schedules.MAX_INTERVALS_A_DAY:
                text = _("%(day)s has more than %(count)s intervals, with the night from the day before.")
                self._add_day_error(
                    day, text % {"day": WEEKDAYS[day], "count": schedules.MAX_INTERVALS_A_DAY}
                )
                return None
            week.append(tuple((start, end) for start, end, _carried in merged))
        return tuple(week)

    def _add_day_error(self, day: int, text: str) -> None:
        self.add_error(f"day{day}-0-start", text)

    def _clean_days_off(self) -> frozenset[datetime.date] | None:
        text = self.cleaned_data.get("days_off", "")
        days: set[datetime.date] = set()
        for part in filter(None, (part.strip() for part in _DATES_APART.split(text))):
            ends = _RANGE.split(part)
            try:
                first, last = (
                    (self._date(end) for end in (ends[0], ends[-1])) if len(ends) <= 2 else (None, None)
                )
            except forms.ValidationError as error:
                self.add_error("days_off", error)
                return None
            if first is None or last is None:
                self.add_error(
                    "days_off", _("“%(text)s” is not a date or a range of dates.") % {"text": part}
                )
                return None
            if not first <= last <= first + MAX_RANGE:
                self.add_error(
                    "days_off", _("“%(text)s”: a range goes forward, at most a year.") % {"text": part}
                )
                return None
            days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        if len(days) > MAX_DAYS_OFF:
            self.add_error("days_off", _("At most %(count)s days off.") % {"count": MAX_DAYS_OFF})
            return None
        return frozenset(days)

    def _date(self, text: str) -> datetime.date:
        try:
            day = forms.DateField().to_python(text)
        except forms.ValidationError:
            day = None
        if day is None or not FIRST_DAY <= day <= LAST_DAY:
            example = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
            raise forms.ValidationError(
                _("“%(text)s” is not a date: write dates like %(example)s.")
                % {"text": text, "example": example}
            )
        return day


class HoursForm(ScheduleForm):
    """A bot's working hours."""

    empty_week_error = gettext_lazy("Give at least one interval, or press “Always open”.")


class ShiftsForm(ScheduleForm):
    """An operator's shifts."""

    empty_week_error = gettext_lazy("Give at least one shift, or press “No shifts”.")


def _dates_text(days: frozenset[datetime.date]) -> str:
    """Days off as a manager types them: runs of days as ranges, in the language's date format."""
    runs: list[list[datetime.date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])

    def written(day: datetime.date) -> str:
        return formats.date_format(day, "SHORT_DATE_FORMAT")

    return ", ".join(
        written(run[0]) if len(run) == 1 else f"{written(run[0])} \u2013 {written(run[-1])}" for run in runs
    )


# A login's time zone -----------------------------------------------------------------------------

# Offered first: Russia's zones, west to east.
RUSSIAN_ZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]


class TimeZoneForm(forms.Form):
    """The time zone a login's pages and files show times in: the site's, or one of the list."""

    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a time zone from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()

        def label(name: str) -> tuple[str, str]:
            return name, zone_label(name, now)

        regions: dict[str, list[tuple[str, str]]] = {}
        for name in time_zones():
            if name != "UTC":
                regions.setdefault(name.partition("/")[0], []).append(label(name))
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", _("The site's: %(zone)s") % {"zone": zone_label(settings.TIME_ZONE, now)}),
            label("UTC"),
            (_("Russia"), [label(name) for name in RUSSIAN_ZONES]),
            *regions.items(),
        ]


def offer_unarchived(field: forms.ModelChoiceField, chosen: object) -> None:
    """Offer the field's bots or operators in use, and the chosen one (a link from an archived
    one's history); the field still accepts any."""
    rows = field.queryset.filter(archived_at=None)  # type: ignore[union-attr]
    if isinstance(chosen, str) and re.fullmatch(r"[0-9]{1,18}", chosen):
        rows = field.queryset.filter(Q(archived_at=None) | Q(pk=int(chosen)))  # type: ignore[union-attr]
    # A callable: read only when the select is drawn.
    field.choices = lambda: [("", field.empty_label), *((row.pk, str(row)) for row in rows)]


class OperatorRenameForm(OperatorNameMixin, forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["name"]


class BotRenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)


class LeadRenameForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave it empty to show the lead by its identifiers."),
    )


class IdentifierForm(forms.Form):
    """An identifier a manager gives a lead, normalised as the intake normalises it."""

    field = forms.ChoiceField(label=gettext_lazy("Identifier"), choices=IdentifierSource.Field.choices)
    value = forms.CharField(label=gettext_lazy("Value"), max_length=254, strip=False)

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds the lead lacks: it holds one of each.
        lacking = [
            (field, label) for field, label in IdentifierSource.Field.choices if not getattr(lead, field)
        ]
        self.fields["field"].choices = lacking  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        if "field" in cleaned and "value" in cleaned:
            try:
                cleaned["value"] = NORMALIZERS[cleaned["field"]](cleaned["value"])
            except InvalidIdentifier as error:
                self.add_error("value", str(error))
        return cleaned


class SignInForm(AuthenticationForm):
    """Django's login form whose fields, when it refuses, point at its error (id login-error)."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            for field in ("username", "password"):
                attrs = self.fields[field].widget.attrs
                attrs.update({"aria-invalid": "true", "aria-describedby": "login-error"})
            raise
