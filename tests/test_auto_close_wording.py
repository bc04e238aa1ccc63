"""Auto-close is named for what it does: a time after the assignment, not after the last activity."""

import datetime

from distribution import routing

from .conftest import htmx

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def test_it_names_the_close_in_the_history(manager_client, bot_with_operators, send, clock, settings):
    settings.AUTO_CLOSE_AFTER = datetime.timedelta(hours=1)
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    clock.advance(datetime.timedelta(hours=2))
    routing.sweep_idle_contacts()

    english = manager_client.get(f"/contacts/{contact.pk}/").content.decode()
    russian = manager_client.get(f"/contacts/{contact.pk}/", **RU).content.decode()

    assert "automatically: open too long after assignment" in english
    assert "автоматически: открыт дольше срока после назначения" in russian
    assert "без активности" not in russian


def test_it_names_the_report_row(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    routing.close_contact(contact=send(bot), reason="auto")

    html = manager_client.get("/report/?period=today", **RU, **htmx("report")).content.decode()

    assert '<th scope="row">Автоматически: открыт дольше срока после назначения</th>' in html


def test_it_says_on_the_bots_page_what_it_counts(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    english = manager_client.get(f"/bots/{bot.pk}/").content.decode()
    russian = manager_client.get(f"/bots/{bot.pk}/", **RU).content.decode()

    assert "<h2>Auto-close</h2>" in english
    assert "this long after their assignment, whether their operator took them or not" in english
    assert ">Close open contacts after</label>" in english
    assert "<h2>Автозакрытие</h2>" in russian
    assert ">Закрывать открытые контакты через</label>" in russian
    assert "Неактивные" not in russian
