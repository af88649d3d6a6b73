# Sourced by .ci/run: start a throwaway PostgreSQL (Debian's packages, installed when missing)
# on 127.0.0.1, owned by the postgres user in a temporary directory, and export
# MERCATO_TEST_POSTGRES; it is stopped and removed on exit.
start_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    pg_dir="$(mktemp -d /tmp/mercato-pg.XXXXXX)"
    chown postgres "$pg_dir"
    local port=$((20000 + RANDOM % 20000))
    runuser -u postgres -- "$bin/initdb" -D "$pg_dir/data" -A trust -U mercato >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c max_connections=200" start >/dev/null
    pg_stop="runuser -u postgres -- $bin/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null 2>&1; rm -rf $pg_dir"
    export MERCATO_TEST_POSTGRES="host=127.0.0.1 port=$port user=mercato dbname=postgres"
    echo "postgres: $MERCATO_TEST_POSTGRES"
}
