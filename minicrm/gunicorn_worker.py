"""The gunicorn worker that gunicorn.conf.py names. It imports gunicorn only, not Django."""

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker, with two changes for clients that stall:

    - it accepts a connection only while one of its threads is free. gunicorn's accepts up to
      worker_connections (1000) whatever its threads do, so a worker whose threads all waited on
      slow clients kept taking its share of new connections and left them waiting in its queue,
      while the other workers had threads to spare;
    - a connection that ends is closed by a thread of the pool. gunicorn 27 closes it on the
      worker's main loop, where it waits up to 2 s for the client to close its side too
      (gunicorn.util.close_graceful): each client that asked for `Connection: close` and then
      kept its socket open stopped the worker from accepting or answering anyone for 2 s.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What the pool holds or has queued (requests and closes), counted on the main loop.
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
