"""Files a manager downloads to open in Excel: CSV in UTF-8 with a byte order mark, so that Excel
reads the Cyrillic right, and ";" between the cells, the list separator of a Russian Excel. The
rows are streamed as they are read, so a million of them hold neither memory nor a thread's
time limit (docs/performance.md#exports)."""

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

BOM = "\ufeff"
DELIMITER = ";"
# A cell that starts with one of these is a formula to a spreadsheet (OWASP's CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The contacts read from the database at a time: one fetch each, whatever the file's size.
CHUNK_SIZE = 2000
# The characters sent at a time.
PIECE_SIZE = 1 << 16


class _Line:
    """A file-like object that hands back what csv.writer writes instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def cell(value: object, time_zone: datetime.tzinfo) -> object:
    """A cell's value as Excel should read it: a moment in `time_zone`, written as a date Excel
    recognises; text that Excel would run as a formula made plain text with a leading "'"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(time_zone).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(rows: Iterable[Iterable[object]], *, filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the first one the headers) as a CSV file to download as `filename`."""
    writer = csv.writer(_Line(), delimiter=DELIMITER)
    time_zone = timezone.get_current_timezone()

    def pieces() -> Iterator[str]:
        # A write to the socket per row costs more than the row: send them some 64 KiB at a time.
        piece, size = [BOM], 0
        for row in rows:
            line = writer.writerow([cell(value, time_zone) for value in row])
            piece.append(line)
            size += len(line)
            if size >= PIECE_SIZE:
                yield "".join(piece)
                piece, size = [], 0
        yield "".join(piece)

    response = StreamingHttpResponse(pieces(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)  # people's names and phones: not to be kept by a browser
    return response
