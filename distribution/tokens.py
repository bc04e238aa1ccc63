"""Bot API tokens. A token is shown once, when it is issued; the database keeps its first
characters, to find the bot, and its SHA-256, to check it. Tokens are random and long, so a fast
hash is enough: nobody can guess one from its hash."""

import hashlib
import hmac
import re
import secrets

from django.db import connection, transaction
from django.utils.text import slugify

from .models import Bot

PREFIX_LENGTH = 8
# The intake's memory of tokens it has seen (see remembered_bot): SHA-256 -> bot id, per process.
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
    """The slug a bot named `name` gets by default: the name slugified. A name too long for the
    slug column is cut to fit, and numbered if the cut is another bot's slug already."""
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
    """The bot this token belongs to, or None. The hashes are compared in constant time."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    for bot in Bot.objects.filter(token_prefix=token[:PREFIX_LENGTH]):
        if hmac.compare_digest(bot.token_hash, digest):
            return bot
    return None


def remembered_bot(token: str) -> Bot | None:
    """For the intake: the bot this token belongs to, without a query when this process has seen
    the token before. The bot's id is remembered, not trusted: the intake checks token_hash(token)
    against the bot's row where it reads that row anyway (the rate limit's lock of it, before the
    request is counted, and routing.register_contact's token_hash), so a token rotated by any
    process stops working at once everywhere. The bot comes back with
    its id only; its other fields load when read."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_hash(token)
    pk = _remembered.get(digest)
    if pk is not None:
        return Bot.from_db(connection.alias, ["id"], [pk])
    bot = find_bot(token)
    if bot is not None:
        # Only tokens that were valid are kept, so the memory stays as small as the bots' tokens.
        if len(_remembered) >= REMEMBERED_LIMIT:
            _remembered.clear()
        _remembered[digest] = bot.pk
    return bot


def forget_token(token: str) -> None:
    """The intake found this token no longer its bot's: look it up again next time."""
    _remembered.pop(token_hash(token), None)
