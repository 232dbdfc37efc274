# Starting Virtuoso (Debian's virtuoso-opensource) in a directory of its
# own on free loopback ports, for the mirror's test and benchmark (sourced,
# not run). Set VDIR first; sets VPORT (isql), HPORT (HTTP), VPID, SPARQL.

virtuoso_free_port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000)); }

virtuoso_ini() {
  cat >"$VDIR/virtuoso.ini" <<EOINI
[Database]
DatabaseFile = $VDIR/v.db
ErrorLogFile = $VDIR/v.log
LockFile = $VDIR/v.lck
TransactionFile = $VDIR/v.trx
xa_persistent_file = $VDIR/v.pxa
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = $VDIR/v-temp.db
TransactionFile = $VDIR/v-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:$VPORT
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = ${VIRTUOSO_BUFFERS:-10000}
MaxDirtyBuffers = ${VIRTUOSO_DIRTY:-6000}
DirsAllowed = $VDIR
[HTTPServer]
ServerPort = 127.0.0.1:$HPORT
ServerRoot = $VDIR
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 120
EOINI
}

# virtuoso_start: starts it on its files (VPORT, HPORT kept) and waits for
# isql and HTTP to answer; 1 when it does not come up.
virtuoso_start() {
  (cd "$VDIR" && exec virtuoso-t +foreground +configfile "$VDIR/virtuoso.ini") >>"$VDIR/out" 2>&1 &
  VPID=$!
  w=0
  until isql-vt "127.0.0.1:$VPORT" dba dba exec='status();' >/dev/null 2>&1; do
    kill -0 $VPID 2>/dev/null || return 1
    w=$((w + 1)); [ $w -lt 600 ] || return 1
    sleep 0.1
  done
  w=0
  until curl -s -o /dev/null "http://127.0.0.1:$HPORT/sparql"; do
    w=$((w + 1)); [ $w -lt 300 ] || return 1
    sleep 0.1
  done
}

# virtuoso_new: a new database on free ports (a few tries), SPARQL Update
# granted to the endpoint's anonymous user "SPARQL"; 1 on failure.
virtuoso_new() {
  mkdir -p "$VDIR"
  vtries=0
  while :; do
    VPORT=$(virtuoso_free_port); HPORT=$(virtuoso_free_port)
    virtuoso_ini
    virtuoso_start && break
    kill -9 $VPID 2>/dev/null; wait $VPID 2>/dev/null
    rm -f "$VDIR"/v*.db "$VDIR"/v*.trx "$VDIR"/v.lck
    vtries=$((vtries + 1))
    [ $vtries -lt 4 ] || return 1
  done
  SPARQL=http://127.0.0.1:$HPORT/sparql
  isql-vt "127.0.0.1:$VPORT" dba dba exec='GRANT SPARQL_UPDATE TO "SPARQL";' >/dev/null 2>&1
}
