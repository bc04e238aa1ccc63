"""The dashboard's forms: they validate what a manager types; the routing service does the rest."""

import contextlib
from datetime import timedelta

from django import forms
from django.utils.text import slugify

from minicrm.durations import format_duration, parse_duration

from . import routing
from .models import MAX_CAPACITY, MAX_WEIGHT, Bot, Contact, Lead, Operator


class OperatorForm(forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["name", "max_open_contacts"]

    max_open_contacts = forms.IntegerField(
        label="Capacity (open contacts)", min_value=1, max_value=MAX_CAPACITY, initial=10
    )


class CapacityForm(forms.Form):
    max_open_contacts = forms.IntegerField(label="Capacity", min_value=1, max_value=MAX_CAPACITY)


class BotForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=100, required=False, allow_unicode=True, help_text="Defaults to the name."
    )

    def clean(self):
        cleaned = super().clean()
        slug = cleaned.get("slug") or slugify(cleaned.get("name", ""), allow_unicode=True)
        if not slug:
            self.add_error("name", "The name needs at least one letter or digit.")
        elif Bot.objects.filter(slug=slug).exists():
            self.add_error(
                "slug" if cleaned.get("slug") else "name", f"A bot with slug “{slug}” already exists."
            )
        cleaned["slug"] = slug
        return cleaned


class AutoCloseForm(forms.Form):
    auto_close_after = forms.CharField(
        label="Close idle contacts after",
        max_length=40,
        required=False,
        help_text="For example 90m, 24h or 2d. Empty: the default.",
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        if bot.auto_close_after is not None:
            kwargs.setdefault("initial", {"auto_close_after": format_duration(bot.auto_close_after)})
        super().__init__(*args, **kwargs)

    def clean_auto_close_after(self) -> timedelta | None:
        text = self.cleaned_data["auto_close_after"].strip()
        if not text:
            return None
        try:
            return parse_duration(text)
        except ValueError:
            raise forms.ValidationError(
                "Write a time like 90m, 24h or 2d (at most 365d), or leave it empty for the default."
            ) from None


class WeightForm(forms.Form):
    weight = forms.IntegerField(min_value=1, max_value=MAX_WEIGHT)


class LinkForm(forms.Form):
    operator = forms.ModelChoiceField(queryset=Operator.objects.none())
    weight = forms.IntegerField(min_value=1, max_value=MAX_WEIGHT, initial=10)

    def __init__(self, *args, bot: Bot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = Operator.objects.exclude(links__bot=bot)


class MergeForm(forms.Form):
    other = forms.CharField(
        max_length=254,
        label="The other lead",
        help_text="Its number (#id), external id, e-mail or phone.",
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead

    def clean_other(self) -> Lead:
        typed = self.cleaned_data["other"].strip()
        other = None
        if typed.lstrip("#").isdigit():
            other = Lead.objects.filter(pk=int(typed.lstrip("#"))).first()
        for field in ("external_id", "email", "phone"):
            if other is None:
                with contextlib.suppress(routing.InvalidPhone):  # not a phone number, then
                    other = routing.find_lead(routing.LeadIdentity.normalised(**{field: typed}))
        if other is None:
            raise forms.ValidationError("No lead has this number or identifier.")
        if other.pk == self.lead.pk:
            raise forms.ValidationError("A lead cannot be merged into itself.")
        return other


PERIODS = [("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("custom", "From … to")]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    default_period = "7d"

    def __init__(self, data=None, **kwargs):
        # The page opens on the default period, and the select says which one it is.
        if data is not None and not data.get("period"):
            data = data.copy()
            data["period"] = "custom" if data.get("start") or data.get("end") else self.default_period
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") or cleaned.get("end"):
            cleaned["period"] = "custom"  # typing a date means "from ... to"
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                self.add_error("start", "Give both dates of the period.")
            elif start > end:
                self.add_error("end", "The end date is before the start date.")
        return cleaned


class ContactFilterForm(PeriodForm):
    status = forms.ChoiceField(choices=[("", "Any status"), *Contact.Status.choices], required=False)
    bot = forms.ModelChoiceField(queryset=Bot.objects.all(), required=False, empty_label="Any bot")
    operator = forms.ModelChoiceField(
        queryset=Operator.objects.all(), required=False, empty_label="Any operator"
    )
    period = forms.ChoiceField(choices=[("all", "Any time"), *PERIODS], required=False)

    default_period = "all"
