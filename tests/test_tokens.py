"""Bot tokens exist only as hashes and are checked in constant time."""

from unittest import mock

from django.db import connection

from distribution.tokens import PREFIX_LENGTH, create_bot, find_bot, rotate_token


def test_it_stores_only_a_prefix_and_a_hash(db):
    bot, token = create_bot(name="Telegram Sales")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM distribution_bot")
        row = cursor.fetchone()
    assert not any(token in str(value) for value in row)
    assert bot.token_prefix == token[:PREFIX_LENGTH]
    assert len(bot.token_hash) == 64


def test_it_finds_the_bot_of_a_token(db):
    bot, token = create_bot(name="Telegram Sales")
    create_bot(name="WhatsApp Sales")

    assert find_bot(token) == bot
    assert find_bot(token + "x") is None
    assert find_bot(token[:PREFIX_LENGTH]) is None


def test_it_compares_hashes_in_constant_time(db):
    _bot, token = create_bot(name="Telegram Sales")

    with mock.patch("distribution.tokens.hmac.compare_digest", return_value=False) as compare:
        assert find_bot(token) is None
    compare.assert_called_once()


def test_rotating_replaces_the_token(db):
    bot, old = create_bot(name="Telegram Sales")

    new = rotate_token(bot=bot)

    assert new != old
    assert find_bot(old) is None
    assert find_bot(new) == bot
