"""How Debian's Chromium is launched here: for the browser tests and scripts/screenshots."""

import shutil

# Headless Chromium reaches for Google's services at start; this machine's network refuses them.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
