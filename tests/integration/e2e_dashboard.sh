#!/bin/sh
# The web dashboard end to end: headless Chromium (driven by playwright-core)
# against the real server under a path prefix (--base-path), following a
# devnet of 30 blocks: every view loads
# without console errors, a SPARQL query shows rows, the custody explorer draws
# a known chain, the rewards view shows a split that sums to the amount.
# Screenshots go to $builddir/tests/e2e/screenshots/ (or $E2E_SCREENSHOTS).
. "${srcdir:-.}/tests/integration/lib.sh"

e2e="$srcdir/tests/e2e"
# Every file of web/ is installed (a module left out breaks the installed dashboard).
for f in "$srcdir"/web/*; do
  grep -q "web/${f##*/}" "$srcdir/Makefile.am" || fail "web/${f##*/} is not listed in dist_web_DATA (Makefile.am)"
done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null 2>&1 || skip "node is not installed (Debian: apt-get install nodejs npm)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  skip "node 18 or later is needed (found $(node --version))"
[ -x "$CHROMIUM" ] || skip "chromium is not installed at \"$CHROMIUM\" (Debian: apt-get install chromium)"

# playwright-core from the npm registry, into a gitignored node_modules next
# to the lock file (a copy in $builddir when the source tree is read-only).
modules="$e2e"
if [ ! -f "$modules/node_modules/playwright-core/package.json" ]; then
  command -v npm >/dev/null 2>&1 || skip "npm is not installed (Debian: apt-get install npm)"
  if ! touch "$e2e/.write-test" 2>/dev/null; then
    modules="$builddir/tests/e2e"
    mkdir -p "$modules" && cp "$e2e/package.json" "$e2e/package-lock.json" "$modules/" ||
      fail "cannot copy the e2e package files to \"$modules\""
  fi
  rm -f "$e2e/.write-test"
  if [ ! -f "$modules/node_modules/playwright-core/package.json" ]; then
    (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error) >"$TMP/npm.log" 2>&1 ||
      { cat "$TMP/npm.log" >&2; skip "cannot install playwright-core with npm (see the log above)"; }
  fi
fi

# Starts a custodian command like start_listening, but a command that this
# build does not have yet is a skip, not a failure.
start_custodian() {
  name=$1; shift
  "$CUSTODIAN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  pid=$!
  PIDS="$PIDS $pid"
  i=0
  while [ $i -lt 600 ]; do
    URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.out" | head -n 1)
    [ -n "$URL" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      if grep -q "not available in this build yet" "$TMP/$name.err"; then
        skip "$(head -n 1 "$TMP/$name.err" | sed 's/^custodian: //')"
      fi
      cat "$TMP/$name.err" >&2
      fail "custodian $1 exited before listening"
    fi
    sleep 0.1; i=$((i + 1))
  done
  fail "custodian $1 did not print its address"
}

blocks=30
start_custodian devnet devnet --listen 127.0.0.1:0 --blocks $blocks --block-time 0 --seed 1
node_url=$URL
dataverse=$(sed -n 's/^dataverse \(.*\)$/\1/p' "$TMP/devnet.out" | head -n 1)
# Served under a path prefix, as behind a reverse proxy at https://host/custodian/:
# the dashboard must find its files and its API below its own folder.
set -- run --node "$node_url" --db "$TMP/e2e.db" --listen 127.0.0.1:0 --quiet \
  --web "$srcdir/web" --queries "$srcdir/queries" --base-path /custodian
[ -n "$dataverse" ] && set -- "$@" --dataverse "$dataverse"
start_custodian server "$@"

# The run writes its screenshots into the build tree; the README's copies in
# tests/e2e/screenshots/ are refreshed with E2E_SCREENSHOTS=$srcdir/tests/e2e/screenshots.
shots=${E2E_SCREENSHOTS:-${builddir:-$TMP}/tests/e2e/screenshots}
mkdir -p "$shots" 2>/dev/null && touch "$shots/.write-test" 2>/dev/null || shots="$TMP/screenshots"
rm -f "$shots/.write-test"
mkdir -p "$shots"

CUSTODIAN_URL=$URL/custodian E2E_BLOCKS=$blocks E2E_SCREENSHOTS=$shots E2E_MODULES=$modules \
  E2E_WEB="$srcdir/web" CHROMIUM=$CHROMIUM \
  node "$e2e/dashboard.test.mjs" || fail "the dashboard's end-to-end tests failed (server log: $TMP/server.err)"
echo "screenshots in $shots"
pass
