#!/usr/bin/env bash
# `make bench`: PostgreSQL and Redis on loopback, then `python -m tests.bench` (issue #8).
# Bounded: the Python side keeps a 780 s budget; `timeout` is the safety net.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/services.sh

port_free() {
  .venv/bin/python -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}
pick_port() {
  if port_free "$1"; then echo "$1"; else
    .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  fi
}

# The page-weight step drives Debian's Chromium, as the browser tests do.
bash .ci/ensure-chromium || echo "== bench: no Chromium; the page-weight step will fail" >&2

PG_PORT=$(pick_port "${BENCH_PG_PORT:-55439}")
REDIS_PORT=$(pick_port "${BENCH_REDIS_PORT:-63809}")
echo "== bench: PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
services_start "$PG_PORT" "$REDIS_PORT"
# Two app servers (2 workers × (16 request + 16 search threads) each) and the RevCent
# stand-in's 64 threads hold more connections than PostgreSQL's default 100.
runuser -u postgres -- "$PGBIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -c "ALTER SYSTEM SET max_connections = 300"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$SERVICES_DIR/pg" -w restart -m fast >/dev/null
BENCH_DIR=$(mktemp -d /tmp/supportdesk-bench.XXXXXX)
export BENCH_DIR BENCH_STATIC_ROOT="$BENCH_DIR/static"
# RevCent's stand-in gets a PostgreSQL server of its own, as RevCent has its own database:
# its queries (searches over thousands of customers, its call log) are then not in the CPU
# counted for the app's PostgreSQL (tests/bench/router.py).
STANDIN_PG_PORT=$(pick_port "${BENCH_STANDIN_PG_PORT:-55449}")
STANDIN_PG=$(mktemp -d /tmp/supportdesk-standin.XXXXXX)
pg_cluster_start "$STANDIN_PG" "$STANDIN_PG_PORT" standin -c max_connections=200
export BENCH_STANDIN_DATABASE_URL="postgres://postgres@127.0.0.1:$STANDIN_PG_PORT/standin"
export BENCH_STANDIN_PGDATA="$STANDIN_PG/pg"
trap 'pg_cluster_stop "$STANDIN_PG"; services_stop; rm -rf "$BENCH_DIR"' EXIT

start=$(date +%s)
status=0
timeout --signal=TERM --kill-after=20 810 .venv/bin/python -u -m tests.bench || status=$?
echo "== bench: $(( $(date +%s) - start )) s in all (exit $status)"
exit "$status"
