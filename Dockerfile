# CodeNest: one image for the web server (daphne, HTTP + WebSocket), the Celery worker and beat.
#   docker build -t codenest .        (docker compose up --build uses it for web, worker and beat)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The processes run as an unprivileged user that owns nothing but the media directory: the code and
# the collected static files stay read-only to it.
RUN groupadd --system --gid 10001 codenest \
    && useradd --system --uid 10001 --gid codenest --home-dir /app --no-create-home --shell /usr/sbin/nologin codenest

# Dependencies first, so a code change does not reinstall them (every wheel is prebuilt: psycopg[binary]).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files (admin, Swagger UI, ReDoc) collected and compressed at build time; WhiteNoise serves
# them from daphne. The settings need a secret to import with DEBUG off; this one is used for nothing else.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/media \
    && chown codenest:codenest /app/media

USER codenest

EXPOSE 8000

# Liveness: /healthz answers without the database. It is sent with the first ALLOWED_HOSTS name so
# Django's host check accepts it, and over plain HTTP (the HTTPS redirect exempts the probes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD \
    python -c "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "codenest.asgi:application"]
