# One image for the API, the worker and the CLI: `docker compose up` (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group app
WORKDIR /app

# the dependencies first, so that a change of the code alone reuses this layer
COPY pyproject.toml ./
# (with the monitoring extra: the same image runs Flower, `celery -A worker flower`)
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['monitoring']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# editable, so that the API finds examples/ beside its package (api/catalog.py)
COPY README.md gunicorn.conf.py ./
COPY model ./model
COPY worker ./worker
COPY api ./api
COPY backprop_lab ./backprop_lab
COPY examples ./examples
RUN pip install --no-deps -e .

USER app
ENV REDIS_URL=redis://redis:6379/0
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "api:create_app()"]
