"""Webhook secrets (signing itself: the "sender" part of issue 10)."""

import secrets


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)
