"""Signing webhook requests, much as Stripe signs its own: the header
`Minicrm-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256 of "<t>.<event id>.<body>" with the secret>`,
where the event id is the request's Minicrm-Event-Id (and the body's "id").

The timestamp and the event id are signed with the body, so a captured request can be replayed
neither once it is older than the receiver's tolerance nor, within it, under a new event id that
a receiver deduplicating by it would take for another event; v1, which signed "<t>.<body>" only,
is no longer sent. A header may carry several v2 values (while a secret is rotated, say); it is
valid when any of them matches."""

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
    """The value of the Minicrm-Signature header for this event's body sent at `timestamp`."""
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
    """Whether `header` signs `body` and `event_id` with `secret` and its time is within
    `tolerance` seconds of now (either way: clocks drift). Anything malformed is simply not valid."""
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
    # Only a few ASCII digits: int() would also take "+5", " 5", "5_0" and non-ASCII digits, and
    # refuse (or overflow the clock's float with) thousands of them.
    if len(timestamps) != 1 or not re.fullmatch(r"[0-9]{1,12}", timestamps[0]) or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _digest(secret, body, event_id, timestamp).encode()
    # Every candidate is compared, in constant time, so the timing tells nothing about which one
    # came close.
    matches = [hmac.compare_digest(expected, value.encode("utf-8", "replace")) for value in signatures]
    return any(matches)
