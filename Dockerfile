# syntax=docker/dockerfile:1
# signaldesk: one container, state in /app/data (mount a volume there).
#   docker build -t signaldesk .
#   docker run -d --name signaldesk --restart unless-stopped \
#     --env-file .env -v signaldesk-data:/app/data signaldesk

FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
COPY storage ./storage
COPY locales ./locales

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 signaldesk \
 && useradd --system --uid 10001 --gid signaldesk --home-dir /app --shell /usr/sbin/nologin signaldesk
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/bot ./bot
COPY --from=build /app/handlers ./handlers
COPY --from=build /app/services ./services
COPY --from=build /app/storage ./storage
COPY --from=build /app/locales ./locales
RUN mkdir -p /app/data && chown -R signaldesk:signaldesk /app/data
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/app/data \
    HTTP__HOST=0.0.0.0 \
    HTTP__PORT=8080
USER signaldesk
VOLUME ["/app/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
