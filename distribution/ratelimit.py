"""The intake's per-bot rate limit: a fixed window counted in the database, shared by every
process. INTAKE_RATE_LIMIT requests per INTAKE_RATE_WINDOW seconds; 0 turns it off."""

import math
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Bot, IntakeWindow


def retry_after(bot: Bot) -> int | None:
    """Count this request; None if it is within the limit, else the seconds until the next window."""
    limit, window = settings.INTAKE_RATE_LIMIT, settings.INTAKE_RATE_WINDOW
    if not limit:
        return None
    now = timezone.now().timestamp()
    start = datetime.fromtimestamp(now - now % window, tz=UTC)
    counted = IntakeWindow.objects.filter(bot=bot, started_at=start)
    if not counted.update(requests=F("requests") + 1):
        try:
            with transaction.atomic():
                IntakeWindow.objects.create(bot=bot, started_at=start, requests=1)
                # A new window: the bot's older ones have served their purpose. The one just
                # before stays, for a process whose clock is a little behind.
                old = datetime.fromtimestamp(start.timestamp() - window, tz=UTC)
                IntakeWindow.objects.filter(bot=bot, started_at__lt=old).delete()
        except IntegrityError:  # another process opened this window first
            counted.update(requests=F("requests") + 1)
    requests = counted.values_list("requests", flat=True).first()
    if requests is None or requests <= limit:
        return None
    return max(1, math.ceil(start.timestamp() + window - now))
