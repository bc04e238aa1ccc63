"""gunicorn's settings. gunicorn reads this file by itself from the directory it starts in, so
the Dockerfile, compose.yaml, the benchmarks and a plain `gunicorn minicrm.wsgi` all serve with
the same settings; flags on the command line still win over it.

Threads, not sync workers: a sync worker reads each request itself, so a client that sends half
its headers and waits holds the whole worker until the worker timeout kills it (two such sockets
made /healthz answer after 32 s against two sync workers). A gthread worker waits for clients in
its main loop and gives a connection to a thread once the client has sent something; a slow
client then holds one thread, not the worker. Each worker still has only `threads` of them, so
the reverse proxy in front (deploy/nginx.conf), which reads whole requests before it passes them
on, is what keeps hundreds of slow clients away. docs/deployment.md has the figures."""

import os

# Local only unless told otherwise: the Dockerfile sets GUNICORN_BIND=0.0.0.0:8000, where the
# container's network is the boundary and the proxy the only way in.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Trust no peer's X-Forwarded-Proto (and the like) in gunicorn: by default gunicorn takes it from
# 127.0.0.1 and ::1 and sets wsgi.url_scheme to https itself, whatever TRUST_X_FORWARDED_PROTO
# says. With an empty list Django alone decides (SECURE_PROXY_SSL_HEADER, minicrm/settings.py).
forwarded_allow_ips = ""
# gunicorn itself reads WEB_CONCURRENCY for the number of workers; this says the default here.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 16)
# A worker that stops answering its master (it is stuck, not one of its threads) is replaced.
timeout = 30
graceful_timeout = 20
# Idle keep-alive connections of clients that talk to gunicorn directly; the proxy opens one
# connection per request.
keepalive = 5
# "-" is standard output; GUNICORN_ACCESS_LOG="" turns the access log off (the benchmarks do).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# gunicorn 25+ opens a control socket for `gunicornc` at one path per user ($HOME/.gunicorn): two
# gunicorns of one user (the benchmarks, the tests, a second instance) would fight over it, and
# nothing here uses it.
control_socket_disable = True
