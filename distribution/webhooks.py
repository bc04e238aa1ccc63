"""The bots' webhooks: what the dashboard changes (the outbox and delivery: the "hooks" part of
issue 10)."""

from django.utils import timezone

from . import signatures
from .models import Bot, Webhook, WebhookDelivery


def save_webhook(*, bot: Bot, url: str, events: list[str]) -> str | None:
    """Set where and which events the bot's webhook sends; when the bot has none yet, make it with
    a new secret and return that secret (the one time it is handed out)."""
    webhook, created = Webhook.objects.update_or_create(
        bot=bot,
        defaults={"url": url, "events": events},
        create_defaults={"url": url, "events": events, "secret": signatures.new_secret()},
    )
    return webhook.secret if created else None


def rotate_secret(*, webhook: Webhook) -> str:
    """A new secret: requests are signed with it from now on; the old one no longer verifies."""
    webhook.secret = signatures.new_secret()
    webhook.save(update_fields=["secret"])
    return webhook.secret


def set_webhook_active(*, webhook: Webhook, is_active: bool) -> None:
    """Switch sending on or off; switching it on forgets why it had stopped by itself."""
    webhook.is_active = is_active
    if is_active:
        webhook.disabled_reason = ""
    webhook.save(update_fields=["is_active", "disabled_reason"])


def remove_webhook(*, webhook: Webhook) -> None:
    """Stop telling the bot anything: the webhook goes, with its deliveries, sent or not."""
    webhook.delete()


def resend(delivery: WebhookDelivery) -> None:
    """Make a delivery due now again, from a first attempt, with its event id unchanged so that a
    receiver which did get it can tell the repeat."""
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.claimed_until = None
    delivery.delivered_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until", "delivered_at"])
