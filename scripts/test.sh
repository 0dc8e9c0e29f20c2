#!/usr/bin/env bash
# Runs ruff, mypy (the files pyproject.toml lists), the migration and translation checks, Django's checks and pytest against a real PostgreSQL and Redis
# (and the stored-decision tests once more on SQLite, the demo's database).
#
# Services, first match wins (FORCE_THROWAWAY_SERVICES=1 skips straight to the last):
#   PostgreSQL: $DATABASE_URL; the server on 127.0.0.1:5432 if user postgres gets in without a
#               password (database "voucher", created if missing); a throwaway cluster.
#   Redis:      $CELERY_BROKER_URL; the server on 127.0.0.1:6379 (db 15); a throwaway server.
# Throwaway servers listen on 127.0.0.1 from port 55432 / 56379 up and are removed on exit.
# Extra pytest arguments: $PYTEST_ARGS (shell-quoted words) and this script's own arguments.
# SERVICES_ONLY=1 scripts/test.sh CMD...  runs CMD with the services up instead of the checks.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
FORCE_THROWAWAY=${FORCE_THROWAWAY_SERVICES:-0}

# Cleanup commands, run newest first on any exit (Ctrl-C and kill included).
cleanup_actions=()
on_exit() {
    local i
    for ((i = ${#cleanup_actions[@]} - 1; i >= 0; i--)); do
        eval "${cleanup_actions[i]}" || true
    done
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "test.sh: $*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the first port from $1 up (100 tried) that nothing listens on.
free_port() {
    local port
    for ((port = $1; port < $1 + 100; port++)); do
        port_open "$port" || { echo "$port"; return 0; }
    done
    die "no free port in $1..$(($1 + 99))"
}

# Prints a URL with its password hidden.
mask() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

# Runs a command as the postgres user when root (initdb and pg_ctl refuse root).
as_postgres() {
    if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

# Prints the directory holding initdb and pg_ctl (Debian keeps them out of PATH).
postgres_bindir() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && echo "$dir"
}

# True when user postgres can log in to URL and run a query.
postgres_answers() {
    if command -v psql >/dev/null 2>&1; then
        PGCONNECT_TIMEOUT=3 psql "$1" -XtAqc 'select 1' >/dev/null 2>&1
    else
        command -v pg_isready >/dev/null 2>&1 && pg_isready -q -t 3 -d "$1"
    fi
}

# Creates database $2 on the server whose maintenance-database URL is $1, if missing (needs psql).
ensure_database() {
    command -v psql >/dev/null 2>&1 || return 0
    if [[ -z $(psql "$1" -XtAqc "select 1 from pg_database where datname = '$2'") ]]; then
        psql "$1" -XqAc "create database \"$2\"" >/dev/null
    fi
}

# Starts a PostgreSQL cluster in a temporary directory; sets DATABASE_URL.
start_throwaway_postgres() {
    local bindir dir port
    bindir=$(postgres_bindir) \
        || die "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package (make system-packages) or set DATABASE_URL."
    if ((EUID == 0)) && ! id postgres >/dev/null 2>&1; then
        die "running as root, and initdb refuses root, but there is no 'postgres' user to run it as: install Debian's postgresql package or set DATABASE_URL."
    fi
    port=$(free_port 55432)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/voucher-pg.XXXXXX")
    cleanup_actions+=("rm -rf '$dir'")
    if ((EUID == 0)); then chown postgres: "$dir"; fi
    # initdb: trust auth, UTF-8, no fsync; run from $dir, which user postgres can read.
    (cd "$dir" && as_postgres "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C --no-sync >"$dir/initdb.log" 2>&1) \
        || { cat "$dir/initdb.log" >&2; die "initdb failed (log above)."; }
    # Start on 127.0.0.1:$port only, socket in $dir, durability off (the data is thrown away).
    cleanup_actions+=("(cd / && as_postgres '$bindir/pg_ctl' -D '$dir/data' -m immediate -w stop) >/dev/null 2>&1")
    (cd "$dir" && as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null) \
        || { cat "$dir/postgres.log" >&2; die "PostgreSQL did not start (log above)."; }
    ensure_database "postgres://postgres@127.0.0.1:$port/postgres" voucher
    DATABASE_URL="postgres://postgres@127.0.0.1:$port/voucher"
}

# Starts a Redis server without persistence in a temporary directory; sets CELERY_BROKER_URL.
start_throwaway_redis() {
    local dir port tries
    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        die "redis-server/redis-cli not found: install Debian's redis-server package (make system-packages) or set CELERY_BROKER_URL."
    fi
    port=$(free_port 56379)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/voucher-redis.XXXXXX")
    cleanup_actions+=("rm -rf '$dir'")
    cleanup_actions+=("redis-cli -h 127.0.0.1 -p $port shutdown nosave >/dev/null 2>&1")
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" \
        || die "redis-server did not start."
    # Wait up to 10 s for it to answer.
    for ((tries = 0; tries < 100; tries++)); do
        [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] && break
        sleep 0.1
    done
    ((tries < 100)) || { cat "$dir/redis.log" >&2; die "Redis did not answer on port $port (log above)."; }
    CELERY_BROKER_URL="redis://127.0.0.1:$port/0"
}

# Pick PostgreSQL.
if [[ $FORCE_THROWAWAY != 1 && -n ${DATABASE_URL:-} ]]; then
    db_note="from DATABASE_URL"
elif [[ $FORCE_THROWAWAY != 1 ]] && postgres_answers "postgres://postgres@127.0.0.1:5432/postgres"; then
    ensure_database "postgres://postgres@127.0.0.1:5432/postgres" voucher
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/voucher"
    db_note="already running"
else
    if [[ $FORCE_THROWAWAY != 1 ]] && port_open 5432; then
        echo "test.sh: 127.0.0.1:5432 answers but user postgres cannot log in without a password; starting a throwaway cluster." >&2
    fi
    start_throwaway_postgres
    db_note="throwaway cluster, removed afterwards"
fi

# Pick Redis.
if [[ $FORCE_THROWAWAY != 1 && -n ${CELERY_BROKER_URL:-} ]]; then
    redis_note="from CELERY_BROKER_URL"
elif [[ $FORCE_THROWAWAY != 1 && $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; then
    CELERY_BROKER_URL="redis://127.0.0.1:6379/15"
    redis_note="already running"
else
    start_throwaway_redis
    redis_note="throwaway server, removed afterwards"
fi

export DATABASE_URL CELERY_BROKER_URL
export DJANGO_SETTINGS_MODULE=config.settings.test
echo "Database: $(mask "$DATABASE_URL") ($db_note)"
echo "Redis:    $(mask "$CELERY_BROKER_URL") ($redis_note)"

# SERVICES_ONLY=1: run this script's arguments as a command with the services up, and stop.
if [[ ${SERVICES_ONLY:-0} == 1 ]]; then
    (($# == 0)) || "$@"
    exit
fi

[[ -x $VENV/bin/python ]] || die "no virtualenv at $VENV: run 'make install' first."

# Each check stops the run when it fails.
run() {
    echo
    echo "==> $*"
    "$@" || die "failed: $*"
}
run "$VENV/bin/ruff" check .
run "$VENV/bin/mypy"
run "$VENV/bin/python" manage.py makemigrations --check --dry-run
run bash scripts/check_translations.sh "$VENV"
run "$VENV/bin/python" manage.py check

# pytest last; its exit code 5 (no tests collected) is a failure too.
pytest_args=()
if [[ -n ${PYTEST_ARGS:-} ]]; then
    # Split like a shell would, quotes included: PYTEST_ARGS="-k 'a and not b'".
    mapfile -d '' -t pytest_args < <("$VENV/bin/python" -c \
        'import shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' \
        "$PYTEST_ARGS")
fi
echo
echo "==> $VENV/bin/pytest -q ${pytest_args[*]} $*"
status=0
"$VENV/bin/pytest" -q "${pytest_args[@]}" "$@" || status=$?
case $status in
    0) ;;
    5) die "pytest collected no tests; that counts as a failure." ;;
    *) die "pytest failed (exit $status)." ;;
esac

# The demo runs on SQLite: stored decisions must re-explain themselves the
# same there too (sums come back with other exponents), so those tests (and
# those of `manage.py decision_reexplain` and the decision page) run once
# more on it. Skipped when PYTEST_ARGS or arguments narrow the run.
if [[ -z ${PYTEST_ARGS:-} && $# -eq 0 ]]; then
    run "$VENV/bin/pytest" -q --ds=config.settings.test_sqlite tests/vouchers/test_decisions.py \
        tests/vouchers/test_decision_reexplain.py tests/vouchers/test_demo_decisions.py
fi
echo "test.sh: all checks passed"
