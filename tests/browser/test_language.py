# ruff: noqa: RUF001  (Russian text: its Cyrillic letters that look Latin are meant)
"""A manager switches the dashboard to Russian in the header, works in it across pages, and
switches back; the switch is a plain form, so the Content Security Policy holds (manager_page
fails on any violation)."""

from playwright.sync_api import expect

from distribution.models import Operator


def test_it_switches_to_russian_and_back(manager_page, live_server):
    page = manager_page
    Operator.objects.create(name="Olga", max_open_contacts=2)
    page.goto(f"{live_server.url}/operators/")
    expect(page.get_by_role("heading", name="Operators")).to_be_visible()

    page.get_by_role("button", name="Русский").click()

    expect(page.get_by_role("heading", name="Операторы")).to_be_visible()
    assert page.url == f"{live_server.url}/operators/"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="Olga", pressed=True)).to_be_visible()
    expect(page.locator("header")).to_contain_text("Время: UTC (UTC+00:00)")

    page.get_by_role("navigation", name="Главное меню").get_by_role("link", name="Отчёт").click()
    expect(page.get_by_role("heading", name="Отчёт о распределении")).to_be_visible()
    # An htmx action answers in the chosen language too.
    page.get_by_role("navigation", name="Главное меню").get_by_role("link", name="Операторы").click()
    page.get_by_role("button", name="Olga", pressed=True).click()
    expect(page.get_by_role("button", name="Olga", pressed=False)).to_be_visible()

    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("heading", name="Operators")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Olga", pressed=False)).to_be_visible()


def test_it_keeps_the_address_htmx_pushed_when_switching(manager_page, live_server):
    page = manager_page
    page.goto(f"{live_server.url}/contacts/")
    with page.expect_response(lambda response: "status=waiting" in response.url):
        page.locator("#id_status").select_option("waiting")
    page.wait_for_url(f"{live_server.url}/contacts/?*status=waiting*")

    page.get_by_role("button", name="Русский").click()

    expect(page.get_by_role("heading", name="Контакты")).to_be_visible()
    assert "status=waiting" in page.url
    expect(page.locator("#id_status")).to_have_value("waiting")
