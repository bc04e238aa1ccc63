"""The gunicorn worker that gunicorn.conf.py names; it imports gunicorn only, not Django."""

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker, accepting only while a thread is free and closing on a pool thread.

    gunicorn's own accepts 1000 connections whatever its threads do, and closes on its main loop,
    waiting up to 2 s for each client that keeps its socket open (docs/deployment.md#gunicorn)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Requests and closes that the pool holds or has queued, counted on the main loop.
        self.in_pool = 0

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled and self.in_pool < self.cfg.threads)

    def _add_to_pool(self):
        self.in_pool += 1
        if self.in_pool >= self.cfg.threads:
            self.set_accept_enabled(False)

    def _left_pool(self):
        self.in_pool -= 1

    def enqueue_req(self, conn):
        self._add_to_pool()
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self._left_pool()
        if fs.cancelled() or fs.exception() is not None or fs.result() is not False:
            super().finish_request(conn, fs)
            return
        self.nr_conns -= 1
        self._add_to_pool()
        closing = self.tpool.submit(conn.close, graceful=True)
        closing.add_done_callback(lambda _closing: self.method_queue.defer(self._left_pool))
