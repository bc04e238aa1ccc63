"""The lists' links to a row's page or action come from one reversal per route (distribution/links.py):
they are the links reverse() gives, under any script prefix, and what reverse() refuses is refused."""

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse, set_script_prefix

from distribution.links import id_url

ONE_ID = sorted(
    name
    for name, patterns in get_resolver().reverse_dict.lists()
    if isinstance(name, str) and patterns[0][0][0][1] == ["pk"]
)


def test_it_knows_the_routes_of_one_id():
    assert {"operator", "operator-switch", "contact", "contact-close", "lead", "bot"} <= set(ONE_ID)


@pytest.mark.parametrize("name", ONE_ID)
@pytest.mark.parametrize("pk", [0, 7, 1234, 2**63 - 1, 2**63])
def test_it_gives_what_reverse_gives(name, pk):
    assert id_url(name, pk) == reverse(name, args=[pk])


def test_it_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert id_url("operator-switch", 5) == "/crm/operators/5/switch"
    finally:
        set_script_prefix("/")
    assert id_url("operator-switch", 5) == "/operators/5/switch"


@pytest.mark.parametrize("pk", [-1, 10**19, "5/switch", None, True])
def test_it_refuses_what_reverse_refuses(pk):
    with pytest.raises(NoReverseMatch):
        id_url("operator", pk)
