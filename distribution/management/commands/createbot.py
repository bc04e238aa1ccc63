from django.core.management.base import BaseCommand, CommandError

from distribution.models import Bot
from distribution.tokens import create_bot, slug_for


class Command(BaseCommand):
    help = "Create a bot (a source of contacts) and print its API token, which is shown only once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug", default="", help="defaults to the name, slugified")

    def handle(self, *args, name, slug, **options):
        slug = slug or slug_for(name)
        if not slug:
            raise CommandError("The name needs at least one letter or digit.")
        if Bot.objects.filter(slug=slug).exists():
            raise CommandError(f"A bot with slug {slug!r} already exists.")
        bot, token = create_bot(name=name, slug=slug)
        self.stdout.write(f"Created bot {bot.name!r} (slug {bot.slug}, id {bot.pk}).")
        self.stdout.write("Its token, shown only this once:")
        self.stdout.write(token)
