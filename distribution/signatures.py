"""Signing webhook requests: `Minicrm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`."""

import hashlib
import hmac
import secrets
import time


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    fields = dict(item.partition("=")[::2] for item in header.split(","))
    if not fields.get("t", "").isdigit() or abs((now or time.time()) - int(fields["t"])) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp=int(fields["t"])), header)
