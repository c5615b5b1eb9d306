#!/bin/sh
# Creates the namespace if missing and registers the search attributes the
# conversion workflow upserts. Idempotent; docker-compose.yml runs it in the
# temporalio/admin-tools image once the server is healthy. The worker
# registers the same attributes at start, which covers clusters set up
# without this script.
#
#   TEMPORAL_ADDRESS     host:port of the frontend
#   NAMESPACE            the namespace to create (default: default)
#   RETENTION            how long closed workflows are kept (default: 720h)
#   SEARCH_ATTRIBUTES    space-separated Name=Type pairs (Keyword, Datetime, ...)
set -eu

: "${TEMPORAL_ADDRESS:?}"
NAMESPACE=${NAMESPACE:-default}
RETENTION=${RETENTION:-720h}
SEARCH_ATTRIBUTES=${SEARCH_ATTRIBUTES:-}

t() { temporal --address "$TEMPORAL_ADDRESS" "$@"; }

# retry runs a command until it succeeds: a namespace just created takes a
# few seconds to reach every cache of the server.
retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 30 ]; then
      echo "setup-namespace: gave up on: $*" >&2
      return 1
    fi
    sleep 2
  done
}

retry t operator cluster health
if t operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "setup-namespace: namespace $NAMESPACE exists"
else
  echo "setup-namespace: creating namespace $NAMESPACE (retention $RETENTION)"
  t operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" ||
    t operator namespace describe --namespace "$NAMESPACE" >/dev/null
fi

# exists NAME: the namespace lists NAME among its search attributes.
exists() {
  t operator search-attribute list --namespace "$NAMESPACE" | awk '{print $1}' | grep -qx "$1"
}
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if retry t operator search-attribute list --namespace "$NAMESPACE" >/dev/null && exists "$name"; then
    echo "setup-namespace: search attribute $name exists"
    continue
  fi
  echo "setup-namespace: adding search attribute $name ($type)"
  retry t operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" ||
    exists "$name"
done
echo "setup-namespace: done"
