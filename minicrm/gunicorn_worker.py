"""The gunicorn worker that gunicorn.conf.py names. It imports gunicorn only, not Django."""

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker, except that a connection that ends is closed by a thread of the
    pool. gunicorn 27 closes it on the worker's main loop, where it waits up to 2 s for the client
    to close its side too (gunicorn.util.close_graceful): each client that asked for
    `Connection: close` and then kept its socket open stopped the worker from accepting or
    answering anyone for 2 s."""

    def finish_request(self, conn, fs):
        if fs.cancelled() or fs.exception() is not None or fs.result() is not False:
            super().finish_request(conn, fs)
        else:
            self.nr_conns -= 1
            self.tpool.submit(conn.close, graceful=True)
