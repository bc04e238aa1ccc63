from django.core.management.base import BaseCommand

from distribution.routing import rebuild_daily_counts


class Command(BaseCommand):
    help = (
        "Recount the distribution report's daily figures from the contacts: after a bulk load that "
        "went around the routing service, or after TIME_ZONE changed."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{rebuild_daily_counts()} daily figures recounted.")
