from django.core.management.base import BaseCommand

from distribution import response_times
from distribution.routing import rebuild_daily_counts


class Command(BaseCommand):
    help = (
        "Recount the report's daily figures from the contacts and their events: after a bulk load "
        "that went around the routing service, or after TIME_ZONE changed."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{rebuild_daily_counts()} daily figures recounted.")
        days = response_times.rebuild()
        self.stdout.write(f"Response times summed again: {days} day{'' if days == 1 else 's'}.")
