"""The bots pages: list, add with a token shown once, rotate, operators and weights."""

from distribution.models import Bot, BotOperator
from distribution.tokens import find_bot

from .conftest import htmx


def token_in(html: str) -> str:
    return html.split('id="token-value" class="token-value" type="text" readonly value="')[1].split('"')[0]


def test_it_lists_bots_with_todays_contacts_and_waiting(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[], name="Telegram Sales")
    send(bot)
    send(bot)

    html = manager_client.get("/bots/").content.decode()

    assert "Telegram Sales" in html
    assert f'href="/contacts/?status=waiting&amp;bot={bot.pk}" class="warn">2<' in html


def test_it_adds_a_bot_and_shows_its_token_once(manager_client):
    response = manager_client.post("/bots/", {"name": "WhatsApp Support"})

    assert response.status_code == 200
    token = token_in(response.content.decode())
    bot = Bot.objects.get()
    assert bot.slug == "whatsapp-support"
    assert find_bot(token) == bot
    assert token not in manager_client.get("/bots/").content.decode()
    assert token not in manager_client.get(f"/bots/{bot.pk}/").content.decode()


def test_it_adds_a_bot_with_htmx(manager_client):
    response = manager_client.post("/bots/", {"name": "WhatsApp Support"}, **htmx("bots-content"))

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="bots-content">')
    assert find_bot(token_in(html)) == Bot.objects.get()
    assert 'data-copy="#token-value"' in html


def test_it_refuses_a_taken_slug(manager_client, bot_with_operators):
    bot_with_operators(weights=[], name="WhatsApp Support")

    response = manager_client.post("/bots/", {"name": "WhatsApp support"})

    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert Bot.objects.count() == 1


def test_it_rotates_a_token(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[])
    old_hash = bot.token_hash

    response = manager_client.post(f"/bots/{bot.pk}/rotate-token", **htmx("token"))

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="token"')
    bot.refresh_from_db()
    assert bot.token_hash != old_hash
    assert find_bot(token_in(html)) == bot


def test_a_plain_rotate_shows_the_page_with_the_new_token(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[])

    response = manager_client.post(f"/bots/{bot.pk}/rotate-token")

    assert response.status_code == 200
    assert find_bot(token_in(response.content.decode())) == bot


def test_a_bot_page_shows_each_operators_share(manager_client, bot_with_operators):
    bot, (light, heavy) = bot_with_operators(weights=[10, 30])

    html = manager_client.get(f"/bots/{bot.pk}/").content.decode()

    assert "data-shares" in html
    assert f'for="weight-{light.pk}">25.0 %</output>' in html
    assert f'for="weight-{heavy.pk}">75.0 %</output>' in html


def test_it_adds_an_operator_to_a_bot(manager_client, bot_with_operators, make_operator, send):
    bot, _ = bot_with_operators(weights=[])
    waiting = send(bot)
    operator = make_operator(name="Olga")

    response = manager_client.post(
        f"/bots/{bot.pk}/operators", {"operator": operator.pk, "weight": "20"}, **htmx()
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="links"')
    assert "Olga now takes contacts from" in html
    assert "1 waiting contact assigned from the queue." in html
    assert BotOperator.objects.get(bot=bot, operator=operator).weight == 20
    waiting.refresh_from_db()
    assert waiting.operator == operator


def test_it_refuses_an_operator_already_linked(manager_client, bot_with_operators):
    bot, (operator,) = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/operators", {"operator": operator.pk, "weight": "20"}, **htmx()
    )

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert BotOperator.objects.get().weight == 10


def test_it_changes_a_weight(manager_client, bot_with_operators):
    bot, (light, _heavy) = bot_with_operators(weights=[10, 30])

    response = manager_client.post(f"/bots/{bot.pk}/operators/{light.pk}/weight", {"weight": "30"}, **htmx())

    assert f'for="weight-{light.pk}">50.0 %</output>' in response.content.decode()
    assert BotOperator.objects.get(operator=light).weight == 30


def test_it_shows_a_weight_error_in_place(manager_client, bot_with_operators):
    bot, (light, _heavy) = bot_with_operators(weights=[10, 30])

    response = manager_client.post(
        f"/bots/{bot.pk}/operators/{light.pk}/weight", {"weight": "5000"}, **htmx()
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "less than or equal to 1000" in html
    assert 'value="5000" data-weight aria-invalid="true"' in html  # what was typed, marked
    assert BotOperator.objects.get(operator=light).weight == 10


def test_it_removes_an_operator_from_a_bot(manager_client, bot_with_operators):
    bot, (light, heavy) = bot_with_operators(weights=[10, 30])

    response = manager_client.post(f"/bots/{bot.pk}/operators/{light.pk}/remove")

    assert response.status_code == 302
    assert response.url == f"/bots/{bot.pk}/"
    assert list(BotOperator.objects.values_list("operator", flat=True)) == [heavy.pk]


def test_an_unknown_link_is_404(manager_client, bot_with_operators, make_operator):
    bot, _ = bot_with_operators(weights=[])
    stranger = make_operator()

    assert (
        manager_client.post(f"/bots/{bot.pk}/operators/{stranger.pk}/weight", {"weight": "5"}).status_code
        == 404
    )


def test_shares_are_among_the_operators_switched_on(manager_client, bot_with_operators):
    from distribution import routing

    bot, (light, heavy, away) = bot_with_operators(weights=[10, 30, 60])
    routing.set_operator_active(operator=away, is_active=False)

    html = manager_client.get(f"/bots/{bot.pk}/").content.decode()

    assert f'for="weight-{light.pk}">25.0 %</output>' in html
    assert f'for="weight-{heavy.pk}">75.0 %</output>' in html
    assert f'<output data-share for="weight-{away.pk}"' not in html


def test_a_bot_nobody_can_serve_is_flagged(manager_client, bot_with_operators):
    from distribution import routing

    bot, (operator,) = bot_with_operators(weights=[10], name="Orphan")
    routing.set_operator_active(operator=operator, is_active=False)

    assert "nobody on</span> 0 on / 1" in manager_client.get("/bots/").content.decode()
    assert (
        "Every operator of this bot is switched off"
        in manager_client.get(f"/bots/{bot.pk}/").content.decode()
    )
