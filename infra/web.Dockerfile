# The web app on Cloud Run: web/ served by infra/web_server.py (security headers, SPA fallback,
# /config.json). Build from the repository root:
#   docker build -f infra/web.Dockerfile -t web .
FROM python:3.11.7-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TALENTCREW_LOG_FORMAT=json

WORKDIR /app
# Settings come from the domain package; the server is Starlette on uvicorn (pins of
# realtime-relay/requirements.txt).
COPY functions/requirements.txt ./functions/requirements.txt
RUN pip install -r functions/requirements.txt starlette==1.10.0 uvicorn==0.54.0
COPY functions/talentcrew ./functions/talentcrew
COPY infra/web_server.py ./infra/web_server.py
COPY web ./web

# Serving files needs no root.
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin web
USER 10001

# With PORT set (Cloud Run), web_server.py listens on 0.0.0.0:$PORT.
CMD ["python", "infra/web_server.py"]
