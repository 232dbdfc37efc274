# Helpers of the chain_*.sh tests (sourced, not run): devnets on port 0 and
# indexing into stores under $TMP.
. "${srcdir:-.}/tests/integration/lib.sh"

# start_devnet NAME ARGS...: a devnet on a free port; sets URL.
start_devnet() {
  dn_name=$1; shift
  : >"$TMP/$dn_name.out" # so that the first look for the address finds a file
  start_listening "$dn_name" "$CUSTODIAN" devnet --listen 127.0.0.1:0 "$@"
}

# index_to DB HEIGHT ARGS...: indexes into $TMP/DB until HEIGHT, quietly;
# the log is in $TMP/DB.log. Returns the exit code.
index_to() {
  ix_db=$1; ix_until=$2; shift 2
  "$CUSTODIAN" index --db "$TMP/$ix_db" --until "$ix_until" "$@" >"$TMP/$ix_db.out" 2>"$TMP/$ix_db.log"
}

# export_to DB FILE: the sorted N-Quads of $TMP/DB into $TMP/FILE.
export_to() {
  "$CUSTODIAN" export --db "$TMP/$1" >"$TMP/$2" || fail "export of $1"
}

# same FILE1 FILE2 WHAT: fails with a diff excerpt unless identical.
same() {
  if ! cmp -s "$TMP/$1" "$TMP/$2"; then
    diff "$TMP/$1" "$TMP/$2" | head -n 10 >&2
    fail "$3"
  fi
}

# A random whole number in [0, $1).
random_below() {
  od -An -N2 -tu2 /dev/urandom | awk -v n="$1" '{ print $1 % n }'
}

# error_lines FILE: how many lines of FILE are not log lines (errors are
# printed as "custodian: what", log lines as "custodian: LEVEL: what").
error_lines() {
  grep -v -c -E '^([0-9T:.-]+Z )?custodian: (info|warning|debug): ' "$1"
}
