# monitor: slim Python image, runs `monitor run` (the service) as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MONITOR_LOG_LEVEL=INFO

RUN useradd --create-home --uid 10001 monitor
WORKDIR /app

COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip install .

# Domain configuration the users edit; mount your own over these in production.
COPY rules ./rules
COPY alerts ./alerts
COPY mappings ./mappings
COPY feeds.yaml schedule.yaml ./

# /data is the one writable place: the SQLite database (unless MONITOR_DATABASE_URL points at
# PostgreSQL), the outbox, and the inbox with its archive/ and failed/ folders.
RUN mkdir -p /data/outbox /data/inbox && chown -R monitor:monitor /data
VOLUME ["/data"]
USER monitor
ENV MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_OUTBOX_DIR=/data/outbox \
    MONITOR_INBOX_DIR=/data/inbox \
    MONITOR_HTTP_HOST=0.0.0.0 \
    MONITOR_HTTP_PORT=8080

EXPOSE 8080
# No curl in the slim image: Python asks /healthz itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]

# SIGTERM (docker stop) lets a running job finish within MONITOR_SHUTDOWN_GRACE_SECONDS (30);
# give `docker stop -t` / stop_grace_period a little more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["monitor"]
CMD ["run"]
