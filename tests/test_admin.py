"""Django admin shows the raw data; changes that create capacity still go through the service."""

import pytest
from django.contrib.auth import get_user_model

from distribution import routing, webhooks
from distribution.identifiers import IDENTIFIERS
from distribution.models import Bot, BotOperator, Contact, IdentifierSource, Lead, Operator, Webhook
from distribution.tokens import find_bot


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", password="admin-password"))
    return client


@pytest.fixture
def queued(bot_with_operators, send):
    """A bot whose only operator (capacity 1) is switched off, with two contacts waiting."""
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    routing.set_operator_active(operator=operator, is_active=False)
    return bot, operator, [send(bot), send(bot)]


def operator_form(operator: Operator, links=(), **changes) -> dict:
    data = {
        "name": operator.name,
        "max_open_contacts": operator.max_open_contacts,
        "links-TOTAL_FORMS": len(links),
        "links-INITIAL_FORMS": len(links),
        **changes,
    }
    if operator.is_active and "is_active" not in changes:
        data["is_active"] = "on"
    for number, link in enumerate(links):
        data |= {
            f"links-{number}-id": link.pk,
            f"links-{number}-bot": link.bot_id,
            f"links-{number}-weight": link.weight,
            f"links-{number}-operator": operator.pk,
        }
    return data


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/distribution/operator/",
        "/admin/distribution/bot/",
        "/admin/distribution/lead/",
        "/admin/distribution/contact/",
        "/admin/distribution/contact/?status__exact=waiting",
    ],
)
def test_the_lists_open(admin_client, queued, url):
    assert admin_client.get(url).status_code == 200


def test_switching_an_operator_on_in_the_admin_drains_the_queue(
    admin_client, queued, django_capture_on_commit_callbacks
):
    _bot, operator, (first, second) = queued
    links = list(operator.links.all())

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/distribution/operator/{operator.pk}/change/",
            operator_form(operator, links, is_active="on"),
        )

    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.is_active
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("open", "waiting")


def test_raising_a_capacity_in_the_admin_drains_the_queue(
    admin_client, queued, django_capture_on_commit_callbacks
):
    _bot, operator, (_first, second) = queued
    routing.set_operator_active(operator=operator, is_active=True)  # first takes the one slot

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/admin/distribution/operator/{operator.pk}/change/",
            operator_form(operator, list(operator.links.all()), max_open_contacts=2, is_active="on"),
        )

    second.refresh_from_db()
    assert second.status == "open"
    operator.refresh_from_db()
    assert operator.max_open_contacts == 2


def test_a_weight_added_in_the_admin_drains_the_queue(
    admin_client, bot_with_operators, make_operator, send, django_capture_on_commit_callbacks
):
    bot, _ = bot_with_operators(weights=[])
    waiting = send(bot)
    operator = make_operator()
    data = {
        "name": bot.name,
        "slug": bot.slug,
        "links-TOTAL_FORMS": 1,
        "links-INITIAL_FORMS": 0,
        "links-0-operator": operator.pk,
        "links-0-weight": 15,
        "links-0-bot": bot.pk,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/distribution/bot/{bot.pk}/change/", data)

    assert response.status_code == 302
    assert BotOperator.objects.get(bot=bot).weight == 15
    waiting.refresh_from_db()
    assert waiting.operator == operator


def test_a_weight_out_of_range_is_refused_in_the_admin(admin_client, bot_with_operators):
    bot, (operator,) = bot_with_operators(weights=[10])
    link = BotOperator.objects.get()
    data = {
        "name": bot.name,
        "slug": bot.slug,
        "links-TOTAL_FORMS": 1,
        "links-INITIAL_FORMS": 1,
        "links-0-id": link.pk,
        "links-0-operator": operator.pk,
        "links-0-weight": 5000,
        "links-0-bot": bot.pk,
    }

    response = admin_client.post(f"/admin/distribution/bot/{bot.pk}/change/", data)

    assert response.status_code == 200
    assert "less than or equal to 1000" in response.content.decode()
    assert BotOperator.objects.get().weight == 10


def test_a_bot_made_in_the_admin_gets_a_token_shown_once(admin_client):
    data = {"name": "Viber Sales", "slug": "viber-sales", "links-TOTAL_FORMS": 0, "links-INITIAL_FORMS": 0}

    response = admin_client.post("/admin/distribution/bot/add/", data)

    bot = Bot.objects.get()
    token = response.content.decode().split(f'id="token-{bot.pk}"')[1].split('value="')[1].split('"')[0]
    assert "shown only this once" in response.content.decode()
    assert find_bot(token) == bot


def test_tokens_show_only_their_prefix(admin_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[])

    html = admin_client.get(f"/admin/distribution/bot/{bot.pk}/change/").content.decode()

    assert f"{bot.token_prefix}…" in html
    assert bot.token_hash not in html


def test_contacts_are_read_only(admin_client, queued):
    _bot, _operator, (contact, _) = queued

    assert admin_client.get("/admin/distribution/contact/add/").status_code == 403
    admin_client.post(f"/admin/distribution/contact/{contact.pk}/change/", {"status": "closed"})
    contact.refresh_from_db()
    assert contact.status == "waiting"
    assert admin_client.post(f"/admin/distribution/contact/{contact.pk}/delete/").status_code == 403


def test_closing_from_the_admin_goes_through_the_service(
    admin_client, queued, django_capture_on_commit_callbacks
):
    _bot, operator, (first, second) = queued
    routing.set_operator_active(operator=operator, is_active=True)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/distribution/contact/", {"action": "close", "_selected_action": [first.pk]})

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Contact.Status.CLOSED
    assert second.status == Contact.Status.OPEN


def test_the_hand_over_action_requeues(
    admin_client, bot_with_operators, send, django_capture_on_commit_callbacks
):
    bot, (leaving, staying) = bot_with_operators(weights=[10, 10])
    first = send(bot)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/distribution/operator/", {"action": "hand_over", "_selected_action": [leaving.pk]}
        )

    first.refresh_from_db()
    assert first.operator == staying
    leaving.refresh_from_db()
    assert not leaving.is_active


def lead_form(**fields) -> dict:
    # The read-only inline of identifier sources still sends its (empty) management form.
    inline = {"identifier_sources-TOTAL_FORMS": "0", "identifier_sources-INITIAL_FORMS": "0"}
    return {"name": "", "external_id": "", "email": "", "phone": ""} | inline | fields


def test_the_lead_form_stores_identifiers_in_their_normal_form(admin_client):
    response = admin_client.post(
        "/admin/distribution/lead/add/",
        lead_form(email="Mixed.Case@Example.COM", phone="8 916 555-44-33", external_id=" tg-1 "),
    )

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.email, lead.phone, lead.external_id) == ("mixed.case@example.com", "+79165554433", "tg-1")


def test_a_lead_edited_in_the_admin_is_the_one_the_intake_finds(admin_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], verifies=IDENTIFIERS)
    lead = Lead.objects.create(name="Anna", external_id="tg-1")

    admin_client.post(
        f"/admin/distribution/lead/{lead.pk}/change/",
        lead_form(name="Anna", external_id="tg-1", email="Anna@ПРИМЕР.РФ", phone="+7 (916) 555-44-33"),
    )

    by_email = send(bot, lead=routing.LeadIdentity.normalised(email="anna@xn--e1afmkfd.xn--p1ai"))
    by_phone = send(bot, lead=routing.LeadIdentity.normalised(phone="+79165554433"))
    assert by_email.lead_id == by_phone.lead_id == lead.pk
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"phone": "+7 999 ABC 45 67"}, "Must not contain letters"),
        ({"phone": "+7 999 123-45-67 доб. 123"}, "Extensions are not accepted"),
        ({"email": "a@exa\u200bmple.com"}, "invisible formatting characters"),
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
        ({"external_id": "tg-1\u200b"}, "control or invisible formatting characters"),
    ],
)
def test_the_lead_form_refuses_invalid_identifiers(admin_client, fields, error):
    lead = Lead.objects.create(name="Anna", external_id="tg-1")

    response = admin_client.post(
        f"/admin/distribution/lead/{lead.pk}/change/", lead_form(name="Anna", external_id="tg-1") | fields
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    lead.refresh_from_db()
    assert (lead.external_id, lead.email, lead.phone) == ("tg-1", None, None)


def test_the_lead_form_refuses_an_identifier_another_lead_holds_once_normalised(admin_client):
    Lead.objects.create(email="anna@example.com")

    response = admin_client.post("/admin/distribution/lead/add/", lead_form(email="ANNA@Example.com"))

    assert response.status_code == 200
    assert "Lead with this E-mail already exists." in response.content.decode()
    assert Lead.objects.count() == 1


def test_identifiers_typed_in_the_admin_are_recorded_as_a_managers(admin_client, bot_and_token):
    bot, _ = bot_and_token
    contact = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(external_id="tg-1", phone="+79165554433")
    ).contact
    lead = contact.lead

    admin_client.post(
        f"/admin/distribution/lead/{lead.pk}/change/",
        lead_form(name="Anna", external_id="tg-1", email="anna@example.com"),
    )

    sources = {row.field: row for row in IdentifierSource.objects.filter(lead=lead)}
    assert set(sources) == {"external_id", "email"}  # the removed phone took its source along
    assert (sources["external_id"].bot_id, sources["external_id"].contact_id) == (bot.pk, contact.pk)
    assert sources["email"].bot_id is None
    assert sources["email"].value == "anna@example.com"


def test_an_identifier_retyped_in_another_spelling_keeps_its_source(admin_client, bot_and_token):
    bot, _ = bot_and_token
    lead = routing.register_contact(
        bot=bot, identity=routing.LeadIdentity(email="anna@example.com", phone="+79165554433")
    ).contact.lead

    admin_client.post(
        f"/admin/distribution/lead/{lead.pk}/change/",
        lead_form(name="Anna", email="Anna@Example.COM", phone="8 916 555-44-33"),
    )

    assert set(IdentifierSource.objects.filter(lead=lead).values_list("field", "bot_id")) == {
        ("email", bot.pk),
        ("phone", bot.pk),
    }


def test_an_operators_login_cannot_be_linked_in_the_admin(admin_client, make_operator):
    operator = make_operator(name="Anna")
    root = get_user_model().objects.get(username="admin")

    admin_client.post(
        f"/admin/distribution/operator/{operator.pk}/change/",
        {
            "name": "Anna",
            "is_active": "on",
            "max_open_contacts": "10",
            "user": str(root.pk),
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )

    operator.refresh_from_db()
    assert operator.name == "Anna"
    assert operator.user is None


def test_webhooks_are_read_only_and_never_show_their_secret(admin_client, queued, make_delivery):
    _bot, _operator, (contact, _) = queued
    webhook = make_delivery(contact).webhook

    pages = [
        admin_client.get("/admin/distribution/webhook/"),
        admin_client.get(f"/admin/distribution/webhook/{webhook.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert all(webhook.secret not in page.content.decode() for page in pages)
    assert webhook.url in pages[1].content.decode()
    assert admin_client.get("/admin/distribution/webhook/add/").status_code == 403
    admin_client.post(f"/admin/distribution/webhook/{webhook.pk}/change/", {"url": "https://evil.example/"})
    webhook.refresh_from_db()
    assert webhook.url == "https://hooks.example.com/minicrm"


@pytest.mark.parametrize("how", ["page", "action"])
def test_deleting_a_webhook_in_the_admin_goes_through_the_service(admin_client, queued, monkeypatch, how):
    """remove_webhook waits for a change that is writing a delivery for it (webhooks.record_events).
    One with deliveries cannot be deleted here: they are read-only."""
    bot, _operator, _contacts = queued
    webhooks.save_webhook(bot=bot, url="https://hooks.example.com/minicrm", events=["contact.closed"])
    webhook = Webhook.objects.get()
    removed = []
    remove_webhook = webhooks.remove_webhook

    def noting_it(*, webhook):
        removed.append(webhook.pk)
        remove_webhook(webhook=webhook)

    monkeypatch.setattr(webhooks, "remove_webhook", noting_it)
    if how == "page":
        admin_client.post(f"/admin/distribution/webhook/{webhook.pk}/delete/", {"post": "yes"})
    else:
        admin_client.post(
            "/admin/distribution/webhook/",
            {"action": "delete_selected", "_selected_action": [webhook.pk], "post": "yes"},
        )

    assert removed == [webhook.pk]
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("query", ["", "?q=not-a-uuid", "?q=12", "?status__exact=failed", "?q=%00"])
def test_deliveries_are_listed_read_only(admin_client, queued, make_delivery, query):
    _bot, _operator, (contact, _) = queued
    delivery = make_delivery(contact, status="failed")

    assert admin_client.get(f"/admin/distribution/webhookdelivery/{query}").status_code == 200
    assert admin_client.get(f"/admin/distribution/webhookdelivery/{delivery.pk}/change/").status_code == 200
    assert admin_client.get("/admin/distribution/webhookdelivery/add/").status_code == 403
    admin_client.post(f"/admin/distribution/webhookdelivery/{delivery.pk}/change/", {"status": "pending"})
    assert admin_client.post(f"/admin/distribution/webhookdelivery/{delivery.pk}/delete/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "failed"
