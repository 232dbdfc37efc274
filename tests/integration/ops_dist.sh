#!/bin/sh
# Packaging: `make install` puts the program, its man page (every command and
# option) and a hardened systemd unit in place; the Dockerfile is Debian 12
# and non-root; `make distcheck` passes (with a few tests in the unpacked
# tarball, built out of tree with -Werror).
. "${srcdir:-.}/tests/integration/lib.sh"
: "${builddir:?run through make check}"

make -C "$builddir" install DESTDIR="$TMP/inst" >"$TMP/install.log" 2>&1 ||
  { tail -n 20 "$TMP/install.log" >&2; fail "make install"; }
prefix=$(sed -n 's/^prefix = //p' "$builddir/Makefile")
bindir=$(sed -n 's/^bindir = //p' "$builddir/Makefile" | sed "s|\${exec_prefix}|$prefix|")
root="$TMP/inst$prefix"
[ -x "$root/bin/custodian" ] || fail "the program is installed in $root/bin"
man="$root/share/man/man1/custodian.1"
[ -f "$man" ] || fail "the man page is installed: $(find "$TMP/inst" -name '*.1')"
unit="$root/lib/systemd/system/custodian.service"
[ -f "$unit" ] || fail "the systemd unit is installed: $(find "$TMP/inst" -name '*.service')"

# the man page names every command and every option of each
if command -v groff >/dev/null 2>&1; then
  groff -man -Tutf8 -ww -rLL=300n "$man" 2>"$TMP/groff.err" | sed 's/.\x08//g' >"$TMP/man.txt"
  [ -s "$TMP/groff.err" ] && fail "the man page renders without warnings: $(head -n 3 "$TMP/groff.err")"
else
  sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man" >"$TMP/man.txt"
fi
cmds=$("$CUSTODIAN" --help | sed -n 's/^  \([a-z]*\) .*/\1/p')
[ -n "$cmds" ] || fail "custodian --help lists the commands"
for c in $cmds; do
  grep -q -w "custodian $c" "$TMP/man.txt" || fail "the man page's synopsis has \"custodian $c\""
  [ "$c" = version ] && continue
  for o in $("$CUSTODIAN" "$c" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p'); do
    [ "$o" = --f ] && o=-f
    grep -q -e "$o\b" "$TMP/man.txt" || fail "the man page documents $c $o"
  done
done

# the unit runs the installed program, hardened
grep -q "^ExecStart=$bindir/custodian run " "$unit" || fail "ExecStart is the installed program: $(grep ExecStart "$unit")"
for k in DynamicUser=yes StateDirectory=custodian ProtectSystem=strict NoNewPrivileges=yes \
  'SystemCallFilter=@system-service' 'ExecReload=/bin/kill -HUP $MAINPID' 'CapabilityBoundingSet=$'; do
  grep -q "^$k" "$unit" || fail "the unit has $k"
done
grep -q -- "--db /var/lib/custodian/" "$unit" || fail "the store lives in the StateDirectory"
if command -v systemd-analyze >/dev/null 2>&1; then
  # the unit as installed, pointing at the program in DESTDIR
  sed "s|$bindir/custodian|$root/bin/custodian|" "$unit" >"$TMP/custodian.service"
  systemd-analyze verify --man=no "$TMP/custodian.service" >"$TMP/verify.log" 2>&1 ||
    { cat "$TMP/verify.log" >&2; fail "systemd-analyze verify"; }
  [ -s "$TMP/verify.log" ] && fail "systemd-analyze verify has remarks: $(head -n 3 "$TMP/verify.log")"
fi

# the container: Debian 12, a non-root user, built from the sources, the demo by default
df="$srcdir/deploy/Dockerfile"
grep -q '^FROM debian:12' "$df" || fail "the image is Debian 12"
user=$(sed -n 's/^USER //p' "$df" | tail -n 1)
case "$user" in "" | root | 0 | 0:*) fail "the image runs as a non-root user (USER $user)" ;; esac
grep -q 'make install' "$df" || fail "the image builds and installs the program"
grep -q '^CMD \["run"' "$df" || fail "the image runs the devnet demo by default"

# make distcheck, with a few tests (the whole suite runs here already)
if [ -n "${CUSTODIAN_IN_DISTCHECK:-}" ]; then
  pass
fi
# A make of its own: the suite's make passes TEST_LOGS (all the logs) down
# through MAKEFLAGS, which would run the whole suite again in the tarball.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CUSTODIAN_IN_DISTCHECK=1 make -j2 -C "$builddir" distcheck \
  TESTS="tests/unit/test_core tests/unit/test_cli tests/integration/cli.sh" >"$TMP/distcheck.log" 2>&1 ||
  { grep -E "^(FAIL|ERROR)|Error [0-9]|error:|missing" "$TMP/distcheck.log" | head -n 20 >&2; fail "make distcheck"; }
grep -q 'archives ready for distribution' "$TMP/distcheck.log" || fail "distcheck says the archive is ready"
pass
