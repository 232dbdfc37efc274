# Helpers of the http tests (sourced after lib.sh): a store made from the
# known dataset tests/data/http_graph.nq, a server on port 0, and curl calls.
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
FIXTURE="${builddir:-.}/tests/integration/http_fixture"
[ -x "$FIXTURE" ] || skip "the fixture writer $FIXTURE is not built (make check builds it)"

# make_store DB: the known dataset, checkpoint at height 13 of okp4-test-1.
make_store() {
  ASAN_OPTIONS=detect_leaks=0 "$FIXTURE" "$1" "$srcdir/tests/data/http_graph.nq" 13 okp4-test-1 \
    || fail "cannot write the fixture store $1"
}

# serve NAME ARGS...: starts "custodian serve ARGS" on port 0; sets URL.
serve() {
  name=$1; shift
  start_listening "$name" "$CUSTODIAN" serve --listen 127.0.0.1:0 "$@"
}

# get PATH [curl args]: body on stdout, status in $TMP/status, headers in $TMP/headers.
get() {
  p=$1; shift
  curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' --max-time 20 "$@" "$URL$p" \
    >"$TMP/status" || echo 000 >"$TMP/status"
  cat "$TMP/body"
}
status() { cat "$TMP/status"; }
header() { tr -d '\r' <"$TMP/headers" | sed -n "s/^$1: //Ip" | head -n 1; }
# expect CODE PATH [curl args]: fails unless the status is CODE.
expect() {
  code=$1; p=$2; shift 2
  get "$p" "$@" >/dev/null
  [ "$(status)" = "$code" ] || fail "$p $*: expected $code, got $(status): $(head -c 300 "$TMP/body")"
}
