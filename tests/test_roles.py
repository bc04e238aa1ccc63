"""Roles are Django's groups and permissions: every dashboard URL, walked once per role, lets in
exactly the logins whose permissions its action needs."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from distribution import permissions
from distribution.models import Bot, Contact, Operator

from .conftest import htmx
from .test_dashboard_access import CONFIRMED, PAGES, dashboard_urls, rows_of_every_kind

# The permission each URL needs: (to open it, to POST to it).
NEEDS = {
    "overview": ("view_contact", "view_contact"),
    "operators": ("view_operator", "add_operator"),
    "operator": ("view_operator", "view_operator"),
    "operator-switch": ("change_operator", "change_operator"),
    "operator-capacity": ("change_operator", "change_operator"),
    "operator-shifts": ("change_operator", "change_operator"),
    "operator-hand-over": ("hand_over", "hand_over"),
    "operator-rename": ("change_operator", "change_operator"),
    "operator-archive": ("change_operator", "change_operator"),
    "operator-unarchive": ("change_operator", "change_operator"),
    # Giving an operator a login, or taking it away, is a change of the operator.
    "operator-login-create": ("change_operator", "change_operator"),
    "operator-login-reset": ("change_operator", "change_operator"),
    "operator-login-detach": ("change_operator", "change_operator"),
    "bots": ("view_bot", "add_bot"),
    "bot": ("view_bot", "view_bot"),
    "bot-auto-close": ("change_bot", "change_bot"),
    "bot-answering": ("change_bot", "change_bot"),
    "bot-hours": ("change_bot", "change_bot"),
    "bot-vouches": ("change_bot", "change_bot"),
    "bot-rotate": ("rotate_token", "rotate_token"),
    "bot-rename": ("change_bot", "change_bot"),
    "bot-archive": ("change_bot", "change_bot"),
    "bot-unarchive": ("change_bot", "change_bot"),
    # A bot's webhook is part of the bot; its secret is rotated like the bot's token.
    "bot-webhook": ("change_bot", "change_bot"),
    "bot-webhook-switch": ("change_bot", "change_bot"),
    "bot-webhook-rotate": ("rotate_token", "rotate_token"),
    "bot-delivery-resend": ("change_bot", "change_bot"),
    "bot-webhook-remove": ("change_bot", "change_bot"),
    "link-add": ("add_botoperator", "add_botoperator"),
    "link-weight": ("change_botoperator", "change_botoperator"),
    "link-remove": ("delete_botoperator", "delete_botoperator"),
    "leads": ("view_lead", "view_lead"),
    "lead": ("view_lead", "view_lead"),
    "lead-merge": ("merge_leads", "merge_leads"),
    "lead-split": ("merge_leads", "merge_leads"),
    "lead-not-duplicate": ("merge_leads", "merge_leads"),
    "lead-rename": ("change_lead", "change_lead"),
    "lead-identifier-add": ("change_lead", "change_lead"),
    "lead-identifier-remove": ("change_lead", "change_lead"),
    "contacts": ("view_contact", "view_contact"),
    "contacts-export": ("view_contact", "view_contact"),
    "contact": ("view_contact", "view_contact"),
    "contact-close": ("close_any_contact", "close_any_contact"),
    # Transferring and reopening any operator's contact go with closing it.
    "contact-transfer": ("close_any_contact", "close_any_contact"),
    "contact-reopen": ("close_any_contact", "close_any_contact"),
    "report": ("view_report", "view_report"),
    "report-export": ("view_report", "view_report"),
}


@pytest.fixture
def scene(bot_with_operators, make_delivery, send, roles):
    return rows_of_every_kind(bot_with_operators, make_delivery, send)


def login(client, username: str, *, groups=(), perms=(), **fields):
    user = get_user_model().objects.create_user(username, **fields)
    user.groups.add(*Group.objects.filter(name__in=groups))
    user.user_permissions.add(*[permission_of(perm) for perm in perms])
    client.force_login(user)
    return user


def permission_of(perm: str) -> Permission:
    app_label, codename = perm.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_every_url_is_listed(scene):
    assert {name for name, _url in dashboard_urls(scene)} == set(NEEDS)


@pytest.mark.parametrize(
    "fields", [{}, {"is_staff": True}], ids=["no permissions", "staff without permissions"]
)
def test_a_login_without_permissions_is_refused_everywhere(client, scene, fields):
    login(client, "clerk", **fields)

    for _name, url in dashboard_urls(scene):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
        assert client.post(url, **htmx()).status_code == 403, url
    assert Operator.objects.get().is_active
    assert Contact.objects.get().status == Contact.Status.OPEN
    assert Bot.objects.get().token_hash == scene["bot"].token_hash


def test_an_operator_login_opens_no_manager_page_and_does_no_manager_action(client, scene):
    login(client, "alice", groups=[permissions.OPERATORS])

    for _name, url in dashboard_urls(scene):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert Operator.objects.get().is_active
    assert Contact.objects.get().status == Contact.Status.OPEN


@pytest.mark.parametrize("role", ["Managers", "superuser"])
def test_a_manager_opens_every_page_and_may_do_every_action(client, scene, role):
    if role == "superuser":
        client.force_login(get_user_model().objects.create_superuser("root", password=None))
    else:
        login(client, "boss", groups=[permissions.MANAGERS])

    for name, url in dashboard_urls(scene):
        if name in PAGES | CONFIRMED:
            assert client.get(url).status_code == 200, url
    # Empty forms are refused as such (422), real actions done: the doors let them through.
    answers = {
        name: client.post(url, **htmx()).status_code
        for name, url in dashboard_urls(scene)
        if name not in PAGES or name in {"operators", "bots"}  # the lists' forms add one
    }
    assert len(answers) == 37
    assert {name: status for name, status in answers.items() if status not in (200, 422)} == {}
    assert not Operator.objects.get().is_active  # switched off, then handed over
    assert Contact.objects.get().status == Contact.Status.CLOSED


def test_each_url_asks_for_its_own_permission(client, scene):
    """A login with every manager permission but the one a URL needs is refused there, and
    with only that one let through."""
    everything = set(permissions.MANAGER_PERMISSIONS)
    for number, (name, url) in enumerate(dashboard_urls(scene)):
        for method, needed in zip(("get", "post"), NEEDS[name], strict=True):
            perm = f"distribution.{needed}"
            login(client, f"without-{number}-{method}", perms=everything - {perm})
            assert getattr(client, method)(url, **htmx()).status_code == 403, (name, method)
            login(client, f"with-{number}-{method}", perms=[perm])
            assert getattr(client, method)(url, **htmx()).status_code != 403, (name, method)


def test_the_403_page_says_which_permission_is_missing(client, scene):
    login(client, "viewer", perms=["distribution.view_bot"])

    response = client.get(f"/bots/{scene['bot'].pk}/rotate-token")

    assert response.status_code == 403
    page = response.content.decode()
    assert "You are logged in as viewer" in page
    assert "This needs the permission “Can rotate a bot&#x27;s token”" in page
    assert "ask your manager to give your login access to it" in page
    assert "Django admin" not in page
    assert 'action="/logout/"' in page


def test_htmx_gets_the_refusal_in_the_messages_area(client, scene):
    operator = scene["operator"]
    login(client, "viewer", perms=["distribution.view_operator"])

    response = client.post(f"/operators/{operator.pk}/switch", **htmx(f"operator-{operator.pk}"))

    assert response.status_code == 403
    assert response["HX-Retarget"] == "#messages"
    assert response["HX-Reswap"] == "innerHTML"
    body = response.content.decode()
    assert body.lstrip().startswith('<p class="message error">')
    assert "Not allowed. This needs the permission “Can change operator”" in body
    assert Operator.objects.get().is_active


def test_the_nav_shows_only_the_links_a_login_may_open(client, scene):
    login(client, "reader", perms=["distribution.view_lead"])

    nav = client.get("/leads/").content.decode().split('<nav aria-label="Main">')[1].split("</nav>")[0]

    assert 'href="/leads/"' in nav
    for hidden in ["/operators/", "/bots/", "/contacts/", "/report/", "/admin/"]:
        assert f'href="{hidden}"' not in nav, hidden


def test_a_manager_sees_every_link(manager_client, scene):
    nav = manager_client.get("/").content.decode().split('<nav aria-label="Main">')[1].split("</nav>")[0]

    for link in ["/", "/operators/", "/bots/", "/leads/", "/contacts/", "/report/", "/admin/"]:
        assert f'href="{link}"' in nav, link


def perms_of(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_the_migration_makes_both_groups_with_their_permissions(roles):
    assert perms_of(roles[permissions.MANAGERS]) == set(permissions.MANAGER_PERMISSIONS)
    assert perms_of(roles[permissions.OPERATORS]) == set(permissions.OPERATOR_PERMISSIONS)


def test_the_migration_can_run_again_and_be_reversed(roles):
    migration = importlib.import_module("distribution.migrations.0008_roles")
    managers = roles[permissions.MANAGERS]
    managers.permissions.add(permission_of("distribution.delete_lead"))  # given by an administrator

    migration.create_groups(apps, None)

    assert Group.objects.count() == 2
    assert perms_of(managers) == {*permissions.MANAGER_PERMISSIONS, "distribution.delete_lead"}
    migration.delete_groups(apps, None)
    assert not Group.objects.exists()


@pytest.mark.parametrize(
    ("url", "action", "perm"),
    [
        ("/admin/distribution/operator/", "hand_over", "hand_over"),
        ("/admin/distribution/bot/", "rotate_tokens", "rotate_token"),
        ("/admin/distribution/contact/", "close", "close_any_contact"),
    ],
)
def test_admin_actions_with_rules_need_their_permission(
    client, scene, url, action, perm, django_capture_on_commit_callbacks
):
    model_perms = ["view_operator", "change_operator", "view_bot", "change_bot", "view_contact"]
    user = login(client, "staff", is_staff=True, perms=[f"distribution.{p}" for p in model_perms])
    selected = {"operator": scene["operator"], "bot": scene["bot"], "contact": scene["contact"]}
    pk = selected[url.rstrip("/").rsplit("/", 1)[1]].pk

    def unchanged() -> bool:
        return (
            Operator.objects.get().is_active
            and Bot.objects.get().token_hash == scene["bot"].token_hash
            and Contact.objects.get().status == Contact.Status.OPEN
        )

    assert f'value="{action}"' not in client.get(url).content.decode()
    # The actions run their service after the admin's transaction commits: let those run too.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": action, "_selected_action": [pk]})
    assert unchanged()

    user.user_permissions.add(permission_of(f"distribution.{perm}"))
    assert f'value="{action}"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": action, "_selected_action": [pk]})
    assert not unchanged()
