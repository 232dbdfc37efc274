# Shared helpers of the integration tests (sourced, not run).
set -u
: "${CUSTODIAN:?run through make check}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/custodian-test.XXXXXX")
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  for p in $PIDS; do wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "PASS"; exit 0; }
# Starts "$@" in the background with stdout to $TMP/NAME.out; waits for its
# "listening on http://HOST:PORT" line and sets URL to it.
start_listening() {
  name=$1; shift
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS="$PIDS $!"
  i=0
  while [ $i -lt 300 ]; do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.out" | head -n 1)
    [ -n "$URL" ] && return 0
    kill -0 $! 2>/dev/null || { cat "$TMP/$name.err" >&2; fail "$name exited before listening"; }
    sleep 0.1; i=$((i + 1))
  done
  fail "$name did not print its address"
}
