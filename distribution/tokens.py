"""Bot API tokens. A token is shown once, when it is issued; the database keeps its first
characters, to find the bot, and its SHA-256, to check it. Tokens are random and long, so a fast
hash is enough: nobody can guess one from its hash."""

import hashlib
import hmac
import re
import secrets

from django.db import transaction
from django.utils.text import slugify

from .models import Bot

PREFIX_LENGTH = 8
TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{PREFIX_LENGTH + 1},200}}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(bot: Bot) -> str:
    """Give `bot` a new token (not saved yet) and return it."""
    token = secrets.token_urlsafe(32)
    bot.token_prefix, bot.token_hash = token[:PREFIX_LENGTH], _hash(token)
    return token


def create_bot(*, name: str, slug: str = "") -> tuple[Bot, str]:
    """Create a bot and return it with its token, which is not stored and cannot be shown again."""
    bot = Bot(name=name, slug=slug or slugify(name, allow_unicode=True))
    token = issue_token(bot)
    bot.save()
    return bot, token


def rotate_token(*, bot: Bot) -> str:
    """Give the bot a new token; the old one stops working at once."""
    with transaction.atomic():
        token = issue_token(bot)
        bot.save(update_fields=["token_prefix", "token_hash"])
    return token


def find_bot(token: str) -> Bot | None:
    """The bot this token belongs to, or None. The hashes are compared in constant time."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = _hash(token)
    for bot in Bot.objects.filter(token_prefix=token[:PREFIX_LENGTH]):
        if hmac.compare_digest(bot.token_hash, digest):
            return bot
    return None
