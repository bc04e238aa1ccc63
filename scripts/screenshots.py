"""Take the dashboard's screenshots for docs/dashboard.md and the README, in each language, of the
demo in that language (docs/screenshots/<language>/). Run through scripts/screenshots, with page
names (overview, workspace…) to take only those."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium  # noqa: E402

SCREENSHOTS = ROOT / "docs" / "screenshots"
# The language is the one LocaleMiddleware reads first: the cookie the header's switch sets.
LANGUAGES = ["ru", "en"]
PASSWORD = "screenshots-only"
# (file name, page, element to scroll to the top)
PAGES = [
    ("overview", "/", None),
    ("operators", "/operators/", None),
    ("bot", "/bots/1/", None),
    ("leads", "/leads/?q=ivan", None),
    ("lead", "/leads/1/", None),
    ("contacts", "/contacts/?status=waiting", None),
    ("contact", "/contacts/1/", None),
    ("report", "/report/?period=30d", "#report section:nth-of-type(2)"),
]
# Seen by the demo's first operator login, by language (Operators group, linked to its operator).
OPERATOR_LOGIN = {"ru": "alina", "en": "alice"}
OPERATOR_PAGES = [("workspace", "/me/", None)]
DESKTOP = {"width": 1280, "height": 900}
# Also taken at a phone's width, as "<name>-phone.png": page name -> element to scroll to the top.
PHONE = {"width": 390, "height": 844}
PHONE_PAGES = {"overview": None, "contacts": "#contact-results", "workspace": "#my-contacts table"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(language: str) -> Iterator[str]:
    """Serve the demo, its names in `language`, from a throw-away database; yield its address."""
    workdir = Path(tempfile.mkdtemp(prefix="minicrm-screenshots-"))
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run(
        [*manage, "demo", "--password", PASSWORD, "--language", language],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def main(only: list[str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium.executable(), args=chromium.ARGS)
        for language in LANGUAGES:
            folder = SCREENSHOTS / language
            folder.mkdir(parents=True, exist_ok=True)
            with served(language) as base:
                logins = (("manager", "/", PAGES), (OPERATOR_LOGIN[language], "/me/", OPERATOR_PAGES))
                for username, landing, pages in logins:
                    context = browser.new_context(viewport=DESKTOP, locale=language)
                    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
                    page = context.new_page()
                    page.goto(f"{base}/login/")
                    # By name, not by label: the labels are in the page's language.
                    page.locator("input[name=username]").fill(username)
                    page.locator("input[name=password]").fill(PASSWORD)
                    page.locator("input[name=password]").press("Enter")
                    page.wait_for_url(base + landing)
                    for name, path, anchor in pages:
                        if only and name not in only:
                            continue
                        page.goto(base + path)
                        shots = [(f"{name}.png", DESKTOP, anchor)]
                        if name in PHONE_PAGES:
                            shots.append((f"{name}-phone.png", PHONE, PHONE_PAGES[name]))
                        for file_name, viewport, top in shots:
                            page.set_viewport_size(viewport)
                            if top:
                                page.locator(top).evaluate("element => element.scrollIntoView()")
                            page.screenshot(path=folder / file_name, full_page=False)
                            print((folder / file_name).relative_to(ROOT))
                    context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
