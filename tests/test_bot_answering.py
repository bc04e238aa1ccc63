"""A bot's own time to take a new contact (rule 9) and to send a returning lead back to its
operator (rule 10), set on the bot's page or in the admin."""

import datetime

from distribution import routing
from distribution.models import Bot, Contact

from .conftest import htmx

MINUTE = datetime.timedelta(minutes=1)


def stored(bot: Bot) -> tuple:
    return Bot.objects.values_list("answer_within", "return_within").get(pk=bot.pk)


def test_it_sets_both_times(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/answering", {"answer_within": "5m", "return_within": "30d"}, **htmx("answering")
    )

    assert response.status_code == 200
    assert stored(bot) == (5 * MINUTE, datetime.timedelta(days=30))
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="answering"')
    assert 'value="5m"' in html
    assert 'value="30d"' in html
    assert "not taken within 5m now pass on to another operator" in html
    assert "within 30d goes back to its operator" in html


def test_off_switches_the_answer_time_off_for_the_bot(manager_client, bot_with_operators, settings):
    settings.ANSWER_WITHIN = 5 * MINUTE
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/answering", {"answer_within": "off", "return_within": ""}, **htmx("answering")
    )

    assert stored(bot) == (datetime.timedelta(0), None)
    html = response.content.decode()
    assert 'name="answer_within" type="text" size="8" value="off"' in html
    assert "no longer pass on" in html


def test_zero_and_the_russian_word_switch_it_off_too(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    for word in ["0", "выкл"]:
        Bot.objects.filter(pk=bot.pk).update(answer_within=None)
        manager_client.post(f"/bots/{bot.pk}/answering", {"answer_within": word}, **htmx("answering"))

        assert stored(bot)[0] == datetime.timedelta(0), word


def test_empty_times_follow_the_default_and_switch_returning_off(
    manager_client, bot_with_operators, settings
):
    settings.ANSWER_WITHIN = 10 * MINUTE
    bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(answer_within=MINUTE, return_within=datetime.timedelta(days=7))

    response = manager_client.post(
        f"/bots/{bot.pk}/answering", {"answer_within": "", "return_within": ""}, **htmx("answering")
    )

    assert stored(bot) == (None, None)
    html = response.content.decode()
    assert 'placeholder="10m"' in html
    assert "the default, 10m (<code>ANSWER_WITHIN</code>)" in html
    assert "have the default time to be taken again" in html
    assert "no longer sent back to their operator" in html


def test_a_bad_time_is_a_form_error_in_place(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/answering", {"answer_within": "soon", "return_within": "0"}, **htmx("answering")
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="answer-within-error"' in html
    assert "Write a time like 5m or 1h, “off” to switch it off" in html
    assert 'id="return-within-error"' in html
    assert "Write a time like 7d or 30d (at most 365d)" in html
    assert 'value="soon"' in html
    assert html.count('aria-invalid="true"') == 2
    assert stored(bot) == (None, None)


def test_a_bad_time_without_javascript_comes_back_as_a_message(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])

    response = manager_client.post(
        f"/bots/{bot.pk}/answering", {"answer_within": "400d", "return_within": "30d"}, follow=True
    )

    assert response.redirect_chain == [(f"/bots/{bot.pk}/", 302)]
    assert "Write a time like 5m or 1h" in response.content.decode()
    assert stored(bot) == (None, None)


def test_the_bot_page_shows_the_times(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    Bot.objects.filter(pk=bot.pk).update(answer_within=90 * MINUTE, return_within=datetime.timedelta(days=30))

    html = manager_client.get(f"/bots/{bot.pk}/").content.decode()

    assert 'name="answer_within" type="text" size="8" value="1h30m"' in html
    assert 'name="return_within" type="text" size="8" value="30d"' in html
    assert 'placeholder="off"' in html  # ANSWER_WITHIN is off by default


def test_it_moves_the_deadlines_of_contacts_not_taken_yet(bot_with_operators, send, clock):
    bot, _ = bot_with_operators(weights=[10])
    new, taken = send(bot), send(bot)
    routing.accept_contact(contact=taken)

    routing.set_bot_answer_within(bot=bot, within=5 * MINUTE)

    assert Contact.objects.get(pk=new.pk).answer_by == new.assigned_at + 5 * MINUTE
    assert Contact.objects.get(pk=taken.pk).answer_by is None


def test_switched_off_no_contact_of_the_bot_is_overdue(bot_with_operators, send, settings, clock):
    settings.ANSWER_WITHIN = 5 * MINUTE
    bot, _ = bot_with_operators(weights=[10])  # nobody to pass it on to: overdue
    contact = send(bot)
    clock.advance(6 * MINUTE)
    routing.pass_on_due()
    assert Contact.objects.get(pk=contact.pk).overdue_since is not None

    routing.set_bot_answer_within(bot=bot, within=datetime.timedelta(0))

    assert Contact.objects.values_list("answer_by", "overdue_since").get(pk=contact.pk) == (None, None)
    assert routing.pass_on_due().overdue == []


def test_the_admin_shows_the_times_and_moves_deadlines(
    admin_client, bot_with_operators, send, django_capture_on_commit_callbacks
):
    bot, _ = bot_with_operators(weights=[10])
    contact = send(bot)
    data = {
        "name": bot.name,
        "slug": bot.slug,
        "answer_within": "00:05:00",
        "return_within": "30 00:00:00",
        "links-TOTAL_FORMS": 0,
        "links-INITIAL_FORMS": 0,
    }

    page = admin_client.get(f"/admin/distribution/bot/{bot.pk}/change/").content.decode()
    assert 'name="answer_within"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/distribution/bot/{bot.pk}/change/", data)

    assert response.status_code == 302
    assert stored(bot) == (5 * MINUTE, datetime.timedelta(days=30))
    assert Contact.objects.get(pk=contact.pk).answer_by == contact.assigned_at + 5 * MINUTE


def test_the_admin_refuses_a_negative_time(admin_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    data = {"name": bot.name, "slug": bot.slug, "answer_within": "-00:05:00", "return_within": "00:00:00"}

    response = admin_client.post(f"/admin/distribution/bot/{bot.pk}/change/", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The time cannot be negative" in html
    assert "The time must be positive" in html
    assert stored(bot) == (None, None)


def test_it_changes_that_bot_only_and_no_bot_is_a_404(manager_client, bot_with_operators):
    bot, _ = bot_with_operators(weights=[10])
    other, _ = bot_with_operators(weights=[10])

    manager_client.post(f"/bots/{bot.pk}/answering", {"answer_within": "5m", "return_within": "7d"})
    missing = manager_client.post(f"/bots/{other.pk + 100}/answering", {"answer_within": "5m"})

    assert stored(bot) == (5 * MINUTE, datetime.timedelta(days=7))
    assert stored(other) == (None, None)
    assert missing.status_code == 404
