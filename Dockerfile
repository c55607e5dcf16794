# monitor: slim Python image, runs as a non-root user.
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
COPY feeds.yaml ./feeds.yaml

RUN mkdir -p /data && chown monitor:monitor /data
USER monitor
ENV MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_OUTBOX_DIR=/data/outbox

ENTRYPOINT ["monitor"]
CMD ["--help"]
