#!/usr/bin/env bash
# The API contract, fuzzed: schemathesis sends generated requests (valid and invalid) to every
# operation of /api/schema/ on a live gunicorn, once with a member's token and once anonymously,
# and fails on any 5xx, any response or status the schema does not describe, and any valid
# request refused.
#
# It runs on the database of DATABASE_URL (SQLite's db.sqlite3 when unset): it migrates it,
# imports the seed role when missing and creates the member `schemathesis` and its token.
# CONTRACT_MAX_EXAMPLES (default 30) bounds the test cases per operation; the seed is fixed, so
# a run is reproducible. CONTRACT_ARGS adds schemathesis options (say, --include-path-regex
# frameworks to fuzz a few operations). `make contract` runs this; so does .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=.venv/bin
max_examples="${CONTRACT_MAX_EXAMPLES:-30}"
seed="${CONTRACT_SEED:-20261126}"
# Generous rates for the run (429 is documented, but a throttled run tests nothing else).
export API_THROTTLE_ANON="${API_THROTTLE_ANON:-100000/min}"
export API_THROTTLE_USER="${API_THROTTLE_USER:-100000/min}"
export DJANGO_DEBUG=false

echo "== contract: preparing the database"
$bin/python manage.py migrate --no-input -v 0
$bin/python manage.py import_role --skip-existing roles/data/mlops-engineer.json
$bin/python manage.py import_role --skip-existing roles/data/harbour-works.framework.json
$bin/python manage.py shell -c \
  "from django.contrib.auth import get_user_model; get_user_model().objects.get_or_create(username='schemathesis')"
token="$($bin/python manage.py drf_create_token schemathesis | awk '{print $3}')"

port="$($bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$(mktemp)"
$bin/gunicorn skillsmatrix.wsgi --bind "127.0.0.1:$port" --workers 2 >"$log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

# Exits 0 when URL answers 2xx (with the member's token when given).
get() {
  $bin/python -c '
import sys, urllib.request
headers = {"Authorization": f"Token {sys.argv[2]}"} if len(sys.argv) > 2 else {}
urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers=headers), timeout=5)
' "$@" 2>/dev/null
}
for _ in $(seq 50); do
  get "$base/healthz" && break
  sleep 0.2
done
get "$base/healthz" || { echo "the server did not start:"; cat "$log"; exit 1; }
# A token the server refused would make the first run anonymous in all but name.
get "$base/api/v1/roles/" "$token" || { echo "the server refuses the member's token"; exit 1; }

run() {
  $bin/schemathesis --config-file tests/contract/schemathesis.toml run "$base/api/schema/" \
    --checks all \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --generation-database none \
    --no-color \
    ${CONTRACT_ARGS:-} \
    "$@"
}

status=0
echo "== contract: with a token"
run --header "Authorization: Token $token" || status=$?
echo "== contract: anonymous"
run || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log"
  cat "$log"
fi
exit "$status"
