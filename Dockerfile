# Posylka served by waitress (wsgi.py). See README, "Running in production".
# Debian bookworm's postgresql-client is version 15: pg_dump (the backup command) needs a
# client at least as new as the server, so compose.yaml runs PostgreSQL 15.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Compile the translations now: the running user cannot write to the code.
RUN python -c "from app.i18n import compile_catalogs; compile_catalogs('app/translations')" \
    && useradd --system --uid 10001 --no-create-home posylka \
    && mkdir -p /app/instance /backups && chown posylka /app/instance /backups

USER posylka
EXPOSE 8000
VOLUME ["/app/instance"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"

# Upgrade the schema, then serve (wsgi.py also starts the scheduler; SCHEDULER_ENABLED=0 turns it off).
CMD ["sh", "-c", "flask db upgrade && exec python wsgi.py"]
