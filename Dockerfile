# One image for every cxex process of a deployment: the code server (the default command), the Dagster
# webserver, the daemon and the run workers (docker-compose.yaml and the Helm chart run it with another
# command). docs/deployment.md; tests/test_deploy_files.py checks what can be checked without building it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GX_ANALYTICS_ENABLED=false \
    DAGSTER_DISABLE_TELEMETRY=1 \
    DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=1

WORKDIR /opt/cxex

# The runtime lock only (requirements-dev.lock adds the test tools): exact pins, every platform.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# The project: the code location and what it reads at run time (contracts, SQL, reference data, the
# report's templates, docs/methodology.md for the report site).
COPY pyproject.toml workspace.yaml ./
COPY assets/ assets/
COPY pipelines/ pipelines/
COPY quality_checks/ quality_checks/
COPY warehouse/ warehouse/
COPY docs/ docs/

ENV PYTHONPATH=/opt/cxex \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    CXEX_DATA_DIR=/srv/cxex/data

RUN useradd --create-home --uid 10001 cxex \
    && mkdir -p "$DAGSTER_HOME" "$CXEX_DATA_DIR" /opt/dagster/compute_logs \
    && chown -R cxex:cxex "$DAGSTER_HOME" "$CXEX_DATA_DIR" /opt/dagster/compute_logs
USER cxex

# Fail the build, not the deployment, when the definitions do not load.
RUN python -c "import pipelines.definitions"

EXPOSE 4000 3000
# The gRPC code server the webserver and the daemon load cxex from (workspace.yaml: grpc_server).
CMD ["dagster", "code-server", "start", "-m", "pipelines.definitions", "-h", "0.0.0.0", "-p", "4000"]
