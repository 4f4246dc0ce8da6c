#!/usr/bin/env bash
# The one test command: vet, unit and integration tests with the race
# detector, build the binaries, then the end-to-end suite with both Letta SDK
# generations. Works on a fresh machine with Go and npm; stops at the first
# failure and says which step failed.
#
#   scripts/test.sh
#
# Environment:
#   TEST_DATABASE_URL  Postgres (with pgvector) for the store and e2e tests.
#                      Unset, as root, with ../shared/scripts/pgvector.sh
#                      beside the repo, a throwaway Postgres is started.
#   LETTA_REQUIRE_PG=1 / E2E_REQUIRE_PG=1   fail instead of skipping when
#                      there is no Postgres (CI sets both).
#   GO_TEST_FLAGS      extra flags for go test (e.g. -run Foo, -count=1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step_names=()
step_times=()
current=""
started_at=$SECONDS

summary() {
  local rc=$?
  echo
  echo "==== summary ===="
  local i
  for i in "${!step_names[@]}"; do
    printf '  ok    %-34s %4ss\n' "${step_names[$i]}" "${step_times[$i]}"
  done
  if [ "$rc" -ne 0 ] && [ -n "$current" ]; then
    printf '  FAIL  %s\n' "$current"
    echo "scripts/test.sh: FAILED at step \"$current\" (exit $rc) after $((SECONDS - started_at))s"
  elif [ "$rc" -eq 0 ]; then
    echo "scripts/test.sh: all steps passed in $((SECONDS - started_at))s"
  fi
  exit "$rc"
}
trap summary EXIT

# step NAME CMD... runs one step, records its time, and stops on failure.
step() {
  current="$1"; shift
  echo
  echo "==== $current ===="
  local t0=$SECONDS
  "$@"
  step_names+=("$current")
  step_times+=("$((SECONDS - t0))")
  current=""
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "scripts/test.sh: $1 is not installed ($2)" >&2; exit 1; }
}
need go "https://go.dev/doc/install"
need node "Node.js 20 or newer runs the e2e suite"
need npm "comes with Node.js"

# A Postgres for the tests when none is given and we can start one.
PGVECTOR_SH="$ROOT/../shared/scripts/pgvector.sh"
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if [ -f "$PGVECTOR_SH" ] && pg_url="$(bash "$PGVECTOR_SH" url)" &&
    pg_port="$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$pg_url")" &&
    (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; then
    # One is already running (pgvector.sh start wipes it, so reuse it).
    export TEST_DATABASE_URL="$pg_url"
    echo "scripts/test.sh: TEST_DATABASE_URL is unset; using the Postgres already running at $TEST_DATABASE_URL"
  elif [ "$(id -u)" -eq 0 ] && [ -f "$PGVECTOR_SH" ]; then
    echo "scripts/test.sh: TEST_DATABASE_URL is unset; starting Postgres+pgvector with $PGVECTOR_SH"
    TEST_DATABASE_URL="$(bash "$PGVECTOR_SH" start | tail -n1)"
    export TEST_DATABASE_URL
    echo "scripts/test.sh: TEST_DATABASE_URL=$TEST_DATABASE_URL"
  else
    echo "scripts/test.sh: TEST_DATABASE_URL is unset; Postgres tests will be skipped (set it, or run as root with ../shared/scripts/pgvector.sh)"
  fi
else
  echo "scripts/test.sh: using TEST_DATABASE_URL from the environment"
fi

VERSION="$(git describe --tags --always --dirty 2>/dev/null || echo dev)"

go_vet() { go vet ./...; }
go_test() {
  # shellcheck disable=SC2086 # GO_TEST_FLAGS is a word list on purpose
  go test -race ${GO_TEST_FLAGS:-} ./...
}
build() {
  mkdir -p bin
  CGO_ENABLED=0 go build -trimpath -ldflags "-X main.version=$VERSION" -o bin/letta-server ./cmd/letta-server
  go build -o bin/fakellm ./cmd/fakellm
  echo "built bin/letta-server ($(bin/letta-server version)) and bin/fakellm"
}
npm_ci() {
  # Reinstall only when node_modules is missing or the lock file changed.
  local stamp=e2e/node_modules/.package-lock.sha256
  local want
  want="$(sha256sum e2e/package-lock.json | cut -d' ' -f1)"
  if [ -d e2e/node_modules ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "e2e/node_modules is up to date"
    return 0
  fi
  (cd e2e && npm ci --no-audit --no-fund)
  echo "$want" >"$stamp"
}
e2e() {
  (cd e2e && LETTA_SERVER_BIN="$ROOT/bin/letta-server" FAKELLM_BIN="$ROOT/bin/fakellm" npm test)
}

step "go vet" go_vet
step "go test -race" go_test
step "build binaries" build
step "npm ci (e2e)" npm_ci
step "e2e (both SDKs, every store)" e2e
