#!/bin/sh
# The first start initialises $PGDATA (role forecastd with
# $POSTGRES_PASSWORD, database forecastd, password auth from any address);
# every start then runs the server in the foreground. SIGINT (the image's
# stop signal) is a fast shutdown.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    pw=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
    initdb -D "$PGDATA" -U forecastd --pwfile="$pw" --auth=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pw"
    echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "host all all ::/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
    postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
CREATE DATABASE forecastd OWNER forecastd;
SQL
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
