#!/usr/bin/env bash
# The PostgreSQL-dependent tests (concurrency, proposals' services and API, the database cache,
# the Celery worker) through a real PgBouncer in transaction pooling mode, with the
# settings a site behind one uses (DATABASE_POOLER=pgbouncer, docs/deploy.md).
#
# PgBouncer (Debian package pgbouncer) listens on a free port and sends every database
# (`* = …`: pytest-django creates its test database through it) to the PostgreSQL at
# PGBOUNCER_TEST_PG_HOST:PGBOUNCER_TEST_PG_PORT (127.0.0.1:5432), as user postgres with trust
# authentication. Needs a Redis (REDIS_URL) and a broker for the worker tests
# (CELERY_TEST_BROKER_URL) as `make test` does. Arguments replace the list of tests.
set -euo pipefail
cd "$(dirname "$0")/../.."

pg_host="${PGBOUNCER_TEST_PG_HOST:-127.0.0.1}"
pg_port="${PGBOUNCER_TEST_PG_PORT:-5432}"
name="sm_pgbouncer_$$"
# What touches the database in ways pooling could break: transactions and row locks under
# concurrency, the database cache's upserts, the services and API, and the worker's tasks
# (their transactions, a worker killed mid-task, a connection terminated mid-transaction).
# Not the tests of broker and Redis outages, which pooling does not change.
tests=(
  proposals/tests/test_concurrency.py
  roles/tests/test_concurrency.py
  skillsmatrix/tests/test_cache.py::test_database_cache_adds_counts_and_expires
  skillsmatrix/tests/test_cache.py::test_database_cache_prunes_expired_rows_on_write
  skillsmatrix/tests/test_cache.py::test_database_cache_counts_every_concurrent_hit
  proposals/tests/test_services.py
  proposals/tests/test_apis.py
  tests/worker/test_worker.py::test_a_due_proposal_is_closed_by_the_worker_and_its_author_emailed
  tests/worker/test_worker.py::test_a_status_change_in_a_request_is_emailed_by_the_worker
  tests/worker/test_worker.py::test_a_worker_killed_while_sending_an_email_sends_it_once
  tests/worker/test_worker.py::test_a_worker_killed_while_closing_a_proposal_closes_it_once
  tests/worker/test_worker.py::test_a_task_whose_connection_postgresql_terminates_is_retried_and_the_next_succeeds
)
if [ "$#" -gt 0 ]; then tests=("$@"); fi

command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed (Debian package pgbouncer)" >&2; exit 1; }
workdir="$(mktemp -d)"
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pgbouncer_pid=""
cleanup() {
  if [ -n "$pgbouncer_pid" ]; then kill "$pgbouncer_pid" 2>/dev/null || true; wait "$pgbouncer_pid" 2>/dev/null || true; fi
  # Kept by --reuse-db below: Django's own drop would find PgBouncer's idle server connections
  # still on it. Dropped here, straight on PostgreSQL.
  psql -h "$pg_host" -p "$pg_port" -U postgres -qc "DROP DATABASE IF EXISTS test_$name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

echo '"postgres" ""' >"$workdir/userlist.txt"
cat >"$workdir/pgbouncer.ini" <<INI
[databases]
* = host=$pg_host port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $workdir/userlist.txt
admin_users = postgres
pool_mode = transaction
; Every test thread and worker process is a client; the server connections stay well below
; PostgreSQL's max_connections, which other databases of the machine share.
max_client_conn = 500
default_pool_size = 20
log_connections = 0
log_disconnections = 0
logfile = $workdir/pgbouncer.log
$( [ "$(id -u)" = 0 ] && echo "user = postgres" )
INI
# PgBouncer refuses to run as root: started as root (CI) it becomes postgres (`user` above).
[ "$(id -u)" = 0 ] && chown -R postgres "$workdir"
pgbouncer --quiet "$workdir/pgbouncer.ini" &
pgbouncer_pid=$!
ready=""
for _ in $(seq 100); do
  psql -h 127.0.0.1 -p "$port" -U postgres -qAtc "SHOW VERSION" pgbouncer >/dev/null 2>&1 && { ready=1; break; }
  sleep 0.1
done
[ -n "$ready" ] || { echo "PgBouncer did not start:"; cat "$workdir/pgbouncer.log"; exit 1; }

echo "PgBouncer $(pgbouncer --version | head -1 | cut -d' ' -f2) on 127.0.0.1:$port, transaction pooling"
started=$(date +%s)
DATABASE_URL="postgres://postgres@127.0.0.1:$port/$name" DATABASE_POOLER=pgbouncer \
  .venv/bin/python -m pytest -p no:cacheprovider -q --reuse-db "${tests[@]}" \
  || { echo "PgBouncer's log:"; tail -n 40 "$workdir/pgbouncer.log"; exit 1; }
echo "through PgBouncer: $(( $(date +%s) - started )) s"

# The tests went through PgBouncer, not around it: it counts their transactions.
transactions=$(psql -h 127.0.0.1 -p "$port" -U postgres -qAtc "SHOW STATS" pgbouncer \
  | awk -F'|' -v db="test_$name" '$1 == db { print $2 }')
echo "PgBouncer pooled ${transactions:-0} transactions of test_$name"
[ "${transactions:-0}" -gt 0 ]
