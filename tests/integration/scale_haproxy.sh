#!/bin/sh
# Three replicas behind HAProxy (deploy/haproxy.cfg, ports rewritten): 64
# clients ask for SCALE_SECONDS (default 20) s, each sending its last height
# as X-Custodian-Min-Height, while one replica is killed with SIGKILL and
# restarted on its store. No request fails (every answer is a 200), no
# client's height goes back, and answers read at one height agree across
# replicas (http_load --min-height --strict). The replicas follow two
# devnet nodes of one chain, in two dialects.
. "${srcdir:-.}/tests/integration/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v haproxy >/dev/null 2>&1 ||
  skip "haproxy is not installed (apt-get install haproxy; scripts/setup.sh does it as root)"
LOAD="${builddir:-.}/tests/integration/http_load"
[ -x "$LOAD" ] || skip "the load client $LOAD is not built (make check builds it)"
CFG="$srcdir/deploy/haproxy.cfg"
[ -f "$CFG" ] || fail "no $CFG"
SECONDS_=${SCALE_SECONDS:-20}
CLIENTS=64

start_listening dn1 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --seed 9 --block-time 300
N1=$URL
start_listening dn2 "$CUSTODIAN" devnet --listen 127.0.0.1:0 --seed 9 --block-time 300 --dialect 0.34
N2=$URL

# replica I LISTEN NODE: custodian run on its own store; sets URL and PID_I
replica() {
  start_listening "r$1.$(date +%s%N)" "$CUSTODIAN" run --node "$3" --db "$TMP/r$1.db" \
    --listen "$2" --trusted-proxy 127.0.0.1 --max-conns-per-ip $((CLIENTS * 2)) \
    --max-height-wait 5000
  eval "PID_$1=\$!"
}
replica 1 127.0.0.1:0 "$N1"; P1=${URL##*:}
replica 2 127.0.0.1:0 "$N2"; P2=${URL##*:}
replica 3 127.0.0.1:0 "$N1"; P3=${URL##*:}

# HAProxy on a free port: the shipped file with its addresses replaced
start_haproxy() {
  tries=0
  while [ $tries -lt 20 ]; do
    tries=$((tries + 1))
    HP=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    sed -e "s/^\( *bind \).*/\1127.0.0.1:$HP/" \
      -e "s/^\( *server replica1 \)[^ ]*/\1127.0.0.1:$P1/" \
      -e "s/^\( *server replica2 \)[^ ]*/\1127.0.0.1:$P2/" \
      -e "s/^\( *server replica3 \)[^ ]*/\1127.0.0.1:$P3/" "$CFG" >"$TMP/haproxy.cfg"
    grep -q "127.0.0.1:$P2" "$TMP/haproxy.cfg" || fail "the server lines of $CFG were not found"
    haproxy -c -q -f "$TMP/haproxy.cfg" || fail "haproxy refuses $CFG"
    haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
    HPID=$!
    i=0
    while [ $i -lt 50 ]; do
      kill -0 $HPID 2>/dev/null || break
      curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HP/health" && { PIDS="$PIDS $HPID"; return 0; }
      sleep 0.1; i=$((i + 1))
    done
    kill $HPID 2>/dev/null; wait $HPID 2>/dev/null
  done
  fail "haproxy did not start: $(tail -n 3 "$TMP/haproxy.log")"
}
start_haproxy
LB="http://127.0.0.1:$HP"

# every replica in step (HAProxy's own checks see them up) before the load
for p in $P1 $P2 $P3; do
  i=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/health?max_lag=5")" = 200 ]; do
    i=$((i + 1)); [ $i -lt 600 ] || fail "replica on port $p not in step after 60 s"
    sleep 0.1
  done
done
sleep 2.5

"$LOAD" "127.0.0.1:$HP" $CLIENTS "$SECONDS_" --min-height --strict >"$TMP/load.out" 2>"$TMP/load.err" &
LPID=$!
# a third of the way: SIGKILL replica 2; two thirds: restart it on its port and store
sleep $((SECONDS_ / 3))
kill -9 "$PID_2" || fail "replica 2 had died before its kill"
wait "$PID_2" 2>/dev/null
echo "# replica 2 killed"
sleep $((SECONDS_ / 3))
replica 2 "127.0.0.1:$P2" "$N2"
echo "# replica 2 restarted on port $P2"
wait $LPID
rc=$?
cat "$TMP/load.out"
[ $rc -eq 0 ] || fail "clients saw failures or heights going back: $(head -c 2000 "$TMP/load.err")"
ok=$(sed -n 's/.*: \([0-9]*\) answers 200.*/\1/p' "$TMP/load.out")
[ "${ok:-0}" -ge 100 ] || fail "too few answers to mean anything ($ok)"

# HAProxy saw replica 2 go and come back, and sent it requests after
grep -q "replica2 is DOWN" "$TMP/haproxy.log" || fail "HAProxy never took replica 2 out"
grep -q "replica2 is UP" "$TMP/haproxy.log" || fail "HAProxy never put replica 2 back"
# the restarted replica resumed from its store and caught up
p2=$(curl -s "http://127.0.0.1:$P2/health?max_lag=5" | jq -r .status)
[ "$p2" = ok ] || fail "the restarted replica is not in step: $(curl -s "http://127.0.0.1:$P2/health")"
pass
