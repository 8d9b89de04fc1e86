# Production image for Fællesskabsmatch (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    FAELLESSKAB_DATA_DIR=/data PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY catalogue catalogue
COPY indexer indexer
COPY matcher matcher
COPY api api
COPY gunicorn.conf.py ./
RUN pip install .

RUN useradd --system --home /data fm && mkdir -p /data && chown fm /data
USER fm
EXPOSE 8000
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "api:create_app()"]
