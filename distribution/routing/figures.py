"""The report's daily figures: how many of a bot's contacts were assigned to each operator, and how
many were closed for each reason, per day."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import Bot, ContactEvent, DailyAssignments, DailyCloses, figures_day


def day_of(moment: datetime) -> date:
    """Return the day a figure counts on: the assignment's or close's date in TIME_ZONE."""
    return figures_day(moment)


def rebuild_daily_counts() -> int:
    """Recount the figures from the contacts' history; return the number of rows.

    For writes that went around the routing package (bulk loads) or a changed TIME_ZONE.
    """
    with transaction.atomic():
        # Every bot's lock, in id order as everyone takes them: no assignment runs meanwhile.
        list(Bot.objects.select_for_update().order_by("pk").values_list("pk"))
        DailyAssignments.objects.all().delete()
        # Every assignment, to whom it was made: a contact handed back or transferred since
        # counts for each of its operators.
        rows = (
            ContactEvent.objects.filter(kind=ContactEvent.Kind.ASSIGNED)
            .exclude(operator=None)
            .annotate(day=TruncDate("at", tzinfo=timezone.get_default_timezone()))
            .values("contact__bot_id", "operator_id", "day")
            .annotate(n=Count("pk"))
            .order_by()
        )
        figures = (
            DailyAssignments(
                bot_id=row["contact__bot_id"],
                operator_id=row["operator_id"],
                day=row["day"],
                contacts=row["n"],
            )
            for row in rows
        )
        counted = len(DailyAssignments.objects.bulk_create(figures, batch_size=5000))
        DailyCloses.objects.all().delete()
        closes = (
            ContactEvent.objects.filter(kind=ContactEvent.Kind.CLOSED)
            .annotate(day=TruncDate("at", tzinfo=timezone.get_default_timezone()))
            .values("contact__bot_id", "day", "reason")
            .annotate(n=Count("pk"))
            .order_by()
        )
        per_reason = (
            DailyCloses(
                bot_id=row["contact__bot_id"], day=row["day"], reason=row["reason"], contacts=row["n"]
            )
            for row in closes
        )
        return counted + len(DailyCloses.objects.bulk_create(per_reason, batch_size=5000))
