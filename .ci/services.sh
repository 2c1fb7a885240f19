#!/usr/bin/env bash
# Start throwaway PostgreSQL and Redis servers on loopback, for CI and `make bench`.
# Source it, then: services_start PGPORT REDISPORT; it exports DATABASE_URL and CACHE_URL
# and stops both servers (and removes their data) when the shell exits.
set -euo pipefail

services_install() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# A PostgreSQL server of its own in DIR/pg (socket and log in DIR), on loopback PORT, with
# one database NAME; extra `-c name=value` settings may follow. PGBIN must be set.
pg_cluster_start() {
  local dir=$1 port=$2 name=$3
  shift 3
  chown postgres "$dir"
  runuser -u postgres -- "$PGBIN/initdb" -D "$dir/pg" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off $*" start >/dev/null
  runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$port" "$name"
}

# Stop a server pg_cluster_start started in DIR, and remove its data.
pg_cluster_stop() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$1/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$1"
}

services_start() {
  local pgport=$1 redisport=$2
  services_install
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  SERVICES_DIR=$(mktemp -d /tmp/supportdesk-services.XXXXXX)
  pg_cluster_start "$SERVICES_DIR" "$pgport" supportdesk
  redis-server --bind 127.0.0.1 --port "$redisport" --save '' --appendonly no --daemonize yes \
    --pidfile "$SERVICES_DIR/redis.pid" >/dev/null
  export PGBIN SERVICES_DIR
  export DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/supportdesk"
  export CACHE_URL="redis://127.0.0.1:$redisport/0"
  trap services_stop EXIT
}

services_stop() {
  [ -f "$SERVICES_DIR/redis.pid" ] && kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true
  pg_cluster_stop "$SERVICES_DIR"
}
