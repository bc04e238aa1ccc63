"""The operators page and its actions: full page and plain POST, htmx fragment and swap."""

from distribution import routing
from distribution.models import Contact, Operator

from .conftest import htmx


def test_it_lists_operators_with_their_load(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[3])
    send(bot)

    html = manager_client.get("/operators/").content.decode()

    assert operator.name in html
    assert "1 / 3" in html
    assert f'id="operator-{operator.pk}"' in html


def test_it_adds_an_operator(manager_client):
    response = manager_client.post("/operators/", {"name": "Olga", "max_open_contacts": "4"})

    assert response.status_code == 302
    assert response.url == "/operators/"
    operator = Operator.objects.get()
    assert (operator.name, operator.max_open_contacts, operator.is_active) == ("Olga", 4, True)
    assert "Operator Olga added." in manager_client.get("/operators/").content.decode()


def test_it_adds_an_operator_with_htmx(manager_client):
    response = manager_client.post(
        "/operators/", {"name": "Olga", "max_open_contacts": "4"}, **htmx("operators-content")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="operators-content">')
    assert "Olga" in html
    assert "Operator Olga added." in html
    assert 'hx-swap-oob="beforeend"' in html


def test_it_shows_errors_of_a_new_operator(manager_client):
    response = manager_client.post("/operators/", {"name": "", "max_open_contacts": "0"})

    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html
    assert "greater than or equal to 1" in html
    assert not Operator.objects.exists()


def test_it_switches_an_operator_off_and_swaps_the_row(manager_client, make_operator):
    operator = make_operator(name="Olga")

    response = manager_client.post(f"/operators/{operator.pk}/switch", {"is_active": "off"}, **htmx())

    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="operator-{operator.pk}" class="off">')
    assert "Olga switched off." in html
    operator.refresh_from_db()
    assert not operator.is_active


def test_switching_on_assigns_waiting_contacts(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    routing.set_operator_active(operator=operator, is_active=False)
    waiting = send(bot)

    response = manager_client.post(f"/operators/{operator.pk}/switch", {"is_active": "on"})

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.operator == operator
    page = manager_client.get("/operators/").content.decode()
    assert "1 waiting contact assigned from the queue." in page


def test_it_changes_a_capacity(manager_client, make_operator):
    operator = make_operator(capacity=2)

    response = manager_client.post(f"/operators/{operator.pk}/capacity", {"max_open_contacts": "7"}, **htmx())

    assert response.status_code == 200
    assert 'value="7"' in response.content.decode()
    operator.refresh_from_db()
    assert operator.max_open_contacts == 7


def test_it_shows_a_capacity_error_in_place(manager_client, make_operator):
    operator = make_operator(capacity=2)

    response = manager_client.post(
        f"/operators/{operator.pk}/capacity", {"max_open_contacts": "-1"}, **htmx()
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="operator-{operator.pk}"')
    assert 'aria-invalid="true"' in html
    assert "greater than or equal to 1" in html
    assert 'value="-1"' in html
    operator.refresh_from_db()
    assert operator.max_open_contacts == 2


def test_a_plain_capacity_error_comes_back_as_a_message(manager_client, make_operator):
    operator = make_operator(name="Olga", capacity=2)

    response = manager_client.post(
        f"/operators/{operator.pk}/capacity", {"max_open_contacts": "lots"}, follow=True
    )

    assert "Olga: Enter a whole number." in response.content.decode()
    operator.refresh_from_db()
    assert operator.max_open_contacts == 2


def test_it_hands_over_open_contacts(manager_client, bot_with_operators, send):
    bot, (leaving, staying) = bot_with_operators(weights=[10, 10])
    first, _second = send(bot), send(bot)
    assert first.operator == leaving

    response = manager_client.post(f"/operators/{leaving.pk}/hand-over", **htmx())

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="operators-content">')  # every row, not only this one
    assert "1 open contact handed back to the queue, 1 already re-assigned." in html
    assert '<td class="num">2 / 100</td>' in html  # the operator who took the contact
    first.refresh_from_db()
    assert first.operator == staying
    assert not Contact.objects.filter(operator=leaving, status="open").exists()


def test_the_hand_over_button_asks_for_confirmation(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10])
    send(bot)

    html = manager_client.get("/operators/").content.decode()

    assert f'hx-confirm="Switch {operator.name} off and hand their 1 open contact back to the queue?"' in html


def test_an_operator_page_shows_its_bots_weights_and_contacts(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[25], name="Telegram Sales")
    contact = send(bot)

    response = manager_client.get(f"/operators/{operator.pk}/")

    html = response.content.decode()
    assert "Telegram Sales" in html
    assert ">25<" in html
    assert f"#{contact.pk}" in html


def test_a_missing_operator_is_404(manager_client):
    assert manager_client.get("/operators/999999/").status_code == 404
    assert manager_client.post("/operators/999999/switch", {"is_active": "on"}).status_code == 404


def test_the_operator_page_switches_and_sets_capacity_in_place(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    send(bot)
    page = f"/operators/{operator.pk}/"
    switch = f'aria-pressed="true"><span class="visually-hidden">{operator.name}</span>'
    assert switch in manager_client.get(page).content.decode()

    switched = manager_client.post(
        f"/operators/{operator.pk}/switch", {"is_active": "off", "next": page}, **htmx("operator-work")
    )
    capacity = manager_client.post(
        f"/operators/{operator.pk}/capacity", {"max_open_contacts": "0"}, **htmx("operator-work")
    )

    html = switched.content.decode()
    assert html.lstrip().startswith('<div id="operator-work">')
    assert f'aria-pressed="false"><span class="visually-hidden">{operator.name}</span>' in html
    assert f"{operator.name} switched off." in html
    assert capacity.status_code == 422
    assert capacity.content.decode().lstrip().startswith('<div id="operator-work">')
    assert "greater than or equal to 1" in capacity.content.decode()


def test_the_operator_page_without_javascript_comes_back_to_itself(manager_client, make_operator):
    operator = make_operator(name="Olga")
    page = f"/operators/{operator.pk}/"

    response = manager_client.post(
        f"/operators/{operator.pk}/capacity", {"max_open_contacts": "5", "next": page}
    )

    assert response.url == page
    operator.refresh_from_db()
    assert operator.max_open_contacts == 5


def test_the_operator_page_closes_an_open_contact_in_place(manager_client, bot_with_operators, send):
    bot, (operator,) = bot_with_operators(weights=[10], capacities=[1])
    busy, waiting = send(bot), send(bot)
    html = manager_client.get(f"/operators/{operator.pk}/").content.decode()
    assert f'aria-label="Close contact {busy.pk}"' in html

    assert f'name="operator" value="{operator.pk}"' in html

    response = manager_client.post(
        f"/contacts/{busy.pk}/close", {"operator": operator.pk}, **htmx("operator-work")
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="operator-work">')
    assert f'<tr id="contact-{waiting.pk}">' in html
    assert f'<tr id="contact-{busy.pk}">' not in html
    assert f"Contact #{busy.pk} closed." in html
    busy.refresh_from_db()
    assert busy.status == Contact.Status.CLOSED


def test_it_refreshes_the_recent_closed_contacts_after_a_close_in_place(
    manager_client, bot_with_operators, send
):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)
    assert "None yet." in manager_client.get(f"/operators/{operator.pk}/").content.decode()

    response = manager_client.post(
        f"/contacts/{contact.pk}/close", {"operator": operator.pk}, **htmx("operator-work")
    )

    html = response.content.decode()
    recent = html[html.index('<section id="recent-contacts"') :]
    assert recent.startswith('<section id="recent-contacts" class="card" hx-swap-oob="true">')
    assert f"<tr><td>#{contact.pk}</td>" in recent.split("</section>")[0]


def test_it_closes_a_contact_handed_back_meanwhile_on_the_page_it_came_from(
    manager_client, bot_with_operators, send
):
    bot, (operator,) = bot_with_operators(weights=[10])
    contact = send(bot)
    routing.hand_over_contacts(operator=operator)

    response = manager_client.post(
        f"/contacts/{contact.pk}/close", {"operator": operator.pk}, **htmx("operator-work")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="operator-work">')
    assert f'hx-post="/operators/{operator.pk}/switch"' in html
    assert f"Contact #{contact.pk} closed." in html


def test_it_closes_a_contact_handed_to_another_operator_on_the_first_ones_page(
    manager_client, bot_with_operators, send
):
    bot, (first, second) = bot_with_operators(weights=[10, 10])
    contact = send(bot)
    page, other = (first, second) if contact.operator == first else (second, first)
    routing.hand_over_contacts(operator=page)
    contact.refresh_from_db()
    assert contact.operator == other

    response = manager_client.post(
        f"/contacts/{contact.pk}/close", {"operator": page.pk}, **htmx("operator-work")
    )

    html = response.content.decode()
    assert f'hx-post="/operators/{page.pk}/switch"' in html
    assert f'hx-post="/operators/{other.pk}/switch"' not in html
    contact.refresh_from_db()
    assert contact.status == Contact.Status.CLOSED


def test_it_sends_a_close_from_an_unknown_operator_page_to_that_page_in_full(
    manager_client, bot_with_operators, send
):
    bot, (operator,) = bot_with_operators(weights=[10])
    page = f"/operators/{operator.pk}/"

    for value in ("", "x", "99999999999999999999", str(operator.pk + 1)):
        contact = send(bot)
        response = manager_client.post(
            f"/contacts/{contact.pk}/close", {"operator": value, "next": page}, **htmx("operator-work")
        )

        assert response.status_code == 200
        assert response["HX-Redirect"] == page
        contact.refresh_from_db()
        assert contact.status == Contact.Status.CLOSED
