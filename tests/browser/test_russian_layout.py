"""The dashboard's header holds one row in Russian on a 1,280 px screen, as it does in English:
the loading indicator, invisible between requests, took the place that pushed the language switch
onto a second row, an empty band across every page."""


def test_it_keeps_the_header_on_one_row_in_russian(manager_page, live_server):
    page = manager_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Русский").click()
    page.wait_for_url(f"{live_server.url}/")

    rows = page.locator("header.topbar").evaluate(
        """header => [...header.children]
            .filter(child => getComputedStyle(child).position !== "absolute")
            .map(child => Math.round(child.getBoundingClientRect().top))"""
    )
    brand = page.locator("header .brand").bounding_box()
    header = page.locator("header.topbar").bounding_box()

    # Every child in the header's flow is on the first row.
    assert max(rows) - min(rows) < brand["height"]
    assert header["height"] < 2 * brand["height"] + 20
