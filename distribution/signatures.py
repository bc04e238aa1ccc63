"""Webhook signatures, much as Stripe's: `t=<unix seconds>,v2=<HMAC-SHA256 of "<t>.<event id>.<body>">`.

Signing the time and the event id keeps a captured request from being replayed late or under
another id (docs/webhooks.md#checking-the-signature)."""

import hashlib
import hmac
import re
import secrets
import time

# What an event id may be: our UUIDs, and nothing with the dot that separates the signed parts.
_EVENT_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


def new_secret() -> str:
    # The prefix tells what the string is, in a config file or a leak report.
    return "whsec_" + secrets.token_urlsafe(32)


def _digest(secret: str, body: bytes, event_id: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{event_id}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, event_id: str, timestamp: int) -> str:
    """Return the Minicrm-Signature header for this event's body sent at `timestamp`."""
    return f"t={timestamp},v2={_digest(secret, body, event_id, timestamp)}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    event_id: str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """Return whether `header` signs `body` and `event_id` with `secret` within `tolerance` of now.

    Any of several v2 values may match; anything malformed is not valid."""
    if not isinstance(header, str) or not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        return False
    timestamps, signatures = [], []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            timestamps.append(value)
        elif key == "v2":
            signatures.append(value)
    # A few ASCII digits: int() would take "+5", "5_0" or non-ASCII digits, and choke on thousands.
    if len(timestamps) != 1 or not re.fullmatch(r"[0-9]{1,12}", timestamps[0]) or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _digest(secret, body, event_id, timestamp).encode()
    # Every candidate is compared, so the timing tells nothing about which one came close.
    matches = [hmac.compare_digest(expected, value.encode("utf-8", "replace")) for value in signatures]
    return any(matches)
