"""Bot API tokens, shown once when issued; the database keeps a prefix and a SHA-256.

A fast hash is enough: the tokens are long and random, so none can be guessed from its hash."""

import hashlib
import hmac
import re
import secrets

from django.db import connection, transaction
from django.utils.text import slugify

from .models import Bot

PREFIX_LENGTH = 8
# SHA-256 -> bot id of the valid tokens this process has seen (remembered_bot).
REMEMBERED_LIMIT = 1000
_remembered: dict[str, int] = {}
TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{PREFIX_LENGTH + 1},200}}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(bot: Bot) -> str:
    """Give `bot` a new token (not saved yet) and return it."""
    token = secrets.token_urlsafe(32)
    bot.token_prefix, bot.token_hash = token[:PREFIX_LENGTH], token_hash(token)
    return token


def slug_for(name: str) -> str:
    """Return the default slug of a bot named `name`, cut to fit and numbered if the cut is taken."""
    slug = slugify(name, allow_unicode=True)
    limit = Bot._meta.get_field("slug").max_length
    if limit is None or len(slug) <= limit:
        return slug
    cut, number = slug[:limit], 1
    while Bot.objects.filter(slug=cut).exists():
        number += 1
        cut = f"{slug[: limit - len(str(number)) - 1]}-{number}"
    return cut


def create_bot(*, name: str, slug: str = "") -> tuple[Bot, str]:
    """Create a bot and return it with its token, which is not stored and cannot be shown again."""
    bot = Bot(name=name, slug=slug or slug_for(name))
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
    """Return the bot this token belongs to, or None, comparing hashes in constant time."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    for bot in Bot.objects.filter(token_prefix=token[:PREFIX_LENGTH]):
        if hmac.compare_digest(bot.token_hash, digest):
            return bot
    return None


def remembered_bot(token: str) -> Bot | None:
    """Return the token's bot, with its id only, and without a query when this process knows it.

    The id is not trusted: the intake checks the token on the bot's row, which the rate limit and
    register_contact read anyway, so a rotated token stops at once in every process."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    pk = _remembered.get(digest)
    if pk is not None:
        return Bot.from_db(connection.alias, ["id"], [pk])
    bot = find_bot(token)
    if bot is not None:
        if len(_remembered) >= REMEMBERED_LIMIT:
            _remembered.clear()
        _remembered[digest] = bot.pk
    return bot


def forget_token(token: str) -> None:
    """Forget a token that the intake found no longer its bot's."""
    _remembered.pop(token_hash(token), None)
