# Production image for Fællesskabsmatch (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    FAELLESSKAB_DATA_DIR=/data \
    EMBEDDING_MODEL=/opt/models/multilingual-e5-small \
    HF_HUB_OFFLINE=1

WORKDIR /app
# The CPU build of torch first, so nothing pulls the CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md LICENSE ./
COPY catalogue catalogue
COPY indexer indexer
COPY matcher matcher
COPY referrals referrals
COPY migrations migrations
COPY api api
COPY gunicorn.conf.py ./
RUN pip install .

# The embedding model is downloaded here, at build time, where the network
# allows it; at run time the container never fetches anything.
RUN HF_HUB_OFFLINE=0 python -c "from sentence_transformers import SentenceTransformer; \
SentenceTransformer('intfloat/multilingual-e5-small').save('/opt/models/multilingual-e5-small')"
# The fused fp32 ONNX graph the default backend (FAELLESSKAB_EMBEDDING_BACKEND=onnx) runs.
RUN python -c "from pathlib import Path; from indexer.modelprep.onnx_export import write_onnx; \
write_onnx(Path('/opt/models/multilingual-e5-small'))"

RUN useradd --system --home /data fm && mkdir -p /data && chown fm /data
USER fm
EXPOSE 8000
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "api:create_app()"]
