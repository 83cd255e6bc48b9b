#!/bin/sh
# Entrypoint of the DMS image.  Roles:
#   init     create the database if missing, then
#              trytond-admin -d $DMS_DATABASE --all
#              trytond-admin -d $DMS_DATABASE -u dms_dealer dms_orders
#                  dms_campaigns dms_reports --activate-dependencies
#   web      gunicorn on trytond.application:app (web client, portal, RPC)
#   worker   trytond-worker (queued tasks)
#   cron     trytond-cron (scheduled tasks)
#   healthcheck web|db
#   anything else is run as is, with the same configuration, e.g.
#     docker compose run --rm web trytond-console -d dms
#
# Configuration: $DMS_BASE_CONFIG (config/trytond-postgresql.conf) plus the
# TRYTOND_<SECTION>__<OPTION> environment variables, which win.  trytond 8.0
# reads the environment first and the configuration file on top of it, so a
# key present in the file (like [database] uri) would hide the variable; this
# script therefore writes the merged configuration to a private file and
# points TRYTOND_CONFIG at it.
set -eu

: "${DMS_DATABASE:=dms}"
: "${DMS_BASE_CONFIG:=/opt/dms/config/trytond-postgresql.conf}"
: "${DMS_RUN_DIR:=/tmp/dms}"
: "${DMS_MODULES:=dms_dealer dms_orders dms_campaigns dms_reports}"

log() {
    echo "dms-entrypoint: $*" >&2
}

# Small helpers in Python: the image has no libpq tools, psycopg is there.
dms_py() {
    python - "$@" <<'PY'
import configparser
import os
import sys
import time
import urllib.parse
import urllib.request


def load():
    "The base configuration file with TRYTOND_* variables applied on top"
    config = configparser.ConfigParser(interpolation=None)
    path = os.environ.get('DMS_BASE_CONFIG')
    if path and not config.read(path):
        sys.exit(f"cannot read configuration file {path}")
    for key, value in os.environ.items():
        if not key.startswith('TRYTOND_'):
            continue
        try:
            section, option = key[len('TRYTOND_'):].lower().split('__', 1)
        except ValueError:
            continue
        if section.startswith('wsgi_'):
            section = section.replace('wsgi_', 'wsgi ')
        if not config.has_section(section):
            config.add_section(section)
        config.set(section, option, value)
    return config


def conninfo(config, name):
    # As trytond.backend.postgresql.Database._connection_params
    uri = urllib.parse.urlsplit(config.get('database', 'uri'))
    if not uri.scheme.startswith('postgresql'):
        sys.exit("[database] uri must be a postgresql:// URI, got %r"
            % uri.scheme)
    return uri._replace(scheme='postgresql', path='/' + name).geturl()


def connect(config, name, attempts=1, autocommit=False):
    import psycopg
    for attempt in range(attempts):
        try:
            return psycopg.connect(
                conninfo(config, name), connect_timeout=5,
                autocommit=autocommit,
                application_name='dms-entrypoint')
        except psycopg.OperationalError as exception:
            if attempt + 1 >= attempts:
                sys.exit(f"cannot connect to database {name!r}: "
                    f"{str(exception).strip()}")
            time.sleep(2)


def write_config(path):
    old = os.umask(0o077)
    try:
        with open(path, 'w') as file:
            load().write(file)
    finally:
        os.umask(old)


def ensure_database(name):
    "Wait for the server, create the database if it does not exist"
    from psycopg import sql
    config = load()
    with connect(config, 'postgres', attempts=30, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s",
            (name,)).fetchone()
        if not exists:
            print(f"dms-entrypoint: creating database {name!r}",
                file=sys.stderr)
            conn.execute(sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 "
                    "ENCODING 'unicode'").format(sql.Identifier(name)))


def health_db(name):
    with connect(load(), name) as conn:
        conn.execute("SELECT 1 FROM ir_module LIMIT 1")


def health_web(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        if response.status != 200:
            sys.exit(f"{url} answered {response.status}")


command, *args = sys.argv[1:]
{
    'write-config': write_config,
    'ensure-database': ensure_database,
    'health-db': health_db,
    'health-web': health_web,
    }[command](*args)
PY
}

prepare_config() {
    mkdir -p -m 0700 "$DMS_RUN_DIR"
    dms_py write-config "$DMS_RUN_DIR/trytond.conf"
    export TRYTOND_CONFIG="$DMS_RUN_DIR/trytond.conf"
}

admin_password_file() {
    # The admin password is read only when the database is initialized
    # (TRYTONPASSFILE must hold exactly one line).
    if [ -n "${DMS_ADMIN_PASSWORD_FILE:-}" ]; then
        export TRYTONPASSFILE="$DMS_ADMIN_PASSWORD_FILE"
    elif [ -n "${DMS_ADMIN_PASSWORD:-}" ]; then
        (umask 077 && printf '%s\n' "$DMS_ADMIN_PASSWORD" \
            > "$DMS_RUN_DIR/passfile")
        export TRYTONPASSFILE="$DMS_RUN_DIR/passfile"
    fi
}

run_init() {
    prepare_config
    dms_py ensure-database "$DMS_DATABASE"
    admin_password_file
    trap 'rm -f "$DMS_RUN_DIR/passfile"' EXIT
    # trytond-admin asks for the admin email when it initializes a database;
    # without DMS_ADMIN_EMAIL the empty line answers "none".
    set -- -d "$DMS_DATABASE" --all
    if [ -n "${DMS_ADMIN_EMAIL:-}" ]; then
        set -- "$@" --email "$DMS_ADMIN_EMAIL"
    fi
    if [ -n "${DMS_LANGUAGES:-}" ]; then
        # shellcheck disable=SC2086
        set -- "$@" -l $DMS_LANGUAGES
    fi
    log "trytond-admin $*"
    printf '\n' | trytond-admin "$@"
    log "trytond-admin -d $DMS_DATABASE -u $DMS_MODULES --activate-dependencies"
    # shellcheck disable=SC2086
    trytond-admin -d "$DMS_DATABASE" -u $DMS_MODULES --activate-dependencies \
        </dev/null
    log "database $DMS_DATABASE is up to date"
}

case "${1:-web}" in
    init)
        run_init
        ;;
    web)
        prepare_config
        # Load the pool of the database in every process before it serves
        export TRYTOND_DATABASE_NAMES="${TRYTOND_DATABASE_NAMES:-$DMS_DATABASE}"
        # gthread: the bus long polling ([bus] allow_subscribe) holds a
        # request for minutes, so a process serves several at once.
        exec gunicorn \
            --bind "${DMS_WEB_BIND:-0.0.0.0:8000}" \
            --workers "${DMS_WEB_WORKERS:-4}" \
            --worker-class gthread \
            --threads "${DMS_WEB_THREADS:-8}" \
            --timeout "${DMS_WEB_TIMEOUT:-120}" \
            --graceful-timeout 30 \
            --max-requests "${DMS_WEB_MAX_REQUESTS:-0}" \
            --max-requests-jitter "${DMS_WEB_MAX_REQUESTS_JITTER:-0}" \
            --access-logfile - \
            --error-logfile - \
            trytond.application:app
        ;;
    worker)
        prepare_config
        exec trytond-worker -d "$DMS_DATABASE" \
            -n "${DMS_WORKER_PROCESSES:-2}"
        ;;
    cron)
        prepare_config
        exec trytond-cron -d "$DMS_DATABASE" -n "${DMS_CRON_PROCESSES:-1}"
        ;;
    healthcheck)
        case "${2:-web}" in
            web)
                dms_py health-web \
                    "${DMS_HEALTH_URL:-http://127.0.0.1:8000/}"
                ;;
            db)
                dms_py health-db "$DMS_DATABASE"
                ;;
            *)
                log "unknown healthcheck: $2 (web or db)"
                exit 2
                ;;
        esac
        ;;
    *)
        prepare_config
        exec "$@"
        ;;
esac
