"""The overview: counts, load bars and the queue; its parts refresh by themselves."""

import pytest

from distribution import routing

from .conftest import htmx


@pytest.fixture
def busy(bot_with_operators, send):
    bot, (alice, bob) = bot_with_operators(weights=[10, 10], capacities=[1, 1])
    routing.set_operator_active(operator=bob, is_active=False)
    open_contact = send(bot)
    waiting = [send(bot) for _ in range(2)]
    routing.close_contact(contact=open_contact)  # the first waiting one takes the slot
    return alice, bob, waiting


def test_it_shows_counts_load_and_queue(manager_client, busy):
    alice, bob, (assigned, still_waiting) = busy

    response = manager_client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<section id="counts"' in html
    assert "1</span> open" in html
    assert "1</span> waiting" in html
    assert "1</span> closed today" in html
    assert f'value="1" aria-label="Load of {alice.name}"' in html.replace("\n", "")
    assert f'{bob.name}</a> <span class="badge">off</span>' in html
    assert f"#{still_waiting.pk}" in html
    assert f"#{assigned.pk}<" not in html


@pytest.mark.parametrize("part", ["counts", "load", "queue"])
def test_it_answers_a_refresh_with_only_that_part(manager_client, busy, part):
    response = manager_client.get("/", **htmx(part))

    html = response.content.decode()
    assert html.lstrip().startswith(f'<section id="{part}"')
    assert "<html" not in html
    assert 'hx-trigger="every 5s"' in html


def test_it_answers_an_unknown_target_with_the_full_page(manager_client, busy):
    assert "<html" in manager_client.get("/", **htmx("nonsense")).content.decode()


def test_the_page_loads_htmx_from_our_static_files_with_csrf_and_a_nonce(manager_client):
    response = manager_client.get("/")

    html = response.content.decode()
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in html
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self'" in policy
    assert "cdn" not in html.lower()


def test_it_escapes_what_leads_and_bots_wrote(manager_client, bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[], name="<script>alert(1)</script>")
    send(bot, lead=routing.LeadIdentity(external_id="x", name="<img src=x onerror=alert(1)>"))

    html = manager_client.get("/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
