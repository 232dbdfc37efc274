#!/bin/sh
# Requests/s of one replica alone vs three replicas behind HAProxy
# (deploy/haproxy.cfg): 64 clients (http_load, each sending its last height
# as X-Custodian-Min-Height) for SCALE_BENCH_SECONDS (default 20) s against a
# live devnet chain. Needs haproxy; prints a table.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${builddir:-$(pwd)}
CUSTODIAN=${CUSTODIAN:-$builddir/custodian}
LOAD=$builddir/tests/integration/http_load
SECS=${SCALE_BENCH_SECONDS:-20}
CLIENTS=${SCALE_BENCH_CLIENTS:-64}
[ -x "$LOAD" ] || { echo "bench_scale: build tests/integration/http_load first (make bench does)" >&2; exit 1; }
command -v haproxy >/dev/null 2>&1 || { echo "bench_scale: haproxy is not installed: skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/custodian-bench.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

# listen NAME CMD...: starts CMD, waits for "listening on URL", sets URL
listen() {
  n=$1; shift
  : >"$TMP/$n.out"
  "$@" >"$TMP/$n.out" 2>"$TMP/$n.err" &
  PIDS="$PIDS $!"
  i=0
  while [ $i -lt 300 ]; do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/$n.out" | head -n 1)
    [ -n "$URL" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  echo "bench_scale: $n did not start: $(tail -n 3 "$TMP/$n.err")" >&2; exit 1
}

listen dn "$CUSTODIAN" devnet --listen 127.0.0.1:0 --seed 9 --block-time 500
NODE=$URL
for r in 1 2 3; do
  listen "r$r" "$CUSTODIAN" run --node "$NODE" --db "$TMP/r$r.db" --listen 127.0.0.1:0 \
    --trusted-proxy 127.0.0.1 --max-conns-per-ip $((CLIENTS * 2)) --quiet
  eval "P$r=\${URL##*:}"
done
for p in $P1 $P2 $P3; do
  i=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/health?max_lag=2")" = 200 ]; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "bench_scale: replicas not in step" >&2; exit 1; }
    sleep 0.1
  done
done
HP=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
sed -e "s/^\( *bind \).*/\1127.0.0.1:$HP/" -e "s/^\( *server replica1 \)[^ ]*/\1127.0.0.1:$P1/" \
  -e "s/^\( *server replica2 \)[^ ]*/\1127.0.0.1:$P2/" \
  -e "s/^\( *server replica3 \)[^ ]*/\1127.0.0.1:$P3/" "$top/deploy/haproxy.cfg" >"$TMP/haproxy.cfg"
haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
PIDS="$PIDS $!"
# the same HAProxy with replica 1 only: what the extra hop costs
HP1=$((HP + 1))
sed -e "s/127.0.0.1:$HP\$/127.0.0.1:$HP1/" -e '/server replica[23] /d' "$TMP/haproxy.cfg" >"$TMP/haproxy1.cfg"
haproxy -db -f "$TMP/haproxy1.cfg" >"$TMP/haproxy1.log" 2>&1 &
PIDS="$PIDS $!"
sleep 3

run() { "$LOAD" "$1" "$CLIENTS" "$SECS" --min-height 2>"$TMP/load.err" | tee -a "$TMP/all.out" |
  sed -n 's/.*answers 200 (\([0-9.]*\)\/s).*/\1/p'; }
one=$(run "127.0.0.1:$P1")
one_lb=$(run "127.0.0.1:$HP1")
three=$(run "127.0.0.1:$HP")
printf '%-40s %12s\n' "setup ($CLIENTS clients, $SECS s, $(nproc) cores)" "answers/s"
printf '%-40s %12s\n' "one replica, direct" "$one"
printf '%-40s %12s\n' "one replica behind HAProxy" "$one_lb"
printf '%-40s %12s\n' "three replicas behind HAProxy" "$three"
sed 's/^/# /' "$TMP/all.out"
