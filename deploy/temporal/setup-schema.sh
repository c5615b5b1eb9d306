#!/bin/sh
# Creates Temporal's two PostgreSQL databases if missing and brings their
# schemas to the version of the temporal-sql-tool that runs it (the schemas
# are embedded in the tool). Every step is idempotent: docker-compose.yml runs
# it in the temporalio/admin-tools image of the server's version before each
# start of the server, so a new version's schema changes land before it runs.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT=${DB_PORT:-5432}
DBNAME=${DBNAME:-temporal}
VISIBILITY_DBNAME=${VISIBILITY_DBNAME:-temporal_visibility}
export SQL_PASSWORD="$POSTGRES_PWD"

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

# PostgreSQL may pass its health check a moment before it takes connections.
tries=0
until sql --db "$DBNAME" create; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "setup-schema: PostgreSQL at $POSTGRES_SEEDS:$DB_PORT did not answer" >&2
    exit 1
  fi
  sleep 2
done

for pair in "$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"; do
  db=${pair%%:*}
  schema=postgresql/v12/${pair#*:}
  echo "setup-schema: database $db, schema $schema"
  sql --db "$db" create
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema --schema-name "$schema"
done
echo "setup-schema: done"
