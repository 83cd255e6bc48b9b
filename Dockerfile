# syntax=docker/dockerfile:1
# DMS production image: trytond 8.0 with the dms_* modules, the sao web client
# and gunicorn.  One image, four roles chosen by the command (see
# docker/entrypoint.sh): init, web, worker, cron.
#
#   docker build -t dms .
#   docker compose up -d          (see docker-compose.yml and .env.example)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- sao: the web client, installed exactly like the Makefile's `sao` target
FROM ${NODE_IMAGE} AS sao
ARG SAO_VERSION=8.0.11
WORKDIR /build
# No build step: the tarball ships dist/; index.html loads its libraries from
# node_modules/ inside the package folder, so install the dependencies there
# (--legacy-peer-deps: grunt-po2json wants grunt@~0.4.1, see TRYTON_NOTES).
RUN npm pack --silent tryton-sao@${SAO_VERSION} \
    && tar xzf tryton-sao-${SAO_VERSION}.tgz \
    && rm tryton-sao-${SAO_VERSION}.tgz \
    && cd package \
    && npm install --omit=dev --legacy-peer-deps --no-audit --no-fund --silent \
    && npm cache clean --force \
    && test -f dist/tryton-sao.js && test -d node_modules/jquery

# --- Apache ECharts for the portal's dashboard, as the Makefile's `echarts`
# target: dms_reports serves its dist/echarts.min.js (no CDN)
FROM ${NODE_IMAGE} AS echarts
ARG ECHARTS_VERSION=6.1.0
WORKDIR /build
RUN npm pack --silent echarts@${ECHARTS_VERSION} \
    && tar xzf echarts-${ECHARTS_VERSION}.tgz \
    && test -f package/dist/echarts.min.js

# --- Python: the project and its pinned dependencies in a virtualenv
FROM ${PYTHON_IMAGE} AS build
ARG GUNICORN_VERSION=27.0.1
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# README.md is named by pyproject.toml; the glob keeps the COPY working when
# it is missing, and the fallback keeps the build working.
COPY pyproject.toml constraints.txt README.m[d] ./
COPY addons ./addons
COPY --from=echarts /build/package/dist/echarts.min.js \
    ./addons/dms_reports/www/static/echarts.min.js
RUN test -f README.md || echo "DMS modules for Tryton 8.0" > README.md
# constraints.txt pins every dependency (psycopg-binary brings its own libpq);
# gunicorn is not a project dependency: it is pinned here.
RUN pip install -q --upgrade 'pip>=24' \
    && pip install -q -c constraints.txt . "gunicorn==${GUNICORN_VERSION}" \
    && python -c "import dms_dealer, dms_orders, dms_campaigns, dms_reports, trytond, gunicorn"

# --- Final image
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="DMS (Tryton 8.0)" \
      org.opencontainers.image.description="Dealer Management System: trytond + dms modules + sao"
# A system user that owns nothing but the attachment store
RUN groupadd --system --gid 1000 tryton \
    && useradd --system --uid 1000 --gid tryton --home-dir /var/lib/trytond \
        --no-create-home --shell /usr/sbin/nologin tryton \
    && install -d -o tryton -g tryton -m 0750 /var/lib/trytond
COPY --from=build /opt/venv /opt/venv
COPY --from=sao /build/package /opt/dms/vendor/sao/package
WORKDIR /opt/dms
COPY config ./config
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/dms-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DMS_DATABASE=dms \
    DMS_BASE_CONFIG=/opt/dms/config/trytond-postgresql.conf \
    TRYTOND_WEB__ROOT=/opt/dms/vendor/sao/package \
    TRYTOND_DATABASE__PATH=/var/lib/trytond

USER tryton
EXPOSE 8000
VOLUME ["/var/lib/trytond"]
ENTRYPOINT ["dms-entrypoint"]
CMD ["web"]
