#!/bin/sh
# custodian rewards and custody on the command line: usage errors, a missing
# store, an unknown execution or resource (exit 1, one line on stderr).
. "${srcdir:-.}/tests/integration/lib.sh"

"$CUSTODIAN" rewards --db "$TMP/none.db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "rewards without --execution exits 2"
err=$("$CUSTODIAN" rewards --db "$TMP/none.db" --execution urn:x 2>&1); [ $? -eq 1 ] || fail "a missing store exits 1"
echo "$err" | grep -q 'none.db' || fail "a missing store is named: $err"
"$CUSTODIAN" custody --db "$TMP/none.db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "custody without --resource exits 2"
err=$("$CUSTODIAN" custody --db "$TMP/none.db" --resource urn:x --direction sideways 2>&1); [ $? -eq 2 ] || fail "a bad direction exits 2"
echo "$err" | grep -q 'sideways' || fail "a bad direction is named: $err"
err=$("$CUSTODIAN" custody --db "$TMP/none.db" --resource urn:x --depth abc 2>&1); [ $? -eq 2 ] || fail "a bad depth exits 2"
pass
