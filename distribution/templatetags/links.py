from django import template

from .. import links

register = template.Library()

# {% id_url "operator-switch" operator.pk %}: a {% url %} that skips the resolver (distribution/links.py).
register.simple_tag(links.id_url, name="id_url")
