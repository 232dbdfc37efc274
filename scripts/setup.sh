#!/bin/sh
# Shared by run.sh and test.sh: install what is missing (as root, with
# apt-get; otherwise print the one line to run), then bootstrap, configure and
# build in ./build (or $CUSTODIAN_BUILD). Extra arguments go to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

packages="build-essential autoconf automake libtool pkg-config clang-format cppcheck prometheus gnutls-bin \
librdf0-dev librdf-storage-sqlite libraptor2-dev libsqlite3-dev \
libmicrohttpd-dev libcurl4-gnutls-dev libjansson-dev libgmp-dev zlib1g-dev nettle-dev libpcre2-dev \
redland-utils sqlite3 curl jq chromium"
# node and npm run the dashboard's end-to-end test; a machine that has them
# from elsewhere (NodeSource) keeps its own
command -v node >/dev/null 2>&1 || packages="$packages nodejs npm"
[ -n "${CUSTODIAN_EXTRA_PACKAGES:-}" ] && packages="$packages $CUSTODIAN_EXTRA_PACKAGES"
# optional: installed when possible; the tests that need them skip without them
# (haproxy: the replicas-behind-a-balancer test; virtuoso-opensource: the mirror test)
optional="haproxy virtuoso-opensource ${CUSTODIAN_OPTIONAL_PACKAGES:-}"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: missing Debian packages; run:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi

optional_missing=""
for p in $optional; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
    optional_missing="$optional_missing $p"
done
if [ -n "$optional_missing" ] && [ "$(id -u)" -eq 0 ]; then
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $optional_missing \
    >/dev/null 2>&1 || echo "setup: optional packages not installed:$optional_missing (their tests skip)"
fi

build=${CUSTODIAN_BUILD:-$top/build}
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
  autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$build"
cd "$build"
want=$(printf '%s\n' "$@")
if [ ! -f Makefile ] || [ "$(cat .configure-args 2>/dev/null)" != "$want" ]; then
  "$top/configure" --quiet "$@"
  printf '%s\n' "$want" > .configure-args
fi
make -j"$(nproc)" >/dev/null || make
