"""Deadlines for whole reads from a client's connection, which a blocking socket lacks."""

import contextlib
import heapq
import itertools
import socket
import threading
import time
from dataclasses import dataclass


@dataclass
class Watch:
    sock: socket.socket | None  # None once the block is left
    expired: bool = False


class ReadDeadlines:
    """Shut a connection's read side when its deadline passes, from one thread per process.

    A timeout per read would not do: a client sending a byte now and then satisfies every read."""

    def __init__(self):
        self._changed = threading.Condition()
        self._due: list[tuple[float, int, Watch]] = []
        self._numbers = itertools.count()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watch(self, sock: socket.socket | None, seconds: float):
        """End the block's reads from `sock` after `seconds`; the watch says whether they ended."""
        watch = Watch(sock)
        if sock is None:  # not under gunicorn
            yield watch
            return
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="read deadlines", daemon=True)
                self._thread.start()
            heapq.heappush(self._due, (time.monotonic() + seconds, next(self._numbers), watch))
            if self._due[0][2] is watch:
                self._changed.notify()
        try:
            yield watch
        finally:
            # Under the lock, so that the next request on this connection is never cut short.
            with self._changed:
                watch.sock = None

    def _run(self) -> None:
        with self._changed:
            while True:
                while self._due and self._due[0][2].sock is None:
                    heapq.heappop(self._due)
                if not self._due:
                    self._changed.wait()
                    continue
                deadline, _number, watch = self._due[0]
                if (left := deadline - time.monotonic()) > 0:
                    self._changed.wait(left)
                    continue
                heapq.heappop(self._due)
                watch.expired = True
                if watch.sock is not None:
                    with contextlib.suppress(OSError):
                        watch.sock.shutdown(socket.SHUT_RD)


read_deadlines = ReadDeadlines()
