from django import template

from .. import identifiers

register = template.Library()

# {{ lead.email|unicode_email }}: the stored address with its domain in Unicode.
register.filter("unicode_email", identifiers.unicode_email)
