# One image for the API and the worker: `signoff api` or `signoff worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY activities ./activities
COPY api ./api
COPY devstack ./devstack
COPY email_templates ./email_templates
COPY migrations ./migrations
COPY models ./models
COPY workflows ./workflows
COPY cli.py settings.py telemetry.py worker.py ./
RUN pip install . && useradd --create-home --uid 10001 signoff
USER signoff

EXPOSE 8000
CMD ["signoff", "api", "--host", "0.0.0.0", "--port", "8000"]
