"""Path converters of the project's URLs."""


class IdConverter:
    """Match a row id that a signed 64-bit column holds; a larger one is a 404, not an overflow."""

    regex = "[0-9]{1,19}"
    largest = 2**63 - 1

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.largest:
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)
