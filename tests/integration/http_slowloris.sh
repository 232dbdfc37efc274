#!/bin/sh
# custodian serve under slow clients and connection floods: 256 sockets that
# send a header byte a second do not stop other clients and are closed by
# --request-timeout, and so is a client that reads its answer too slowly; an address over --max-conns-per-ip has its extra
# connections closed at accept, a --trusted-proxy is not limited and names
# its clients by X-Forwarded-For; past --max-conns the answer is 503 with
# Retry-After; the server stays up throughout.
. "${srcdir:-.}/tests/integration/lib.sh"
. "$srcdir/tests/integration/http_lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (it drives the slow sockets)"
python3 -c "
import socket
s = socket.socket()
s.bind(('127.0.0.2', 0))
" 2>/dev/null || skip "cannot bind 127.0.0.2 (the test needs several loopback addresses)"

make_store "$TMP/s.db"
mkdir -p "$TMP/web"
echo 'INDEX' >"$TMP/web/index.html"
head -c 6000000 /dev/zero >"$TMP/web/big.bin"

cat >"$TMP/drive.py" <<'EOF'
# Drives one scenario against the server at port argv[2]; prints "ok ..."
# lines and exits 1 with the reason on the first failure.
import http.client, selectors, socket, sys, threading, time

scenario, port = sys.argv[1], int(sys.argv[2])
TIMEOUT_S = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0

def die(why):
    print("FAIL: " + why, flush=True)
    sys.exit(1)

def request(src, path, headers=None, timeout=5.0):
    """One GET from source address src: (status, headers, seconds)."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(src, 0))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        r.read()
        return r.status, dict(r.getheaders()), time.monotonic() - t0
    except (OSError, http.client.HTTPException) as e:
        return "error: %s" % e, {}, time.monotonic() - t0
    finally:
        c.close()

def open_idle(src, n, first=b""):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0))
        if first:
            s.sendall(first)
        s.setblocking(False)
        socks.append(s)
    return socks

def count_closed(socks, wait):
    """How many of socks the server closed within `wait` seconds (EOF, reset or an answer)."""
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    closed = set()
    end = time.monotonic() + wait
    while time.monotonic() < end:
        for key, _ in sel.select(max(0.0, end - time.monotonic())):
            try:
                socks[key.data].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                pass
            closed.add(key.data)
            sel.unregister(key.fileobj)
    sel.close()
    return len(closed)

if scenario == "slowloris":
    # 256 slow sockets from eight addresses (32 each, the default per-address
    # limit), each sending one header byte a second, while a client on
    # 127.0.0.1 keeps asking for /health.
    t0 = time.monotonic()
    slow = []
    for a in range(2, 10):
        for s in open_idle("127.0.0.%d" % a, 32, b"GET /health HTTP/1.1\r\nHost: x\r\n"):
            slow.append([s, time.monotonic(), None, b""])
    opened = time.monotonic() - t0
    print("ok 256 slow sockets open in %.2f s" % opened, flush=True)
    results = []
    stop = threading.Event()
    def client():
        while not stop.is_set():
            results.append(request("127.0.0.1", "/health"))
            time.sleep(0.2)
    th = threading.Thread(target=client)
    th.start()
    sel = selectors.DefaultSelector()
    for i, e in enumerate(slow):
        sel.register(e[0], selectors.EVENT_READ, i)
    end = time.monotonic() + TIMEOUT_S + 4
    next_byte = time.monotonic()
    while time.monotonic() < end and any(e[2] is None for e in slow):
        now = time.monotonic()
        if now >= next_byte:
            for e in slow:
                if e[2] is None:
                    try:
                        e[0].send(b"X")
                    except OSError:
                        pass
            next_byte = now + 1.0
        for key, _ in sel.select(0.1):
            e = slow[key.data]
            if e[2] is not None:
                continue
            try:
                data = e[0].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            e[3] += data
            if data == b"" or b"\r\n\r\n" in e[3]:
                e[2] = time.monotonic()
                sel.unregister(e[0])
    stop.set()
    th.join()
    still = sum(1 for e in slow if e[2] is None)
    if still:
        die("%d of 256 slow sockets are still open %.1f s after the deadline" % (still, 4.0))
    ages = [e[2] - e[1] for e in slow]
    if min(ages) < TIMEOUT_S - 0.5:
        die("a slow socket was closed after %.2f s, before the deadline of %.1f s" % (min(ages), TIMEOUT_S))
    if max(ages) > TIMEOUT_S + 2.0:
        die("a slow socket was closed only after %.2f s (deadline %.1f s)" % (max(ages), TIMEOUT_S))
    told = sum(1 for e in slow if e[3].startswith(b"HTTP/1.1 408"))
    print("ok slow sockets closed after %.2f..%.2f s, %d with a 408" % (min(ages), max(ages), told))
    if told < 200:
        die("only %d of 256 slow sockets were told 408" % told)
    if len(results) < 10:
        die("only %d client requests ran meanwhile" % len(results))
    bad = [r for r in results if r[0] != 200 or r[2] > 2.0]
    if bad:
        die("%d of %d client requests failed or were slow: %s" % (len(bad), len(results), bad[:3]))
    print("ok %d client requests answered 200, the slowest in %.2f s"
          % (len(results), max(r[2] for r in results)))

elif scenario == "per-ip":
    # 40 idle sockets from one address: 32 stay, 8 are closed at accept; the
    # trusted proxy keeps all of its 40, and its clients are named by
    # X-Forwarded-For.
    socks = open_idle("127.0.0.10", 40)
    closed = count_closed(socks, 0.7)
    if closed != 8:
        die("%d of 40 connections from one address were closed at once (want 8)" % closed)
    st, _, _ = request("127.0.0.10", "/health", timeout=3)
    if st == 200:
        die("a 41st connection from a full address is served")
    st, _, secs = request("127.0.0.1", "/health")
    if st != 200:
        die("another address is refused while one is full: %s" % st)
    proxy = open_idle("127.0.0.66", 40)
    closed = count_closed(proxy, 0.7)
    if closed:
        die("%d connections of a trusted proxy were closed" % closed)
    st, _, _ = request("127.0.0.66", "/health", {"X-Forwarded-For": "203.0.113.7, 127.0.0.66"})
    if st != 200:
        die("a trusted proxy's 41st connection is refused: %s" % st)
    print("ok 8 of 40 refused for one address, none of 41 for a trusted proxy")
    for s in socks + proxy:
        s.close()

elif scenario == "slow-reader":
    # A client that takes a 6 MB answer at 200 bytes a second is cut within
    # about --request-timeout; one at 20 KB/s is not.
    def metric(name):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        c.close()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        die("/metrics has no %s" % name)
    def reader(rate, secs):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(0.2)
        end = time.monotonic() + secs
        while time.monotonic() < end:
            try:
                if s.recv(max(1, rate // 10)) == b"":
                    break
            except socket.timeout:
                continue
            except OSError:
                break
            time.sleep(0.1)
        s.close()
    before = metric("custodian_http_slow_readers_total")
    reader(20000, TIMEOUT_S + 2)
    if metric("custodian_http_slow_readers_total") != before:
        die("a client reading 20 KB/s was cut as a slow reader")
    reader(200, TIMEOUT_S + 2)
    if metric("custodian_http_slow_readers_total") != before + 1:
        die("a client reading 200 bytes/s was not cut within --request-timeout + 2 s")
    print("ok a slow reader is cut, a modest one is not")

elif scenario == "limits":
    # The server runs with --max-conns 20 --max-conns-per-ip 2 and trusts
    # 127.0.0.1. Requests in hand of one forwarded client are limited.
    heads = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.9\r\n"
                  b"Content-Type: application/sparql-query\r\nContent-Length: 50\r\n\r\nASK")
        heads.append(s)
    time.sleep(0.3)
    st, h, _ = request("127.0.0.1", "/health", {"X-Forwarded-For": "198.51.100.9"})
    if st != 429 or "Retry-After" not in h:
        die("a forwarded client with 2 requests in hand gets 429 with Retry-After (got %s)" % st)
    st, _, _ = request("127.0.0.1", "/health", {"Forwarded": 'for="198.51.100.10:5000"'})
    if st != 200:
        die("another forwarded client is served (got %s)" % st)
    for s in heads:
        s.close()
    time.sleep(0.3)
    st, _, _ = request("127.0.0.1", "/health", {"X-Forwarded-For": "198.51.100.9"})
    if st != 200:
        die("the forwarded client is served again once its requests end (got %s)" % st)
    print("ok a forwarded client is limited by requests in hand")
    idle = open_idle("127.0.0.1", 20)
    time.sleep(0.3)
    st, h, secs = request("127.0.0.1", "/health", timeout=5)
    if st != 503 or h.get("Retry-After") is None or secs > 2:
        die("past --max-conns: 503 with Retry-After at once (got %s in %.2f s)" % (st, secs))
    for s in idle:
        s.close()
    time.sleep(0.3)
    st, _, _ = request("127.0.0.1", "/health")
    if st != 200:
        die("served again once connections close (got %s)" % st)
    print("ok past --max-conns: 503 with Retry-After, then 200 again")
EOF

serve a --db "$TMP/s.db" --web "$TMP/web" --request-timeout 3000 --trusted-proxy 127.0.0.66 \
  --max-conns-per-ip 32 --verbose
port=${URL##*:}
python3 "$TMP/drive.py" slowloris "$port" 3 || fail "slowloris (see above)"
kill -0 $(echo $PIDS | awk '{print $NF}') || fail "the server died"
expect 200 /health
python3 "$TMP/drive.py" per-ip "$port" || fail "per-address limits (see above)"
python3 "$TMP/drive.py" slow-reader "$port" 3 || fail "slow readers (see above)"
code=$(curl -s -o "$TMP/big.got" -w '%{http_code}' --max-time 20 "$URL/big.bin")
[ "$code" = 200 ] && cmp -s "$TMP/big.got" "$TMP/web/big.bin" || fail "a big file is served whole ($code)"
grep -q '"203.0.113.7" GET /health' "$TMP/a.err" || fail "the log names the client behind the proxy"
grep -q 'refused a connection from "127.0.0.10"' "$TMP/a.err" \
  || fail "the log names the address over its limit"
grep -q 'closed a connection from "127.0.0.[2-9]": its request did not arrive' "$TMP/a.err" \
  || fail "the log names a client cut by the deadline"
expect 200 /health
expect 200 /
get /metrics >"$TMP/metrics"
grep -q '^custodian_http_refused_total{limit="max_conns_per_ip"} 9$' "$TMP/metrics" \
  || fail "/metrics counts the refused connections: $(grep refused "$TMP/metrics")"
n=$(sed -n 's/^custodian_http_request_timeouts_total //p' "$TMP/metrics")
[ "${n:-0}" -ge 256 ] || fail "/metrics counts the connections cut by the deadline (got $n)"
grep -q '^custodian_http_connections [0-9]' "$TMP/metrics" || fail "/metrics has the open connections"
grep -q 'EXTERNAL_LOGGER\|first option' "$TMP/a.err" && fail "libmicrohttpd's start-up message leaks"

serve b --db "$TMP/s.db" --web "$TMP/web" --max-conns 20 --max-conns-per-ip 2 \
  --trusted-proxy 127.0.0.1/32,::1
port=${URL##*:}
python3 "$TMP/drive.py" limits "$port" || fail "total and per-client limits (see above)"
expect 200 /health

# flags are checked
for bad in '--request-timeout 0' '--max-conns 0' '--max-conns-per-ip x' \
  '--trusted-proxy 10.0.0.0/33' '--trusted-proxy nothost' '--trusted-proxy 10.0.0.1,'; do
  # shellcheck disable=SC2086
  err=$(timeout 20 "$CUSTODIAN" serve --db "$TMP/s.db" --listen 127.0.0.1:0 $bad 2>&1 >/dev/null)
  rc=$?
  [ $rc -eq 2 ] || fail "$bad is a usage error (got $rc): $err"
  echo "$err" | grep -q 'request-timeout\|max-conns\|trusted-proxy' || fail "$bad: the error names the flag: $err"
done
pass
