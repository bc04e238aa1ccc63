"""Signing webhook requests, as Stripe signs its own: the header
`Minicrm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.

The timestamp is signed with the body, so a captured request cannot be replayed once it is older
than the receiver's tolerance. A header may carry several v1 values (while a secret is rotated,
say); it is valid when any of them matches."""

import hashlib
import hmac
import re
import secrets
import time


def new_secret() -> str:
    # The prefix tells what the string is, in a config file or a leak report.
    return "whsec_" + secrets.token_urlsafe(32)


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The value of the Minicrm-Signature header for this body sent at `timestamp`."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret` and its time is within `tolerance` seconds of
    now (either way: clocks drift). Anything malformed is simply not valid."""
    if not isinstance(header, str):
        return False
    timestamps, signatures = [], []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)
    # Only a few ASCII digits: int() would also take "+5", " 5", "5_0" and non-ASCII digits, and
    # refuse (or overflow the clock's float with) thousands of them.
    if len(timestamps) != 1 or not re.fullmatch(r"[0-9]{1,12}", timestamps[0]) or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _digest(secret, body, timestamp).encode()
    # Every candidate is compared, in constant time, so the timing tells nothing about which one
    # came close.
    matches = [hmac.compare_digest(expected, value.encode("utf-8", "replace")) for value in signatures]
    return any(matches)
