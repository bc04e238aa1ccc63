"""One numbering in Russian: "#934" in messages as on pages, never "№934" beside it."""

from pathlib import Path

from django.conf import settings

from .conftest import htmx


def test_it_numbers_a_closed_contact_in_a_message_as_on_pages(manager_client, contact):
    response = manager_client.post(
        f"/contacts/{contact.pk}/close", HTTP_ACCEPT_LANGUAGE="ru", **htmx("contact-actions")
    )
    page = manager_client.get(contact.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert f"Контакт #{contact.pk} закрыт." in page + response.content.decode()
    assert "№" not in page


def test_the_catalogue_uses_one_numbering():
    catalogue = Path(settings.BASE_DIR) / "locale/ru/LC_MESSAGES/django.po"

    assert "№" not in catalogue.read_text()
