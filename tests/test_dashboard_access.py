"""Every dashboard URL needs a login (which permissions: tests/test_roles.py), and actions are
POST only."""

import pytest
from django.urls import URLResolver, get_resolver, reverse

from distribution import logins
from distribution.models import Bot, Contact, Operator, Webhook

from .conftest import htmx

# The bots' API has its token instead (test_bot_api.py, test_intake.py).
PUBLIC = {
    "api-contacts",
    "api-contact",
    "api-contact-close",
    "api-contact-close-by-external-id",
    "api-contact-accept",
    "api-contact-accept-by-external-id",
    "api-schedule",
    "healthz",
    # Prometheus' own token instead (test_metrics_access.py).
    "metrics",
    # The API's description holds no data: anyone may read it (test_openapi.py).
    "api-openapi",
    "api-docs",
    "login",
    "logout",
    # The icon, for pages that name none.
    "favicon",
    # Choosing the language needs no login: the login page has the switch too.
    "set_language",
}
# The operators' workspace and the landing after login have their own guard (test_workspace.py).
WORKSPACE = {
    "home",
    "workspace",
    "workspace-available",
    "workspace-away",
    "workspace-contact",
    "workspace-close",
    "workspace-take",
}
# A login's own settings need a login and no permission (test_time_zone_page.py).
OWN_SETTINGS = {"time-zone"}


def _routes(patterns):
    """The routes of `patterns` and of the URLconfs they include, admin's aside."""
    for pattern in patterns:
        if not isinstance(pattern, URLResolver):
            yield pattern
        elif pattern.namespace is None:
            yield from _routes(pattern.url_patterns)


def dashboard_urls(scene: dict) -> list[tuple[str, str]]:
    """(name, url) of every named dashboard route, with the ids of real rows filled in."""
    urls = []
    for pattern in _routes(get_resolver().url_patterns):
        if pattern.name in PUBLIC | WORKSPACE | OWN_SETTINGS:
            continue
        kind = pattern.name.split("-")[0]
        ids = {
            "pk": scene[kind].pk if kind in scene else scene["bot"].pk,
            "operator_pk": scene["operator"].pk,
            "delivery_pk": scene["delivery"].pk,
        }
        kwargs = {key: ids[key] for key in pattern.pattern.converters}
        urls.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))
    assert len(urls) == 47, urls  # the walk found the whole dashboard
    return urls


def rows_of_every_kind(bot_with_operators, make_delivery, send) -> dict:
    """A row of every kind dashboard_urls fills in: a bot, its operator, a contact, its lead and a
    webhook delivery of it."""
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)
    return {
        "bot": bot,
        "link": bot,
        "operator": operator,
        "lead": contact.lead,
        "contact": contact,
        "delivery": make_delivery(contact),
    }


@pytest.fixture
def scene(bot_with_operators, make_delivery, send):
    scene = rows_of_every_kind(bot_with_operators, make_delivery, send)
    logins.create_login(operator=scene["operator"], username="operator")
    return scene


def test_anonymous_users_are_sent_to_log_in(client, scene):
    for _name, url in dashboard_urls(scene):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login") + "?next="), url


def test_anonymous_htmx_requests_are_redirected_by_htmx(client, scene):
    for _name, url in dashboard_urls(scene):
        response = client.get(url, **htmx())
        assert response.status_code == 200, url
        assert response["HX-Redirect"].startswith(reverse("login")), url


PAGES = {"overview", "operators", "operator", "bots", "bot", "leads", "lead", "contacts", "contact", "report"}
# The files the lists download: read like pages.
PAGES |= {"contacts-export", "report-export"}
CONFIRMED = {
    "operator-hand-over",
    "operator-archive",
    "bot-archive",
    "bot-rotate",
    "bot-webhook-rotate",
    "bot-webhook-remove",
    "link-remove",
    "operator-login-reset",
    "operator-login-detach",
    "contact-close",
    "contact-reopen",
}


def test_actions_refuse_get(manager_client, scene):
    actions = [url for name, url in dashboard_urls(scene) if name not in PAGES | CONFIRMED]
    assert len(actions) == 24
    for url in actions:
        assert manager_client.get(url).status_code == 405, url


def test_destructive_actions_ask_first_without_javascript(manager_client, scene):
    for name, url in dashboard_urls(scene):
        if name in CONFIRMED:
            response = manager_client.get(url)
            assert response.status_code == 200, url
            assert f'<form method="post" action="{url}">' in response.content.decode(), url
    assert Operator.objects.get().is_active
    assert Operator.objects.get().user.is_active
    assert Bot.objects.get().token_hash == scene["bot"].token_hash
    assert scene["bot"].links.count() == 1
    assert Webhook.objects.get().secret == scene["delivery"].webhook.secret
    assert Contact.objects.get(pk=scene["contact"].pk).status == Contact.Status.OPEN


def test_after_logging_in_an_action_leads_back_to_its_page(client, scene):
    operator = scene["operator"]

    plain = client.post(f"/operators/{operator.pk}/switch", HTTP_REFERER="http://testserver/operators/?x=1")
    htmx_request = client.post(
        f"/operators/{operator.pk}/switch", **htmx(), HTTP_HX_CURRENT_URL="http://testserver/operators/"
    )

    assert plain.url == "/login/?next=/operators/%3Fx%3D1"
    assert htmx_request["HX-Redirect"] == "/login/?next=/operators/"


def test_actions_require_csrf(client, manager, scene):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    for name, url in dashboard_urls(scene):
        response = strict.post(url)
        assert response.status_code == 403, (name, url)
    assert Operator.objects.get().is_active
    assert Contact.objects.get().status == "open"
    assert Bot.objects.count() == 1
