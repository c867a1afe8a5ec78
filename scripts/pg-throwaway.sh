#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, CI and benchmarks.
#
# Why: the suite and the benchmarks must run against the same PostgreSQL the
# city runs in production, on a machine where nobody configured one. This
# starts a private cluster in a directory of its own, on a free local port,
# trusts only 127.0.0.1, and deletes everything again on `stop`. PostgreSQL
# refuses to run as root, so when we are root the server runs as the
# `postgres` system user (see ../shared/RECIPES.md).
#
# Usage:
#   scripts/pg-throwaway.sh available          exit 0 when PostgreSQL binaries exist
#   scripts/pg-throwaway.sh start DIR [DB]     start a cluster, print its DATABASE_URL
#   scripts/pg-throwaway.sh url DIR            print the DATABASE_URL of a running cluster
#   scripts/pg-throwaway.sh stop DIR           stop the cluster and delete its files
#   scripts/pg-throwaway.sh run DIR -- CMD...  start, run CMD with DATABASE_URL, always stop
#
# Environment:
#   PGBIN      directory of initdb/pg_ctl (default: PostgreSQL 15, then pg_config --bindir)
#   PG_PORT    first port to try (default 55432; the next free one is used)
#   PG_FAST=1  fsync/synchronous_commit off: for the test suite, never for benchmarks
#   PG_OPTS    more server options, e.g. "-c shared_buffers=1GB" (experiments; not used by make)
#
# Only DATABASE_URL goes to stdout; progress goes to stderr.
set -euo pipefail

say() { printf 'pg-throwaway: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

find_pgbin() {
    if [ -n "${PGBIN:-}" ] && [ -x "$PGBIN/initdb" ]; then echo "$PGBIN"; return 0; fi
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then echo /usr/lib/postgresql/15/bin; return 0; fi
    if command -v pg_config >/dev/null 2>&1; then
        local d
        d=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    fi
    local newest
    newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return 0; fi
    return 1
}

# Run a PostgreSQL binary as the cluster owner: `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The directory holding the cluster. When root and DIR is not reachable by the
# postgres user (a clone under /root, say), the cluster lives in /tmp and DIR
# only records where.
state_file() { echo "$1/cluster.env"; }

cmd_start() {
    local dir=$1 db=${2:-mado}
    local pgbin
    pgbin=$(find_pgbin) || die "PostgreSQL が見つかりません (apt-get install postgresql) / PostgreSQL binaries not found"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$(state_file "$dir")" ]; then
        say "前回のクラスタを片付けます / stopping a cluster left over in $dir"
        cmd_stop "$dir" || true
        mkdir -p "$dir"
    fi

    local home=$dir
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "postgres ユーザーがありません / no 'postgres' user (install the postgresql package)"
        chown postgres "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            home=$(mktemp -d /tmp/mado-pg.XXXXXX)
            chown postgres "$home"
            say "$dir is not reachable by the postgres user; using $home"
        fi
    fi

    local port=${PG_PORT:-55432} tries=0
    while port_in_use "$port"; do
        port=$((port + 1)); tries=$((tries + 1))
        [ "$tries" -lt 200 ] || die "空きポートがありません / no free port from ${PG_PORT:-55432}"
    done

    say "initdb in $home/data ($pgbin)"
    as_owner "$pgbin/initdb" -D "$home/data" -A trust -U mado -E UTF8 --locale=C.UTF-8 \
        >"$home/initdb.log" 2>&1 || { cat "$home/initdb.log" >&2; die "initdb failed"; }

    # TCP only: a Unix socket path under a deep checkout can exceed 107 bytes.
    local opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
    opts="$opts -c max_connections=50 -c shared_buffers=128MB"
    [ -z "${PG_OPTS:-}" ] || opts="$opts $PG_OPTS"
    if [ "${PG_FAST:-0}" = 1 ]; then
        opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    # Written before starting so that `stop` can clean up even a failed start.
    printf 'PGBIN=%q\nPGHOME=%q\nPGPORT_=%q\nPGDB=%q\n' "$pgbin" "$home" "$port" "$db" \
        >"$(state_file "$dir")"
    say "starting on 127.0.0.1:$port"
    as_owner "$pgbin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 start -o "$opts" \
        >/dev/null || { cat "$home/server.log" >&2 || true; die "pg_ctl start failed"; }
    as_owner "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U mado "$db"
    echo "postgres://mado@127.0.0.1:$port/$db"
}

cmd_url() {
    local f
    f=$(state_file "$1")
    [ -f "$f" ] || die "no cluster in $1"
    # shellcheck disable=SC1090
    . "$f"
    echo "postgres://mado@127.0.0.1:$PGPORT_/$PGDB"
}

cmd_stop() {
    local dir=$1 f
    f=$(state_file "$dir")
    [ -f "$f" ] || { say "no cluster in $dir"; return 0; }
    # shellcheck disable=SC1090
    . "$f"
    if [ -f "$PGHOME/data/postmaster.pid" ]; then
        as_owner "$PGBIN/pg_ctl" -D "$PGHOME/data" -m fast -w stop >/dev/null 2>&1 \
            || say "pg_ctl stop failed (see $PGHOME/server.log)"
    fi
    say "stopped; removing $PGHOME"
    rm -rf -- "$PGHOME/data" "$PGHOME/initdb.log" "$PGHOME/server.log"
    rm -f -- "$f"
    [ "$PGHOME" = "$dir" ] || rmdir -- "$PGHOME" 2>/dev/null || true
    rmdir -- "$dir" 2>/dev/null || true
}

cmd_run() {
    local dir=$1; shift
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || die "run: no command given"
    local url
    # shellcheck disable=SC2064
    trap "cmd_stop '$dir'" EXIT
    trap 'exit 130' INT TERM
    url=$(cmd_start "$dir")
    DATABASE_URL=$url "$@"
}

main() {
    local sub=${1:-}
    shift || true
    case "$sub" in
        available) find_pgbin >/dev/null ;;
        start) [ $# -ge 1 ] || die "usage: start DIR [DB]"; cmd_start "$@" ;;
        url) [ $# -eq 1 ] || die "usage: url DIR"; cmd_url "$1" ;;
        stop) [ $# -eq 1 ] || die "usage: stop DIR"; cmd_stop "$1" ;;
        run) [ $# -ge 2 ] || die "usage: run DIR -- CMD..."; cmd_run "$@" ;;
        *) sed -n '2,25p' "$0" >&2; exit 2 ;;
    esac
}

main "$@"
