# Hourglass bot image for production. The database runs in its own container
# (see docker-compose.yml); the embedded PostgreSQL is not used when DATABASE_URL is set.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BROWSER_PATH=/usr/bin/chromium
WORKDIR /app

# Chromium draws the charts the bot posts (through Kaleido).
RUN apt-get update && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml constraints.txt README.md ./
COPY hourglass ./hourglass
COPY bot ./bot
COPY analytics ./analytics
COPY sql ./sql
RUN pip install -c constraints.txt . && useradd --system --create-home hourglass

USER hourglass
ENTRYPOINT ["hourglass"]
CMD ["run"]
