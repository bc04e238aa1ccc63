import datetime

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

MOMENT = datetime.datetime(2026, 3, 1, 21, 30, 5, tzinfo=datetime.UTC)


def render(text: str, **context) -> str:
    return Template("{% load when %}" + text).render(Context(context))


@override_settings(TIME_ZONE="Europe/Moscow")
def test_it_shows_a_moment_in_the_sites_zone_in_the_languages_one_format():
    with translation.override("ru"):
        assert (
            render("{{ at|when }}", at=MOMENT)
            == '<time datetime="2026-03-02T00:30:05+03:00">02.03.2026 00:30</time>'
        )
        assert ">02.03.2026 00:30:05<" in render("{{ at|when:'seconds' }}", at=MOMENT)
        assert ">01.03.2026<" in render("{{ day|when:'date' }}", day=MOMENT.date())
        assert ">02.03.2026<" in render("{{ at|when:'date' }}", at=MOMENT)
    with translation.override("en"):
        assert ">2026-03-02 00:30<" in render("{{ at|when }}", at=MOMENT)
        assert ">2026-03-01<" in render("{{ day|when:'date' }}", day=MOMENT.date())


def test_it_shows_nothing_for_no_moment():
    assert render("{{ at|when }}", at=None) == ""


@override_settings(TIME_ZONE="America/New_York")
def test_the_instant_is_kept_whatever_the_zone():
    out = render("{{ at|when }}", at=MOMENT)
    shown = datetime.datetime.fromisoformat(out.split('"')[1])
    assert shown == MOMENT
    assert out.startswith('<time datetime="2026-03-01T16:30:05-05:00">')
