"""A plain form POST (no JavaScript) is answered with a redirect: the fragment an htmx request
would get is not computed for it, so its queries are those of the action only. The page it
lands on reads its own data."""

import pytest

from distribution.models import Contact, Webhook


@pytest.fixture
def scene(bot_with_operators, send):
    bot, (anna, boris) = bot_with_operators(weights=[10, 30])
    contacts = [send(bot) for _ in range(4)]
    Webhook.objects.create(bot=bot, url="https://hooks.example.com/in", events=["contact.closed"])
    return bot, anna, boris, contacts


def action(scene, name: str) -> tuple[str, dict]:
    bot, anna, _boris, contacts = scene
    open_contact = next(c for c in contacts if c.status == Contact.Status.OPEN)
    return {
        "switch": (f"/operators/{anna.pk}/switch", {}),
        "capacity": (f"/operators/{anna.pk}/capacity", {"max_open_contacts": 50}),
        "capacity-error": (f"/operators/{anna.pk}/capacity", {"max_open_contacts": 0}),
        "weight": (f"/bots/{bot.pk}/operators/{anna.pk}/weight", {"weight": 20}),
        "auto-close": (f"/bots/{bot.pk}/auto-close", {"auto_close_after": "2h"}),
        "webhook-switch": (f"/bots/{bot.pk}/webhook/switch", {"is_active": "on"}),
        "close": (f"/contacts/{open_contact.pk}/close", {}),
    }[name]


# The session, the user, its permissions, the row acted on, the action's own writes and the
# session's save: one to three queries fewer each than when the fragment was computed too.
@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("switch", 12),  # and the operator event (rule 9 shows who switched)
        ("capacity", 13),
        ("capacity-error", 8),
        ("weight", 18),
        ("auto-close", 10),  # and the count of the contacts it closes at once
        ("webhook-switch", 10),
        ("close", 26),  # and its bot's lock, its day's count of closes
    ],
)
def test_it_redirects_a_plain_post_without_the_fragments_queries(
    manager_client, scene, django_assert_max_num_queries, name, queries
):
    url, data = action(scene, name)

    with django_assert_max_num_queries(queries):
        response = manager_client.post(url, data)

    assert response.status_code == 302
