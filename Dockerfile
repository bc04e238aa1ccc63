FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --create-home --uid 1000 minicrm

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=minicrm:minicrm . .
# collectstatic only reads settings; the secret here is a throw-away for that one command.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/data && chown minicrm:minicrm /app/data

USER minicrm
# Without DATABASE_URL the service keeps its SQLite file in /app/data (mount a volume there).
# gunicorn listens on 127.0.0.1 by default (gunicorn.conf.py); in the container, on every interface.
ENV DATABASE_URL=sqlite:////app/data/db.sqlite3 \
    WEB_CONCURRENCY=2 \
    GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck"]

# gunicorn reads its settings from /app/gunicorn.conf.py (gthread workers, access log).
# The same image runs the worker (queued tasks, the idle sweep) as a second container, with no
# port and no health check: docker run --no-healthcheck -e ... minicrm python manage.py worker
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn minicrm.wsgi"]
