"""A paginator that counts up to a cap, for lists that grow without bound.

COUNT(*) reads every matching row (64 ms for a million contacts on PostgreSQL). Beyond the cap the
pager says "more than", and knows a next page from one row more than the page shows."""

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next


class CappedPaginator(Paginator):
    object_list: QuerySet

    def __init__(self, object_list, per_page, *, cap: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """Return the number of rows, or cap + 1 when there are more."""
        # Neither the order nor the page's annotations change a count.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def validate_number(self, number) -> int:
        if not self.capped:
            return super().validate_number(number)
        # The last page is unknown: any page within a 64-bit OFFSET may be asked for, maybe empty.
        return self._validate_number(number, (2**63 - 2) // self.per_page)  # type: ignore[attr-defined]  # private to Django

    def get_page(self, number) -> Page:
        if not self.capped:
            return super().get_page(number)
        try:
            return self.page(number)
        except InvalidPage:  # no last page to fall back to
            return self.page(1)

    def page(self, number) -> Page:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return CappedPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)
