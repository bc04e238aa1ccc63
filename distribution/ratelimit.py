"""The intake's per-bot rate limit, counted in the database so that every process shares it.

The window slides, in SLOTS slots: docs/api.md#the-rate-limit says why, and what it costs a bot.
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
    """Count this request and return None within the limit, else the seconds until one fits.

    With `token_hash`, first raise TokenRotated, writing nothing, unless it is still the bot's."""
    limit, window = settings.INTAKE_RATE_LIMIT, timedelta(seconds=settings.INTAKE_RATE_WINDOW)
    if not limit:
        return None
    slot = window / SLOTS
    now = timezone.now()
    current = EPOCH + (now - EPOCH) // slot * slot
    # The slot [start, start + slot) overlaps the window (now - window, now] when this holds.
    overlapping = now - window - slot
    with transaction.atomic():
        # The bot's row lock (docs/locking.md): two processes must not both take the last room.
        # The token is checked under it, so a rotated token spends nothing, and a deleted bot gets
        # no window to fail its foreign key at commit.
        stored = list(
            Bot.objects.select_for_update().filter(pk=bot.pk).values_list("token_hash", "archived_at")
        )
        if token_hash is not None and not (stored and hmac.compare_digest(stored[0][0], token_hash)):
            raise TokenRotated
        if stored:  # read here anyway: the intake's refusal of an archived bot needs no query of its own
            bot.archived_at = stored[0][1]
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
    """Return the seconds until enough of the oldest slots leave the window for one more request."""
    remaining = sum(counts.values())
    for start in sorted(counts):
        remaining -= counts[start]
        if remaining < limit:
            break
    return max(1, math.ceil((start + slot + window - now).total_seconds()))
