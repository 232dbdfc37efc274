#!/bin/sh
# The command line: help, version, usage errors and exit codes.
. "${srcdir:-.}/tests/integration/lib.sh"

out=$("$CUSTODIAN" --help) || fail "--help exits 0"
echo "$out" | grep -q "export" || fail "--help lists the commands"
"$CUSTODIAN" version | grep -q "^custodian " || fail "version prints the version"
"$CUSTODIAN" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no command is a usage error (2)"
err=$("$CUSTODIAN" frobnicate 2>&1); [ $? -eq 2 ] || fail "unknown command exits 2"
echo "$err" | grep -q 'unknown command "frobnicate"' || fail "unknown command is named: $err"
err=$("$CUSTODIAN" export --nope 2>&1); [ $? -eq 2 ] || fail "unknown option exits 2"
echo "$err" | grep -q -- '--nope' || fail "unknown option is named: $err"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "a usage error is one line"
"$CUSTODIAN" export --help | grep -q -- "--graph" || fail "command help lists options"
# the option column fits the command's longest option name
"$CUSTODIAN" run --help | grep -q -- '^  --mirror-graph-store URL' || fail "run --help: long names keep a column"
"$CUSTODIAN" run --help | grep -q -- '^  --mirror             URL' || fail "run --help: the column is the same for all"
pass
