from django import template

from .. import links

register = template.Library()

# {% id_url "operator-switch" operator.pk %}: {% url %} for a route that takes one id, without
# walking the resolver for each row (distribution/links.py).
register.simple_tag(links.id_url, name="id_url")
