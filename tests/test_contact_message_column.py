"""The contacts list shows each message's first line, cut, with the whole message on hover."""

import html

from distribution.models import Contact


def test_it_shows_the_first_line_with_the_whole_message_on_hover(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    send(bot, message="\n  Hello, I want to order  \nthe blue one, size <M>")

    page = manager_client.get("/contacts/").content.decode()

    assert (
        '<td class="first-line" title="\n  Hello, I want to order  \nthe blue one, size &lt;M&gt;">' in page
    )
    assert ">Hello, I want to order …</td>" in page


def test_it_cuts_a_long_first_line(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    send(bot, message="word " * 40)

    page = html.unescape(manager_client.get("/contacts/").content.decode())

    assert ">" + ("word " * 16).strip()[:79] + "…</td>" in page


def test_a_contact_without_a_message_shows_a_dash(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10])
    send(bot)

    page = manager_client.get("/contacts/").content.decode()

    assert '<td class="first-line">—</td>' in page


def test_the_first_line_skips_blank_lines():
    assert Contact(message="\n\n  Hi  ").first_line == "Hi"
    assert Contact(message="Hi\n\nthere").first_line == "Hi …"
    assert Contact(message="").first_line == ""
