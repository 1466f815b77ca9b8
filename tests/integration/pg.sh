# SPDX-License-Identifier: Apache-2.0
# pg.sh — a throwaway PostgreSQL server for the suites that test ota-server
# on PostgreSQL (sourced after lib.sh).  No mocks: Debian's postgresql
# binaries, a cluster made by initdb in a temporary directory, run by an
# unprivileged user (postgres refuses root: as root the cluster belongs to
# `nobody`), on a free port of 127.0.0.1 and a unix socket in that
# directory; password authentication over TCP (scram-sha-256), as in
# production.
#
#   pg_available            the binaries are there (else: skip, never pass)
#   start_pg DIR            initdb + pg_ctl -w start under DIR (PG_OPTS: more
#                           server options, default -c fsync=off); sets
#                           PG_PORT, PG_PASSWORD; fails with the log on stderr
#   pg_uri NAME             a new, empty database NAME: its URI on stdout
#   pg_sql NAME SQL         run SQL in database NAME (psql, -At: bare rows)
#   stop_pg                 stop the server (fast); call from the EXIT trap
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_DIR=
PG_PORT=
PG_USER=ota
PG_PASSWORD=pg-test-$RANDOM$RANDOM

pg_available() {
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && command -v psql >/dev/null
}

# _pg_as CMD...: as the cluster's owner
_pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

start_pg() {
    PG_DIR=$1/pg
    mkdir -p "$PG_DIR" || return 1
    chmod a+x "$1" # the owner must reach its directory (mktemp -d makes 0700)
    [ "$(id -u)" = 0 ] && chown nobody: "$PG_DIR"
    chmod 700 "$PG_DIR"
    printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
    [ "$(id -u)" = 0 ] && chown nobody: "$PG_DIR/pw"
    if ! _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --pwfile="$PG_DIR/pw" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        return 1
    fi
    PG_PORT=$(free_port) || return 1
    # PG_OPTS: fsync off by default, a test cluster thrown away (the
    # server's durability is PostgreSQL's own, not under test)
    if ! _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 -l "$PG_DIR/log" \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 ${PG_OPTS:--c fsync=off}" \
        start >/dev/null 2>&1; then
        cat "$PG_DIR/log" >&2
        return 1
    fi
}

pg_sql() {
    PGPASSWORD=$PG_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 \
        "postgresql://$PG_USER@127.0.0.1:$PG_PORT/$1" -c "$2"
}

pg_uri() {
    pg_sql postgres "CREATE DATABASE \"$1\"" >/dev/null || return 1
    echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"
}

stop_pg() {
    [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] &&
        _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1
    return 0
}
