"""Links to a row's page or action, for lists that draw them by the hundred.

reverse() walks the resolver on every call (25 µs; 360 calls on a page of 50 operators), so a route
taking one id is reversed once with a stand-in id, which each row's id replaces."""

from functools import lru_cache

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.urls.resolvers import URLResolver

from minicrm.converters import IdConverter

# As wide as IdConverter allows, so no other part of a path holds these digits.
STAND_IN = 9_182_736_450_192_837_465


def id_url(name: str, pk: int) -> str:
    """Return reverse(name, args=[pk]) for a route whose one argument is an `<id:…>`."""
    if type(pk) is not int or not 0 <= pk <= IdConverter.largest:
        return reverse(name, args=[pk])  # NoReverseMatch
    return _with_stand_in(name, get_script_prefix(), get_resolver(get_urlconf())).replace(
        str(STAND_IN), str(pk)
    )


# Keyed by the resolver too: Django builds a new one when the URLconf changes (clear_url_caches).
@lru_cache(maxsize=256)
def _with_stand_in(name: str, prefix: str, resolver: URLResolver) -> str:
    # reverse() takes a module, though the stubs say a dotted path only.
    return reverse(name, urlconf=resolver.urlconf_name, args=[STAND_IN])  # type: ignore[arg-type]
