"""The intake's per-bot rate limit: at most INTAKE_RATE_LIMIT accepted requests in any
INTAKE_RATE_WINDOW seconds (0 turns it off), counted in the database so that every process and
server shares the count.

The window slides. A fixed window let a bot spend its whole allowance at the end of one window
and again at the start of the next, twice the limit within a second. Here each bot's accepted
requests are counted in slots, SLOTS to a window, and a request is accepted only while the slots
that overlap the last window hold fewer than the limit. Every interval one window long therefore
holds at most the limit. The price of counting by slots is that the oldest one counts whole: a
bot sending evenly at exactly the limit's pace may be refused up to one slot early, so it gets at
least SLOTS / (SLOTS + 1) of the limit. Refused requests are not counted, so a bot that waits the
Retry-After it was given is accepted.
"""

import hmac
import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .exceptions import TokenRotated
from .models import Bot, IntakeWindow

SLOTS = 60
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def retry_after(bot: Bot, *, token_hash: str | None = None) -> int | None:
    """Count this request if the bot is within its limit and return None; else return the seconds
    after which a request will be accepted, if the bot sends none meanwhile. With `token_hash`, the
    request's token is checked on the bot's row before anything is counted: TokenRotated, nothing
    written, when the token is no longer the bot's or the bot is gone."""
    limit, window = settings.INTAKE_RATE_LIMIT, timedelta(seconds=settings.INTAKE_RATE_WINDOW)
    if not limit:
        return None
    slot = window / SLOTS
    now = timezone.now()
    current = EPOCH + (now - EPOCH) // slot * slot
    # The slot [start, start + slot) overlaps the window (now - window, now] when this holds.
    overlapping = now - window - slot
    with transaction.atomic():
        # The bot's lock, the one routing takes first: the bot's requests are counted one at a
        # time, or two processes could both see room for one more and both take it. The token is
        # checked in the same query: a bot deleted meanwhile would otherwise get a window that
        # fails its foreign key at commit, and a rotated token would spend the bot's allowance.
        stored = list(Bot.objects.select_for_update().filter(pk=bot.pk).values_list("token_hash", flat=True))
        if token_hash is not None and not (stored and hmac.compare_digest(stored[0], token_hash)):
            raise TokenRotated
        slots = IntakeWindow.objects.filter(bot=bot, started_at__gt=overlapping)
        counts = dict(slots.values_list("started_at", "requests"))
        if sum(counts.values()) >= limit:
            return _seconds_until_room(counts, limit=limit, slot=slot, window=window, now=now)
        if current in counts:
            IntakeWindow.objects.filter(bot=bot, started_at=current).update(requests=F("requests") + 1)
        else:
            IntakeWindow.objects.create(bot=bot, started_at=current, requests=1)
            IntakeWindow.objects.filter(bot=bot, started_at__lte=overlapping).delete()
    return None


def _seconds_until_room(
    counts: dict[datetime, int], *, limit: int, slot: timedelta, window: timedelta, now: datetime
) -> int:
    """When enough of the oldest slots have left the window for one more request to fit."""
    remaining = sum(counts.values())
    for start in sorted(counts):
        remaining -= counts[start]
        if remaining < limit:
            break
    return max(1, math.ceil((start + slot + window - now).total_seconds()))
