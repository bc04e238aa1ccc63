"""Links to a row's page or action, as the dashboard's lists draw them by the hundred. Django's
reverse() walks the URL resolver on every call (about 25 µs here, 360 calls on the operators page
of 50 operators); a route that takes one id is reversed once, with a stand-in id, and each row's id
put in its place."""

from functools import lru_cache

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.urls.resolvers import URLResolver

from minicrm.converters import IdConverter

# 19 digits, as wide as IdConverter allows: no other part of a path holds this run of digits.
STAND_IN = 9_182_736_450_192_837_465


def id_url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a route whose one argument is an `<id:…>`."""
    if type(pk) is not int or not 0 <= pk <= IdConverter.largest:
        return reverse(name, args=[pk])  # what reverse() says of it (NoReverseMatch)
    return _with_stand_in(name, get_script_prefix(), get_resolver(get_urlconf())).replace(
        str(STAND_IN), str(pk)
    )


# Keyed by the resolver too: Django builds a new one when the URLconf changes (clear_url_caches).
@lru_cache(maxsize=256)
def _with_stand_in(name: str, prefix: str, resolver: URLResolver) -> str:
    # A URLconf module, which reverse() takes though the stubs say a dotted path only.
    return reverse(name, urlconf=resolver.urlconf_name, args=[STAND_IN])  # type: ignore[arg-type]
