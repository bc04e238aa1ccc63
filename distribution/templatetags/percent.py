from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import get_format

register = template.Library()

TENTH = Decimal("0.1")


@register.filter(is_safe=True)
def percent(value: float, unlocalized: str = "") -> str:
    """Return floatformat:1 of a share of 100, or floatformat:"1u" with "u", for an attribute.

    floatformat's machinery was half the report's time for a thousand shares."""
    text = f"{Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP):f}"
    return text if unlocalized == "u" else text.replace(".", get_format("DECIMAL_SEPARATOR"))
