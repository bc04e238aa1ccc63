"""Path converters of the project's URLs."""


class IdConverter:
    """A row id: digits that a 64-bit signed integer holds, the widest id column of either
    database. A larger number matches no route (404) instead of overflowing in the lookup."""

    regex = "[0-9]{1,19}"
    largest = 2**63 - 1

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.largest:
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)
