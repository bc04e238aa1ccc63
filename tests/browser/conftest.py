"""Browser tests: Playwright drives Debian's Chromium against Django's live server."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from distribution.models import Operator

from . import chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make beside it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "browser-test-password"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = chromium.executable()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": chromium.ARGS,
    }


def log_in(page, live_server, username: str, *, then: str | None = None, lands_on: str | None = None) -> None:
    """Logs `username` (password PASSWORD) in with the login form, asking to go on to `then` if
    given, and waits until the browser is on `lands_on`: by default `then`, else the overview."""
    page.goto(f"{live_server.url}/login/" + (f"?next={then}" if then else ""))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}{lands_on or then or '/'}")


@pytest.fixture
def csp_violations(page):
    """Console errors the Content Security Policy raised while the test ran (must stay empty)."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


@pytest.fixture
def manager_page(page, live_server, transactional_db, roles, csp_violations):
    """A page logged in as a manager, on the overview."""
    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.add(roles["Managers"])
    page.set_default_timeout(10_000)
    log_in(page, live_server, "manager")
    yield page
    assert csp_violations == []


def operator_with_login(name: str, *, capacity: int) -> Operator:
    """An operator whose login (its name in lower case, PASSWORD) is in the Operators group."""
    user = get_user_model().objects.create_user(name.lower().replace(" ", "-"), password=PASSWORD)
    user.groups.add(Group.objects.get(name="Operators"))
    return Operator.objects.create(name=name, max_open_contacts=capacity, user=user)


@pytest.fixture
def workspace_of(browser, live_server, transactional_db, csp_violations):
    """workspace_of(operator, init_script=None) -> a page of a browser context of its own, on the
    operator's /me/; the context runs `init_script` in each page before the page's own."""
    contexts = []

    def open_workspace(operator: Operator, *, init_script: str | None = None):
        contexts.append(browser.new_context())
        if init_script:
            contexts[-1].add_init_script(init_script)
        page = contexts[-1].new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: csp_violations.append(m.text) if "Content Security" in m.text else None)
        log_in(page, live_server, operator.user.username, lands_on="/me/")
        page.evaluate("window.notReloaded = true")
        return page

    yield open_workspace
    for context in contexts:
        context.close()
    assert csp_violations == []
