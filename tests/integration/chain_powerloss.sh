#!/bin/sh
# Simulated power loss during a backfill. The writer runs with
# PRAGMA synchronous=NORMAL in WAL mode: a commit appends its frames to the
# -wal without an fsync; the -wal is fsynced only before a checkpoint copies
# frames into the main file. So after a power loss the main file holds what
# the checkpoints copied, and the -wal holds a prefix of its frames that at
# least covers every frame a checkpoint had started to copy (SQLite's
# nBackfillAttempted); anything after that may be lost, or be garbage.
#
# The indexer (resuming a store closed at a quarter of the chain) is frozen (SIGSTOP) at random instants and its file set copied
# (one consistent instant of the page cache). Each copy then loses an unsynced
# tail: its -wal is cut at a random frame boundary at or after
# nBackfillAttempted (read from the -shm), or a random frame there is
# overwritten with garbage while the later frames stay (writes that reached the
# disk out of order); the -shm is dropped, as a reboot loses it. SQLite's
# recovery keeps the frames up to the last commit frame before the first frame
# whose checksum or salt does not match. Each copy must then pass
# PRAGMA integrity_check, hold exactly a clean run's store at its checkpoint
# height (so the checkpoint is at a block boundary), and resume to equal a
# clean run of the whole chain.
. "${srcdir:-.}/tests/integration/chain_lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to cut the copied WAL"
python3 -c "import sqlite3" 2>/dev/null || skip "python3 without its sqlite3 module"

N=${POWERLOSS_BLOCKS:-1500}
SNAPS=8
start_devnet dn --seed 7 --blocks $N --block-time 0 --scale ${POWERLOSS_SCALE:-1}
t0=$(date +%s%N)
index_to clean.db $N --node "$URL" || fail "clean index"
t1=$(date +%s%N)
export_to clean.db clean.nq
# the snapshots are spread over about a quarter of a clean backfill's
# duration (the machine's load varies: a run may be faster than the clean one).
# POWERLOSS_BLOCKS, POWERLOSS_SCALE and POWERLOSS_STEP_MS (the mean pause
# between snapshots is half of it) make a longer run that also copies the
# store while WAL checkpoints happen.
span=$(( (t1 - t0) / 1000000 ))
[ $span -ge 200 ] || span=200
step=${POWERLOSS_STEP_MS:-$(( span / (2 * SNAPS) ))}

# cut.py COPY MODE SEED: damages the copied -wal as a power loss may;
# prints "frames kept/total lo (in use, copied)"
cat >"$TMP/cut.py" <<'EOF'
import os, random, struct, sys
db, mode, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
wal, shm = db + "-wal", db + "-shm"
lo = mx = backfilled = 0
if os.path.exists(shm) and os.path.getsize(shm) >= 136:
    with open(shm, "rb") as f:
        info = f.read(136)
    # The WAL index header (mxFrame at 16), twice, then WalCkptInfo, in
    # native byte order: nBackfill at 96, nBackfillAttempted at 128.
    mx = struct.unpack("=I", info[16:20])[0]
    backfilled = struct.unpack("=I", info[96:100])[0]
    lo = struct.unpack("=I", info[128:132])[0]
os.path.exists(shm) and os.remove(shm)
if not os.path.exists(wal) or os.path.getsize(wal) < 32:
    print("0/0 0 (no WAL)")
    sys.exit(0)
with open(wal, "r+b") as f:
    hdr = f.read(32)
    page = struct.unpack(">I", hdr[8:12])[0]
    if page == 1:
        page = 65536
    frame = 24 + page
    total = (os.path.getsize(wal) - 32) // frame
    lo = min(lo, total)
    k = rng.randint(lo, total)
    if mode == "cut" or k == total:
        f.truncate(32 + k * frame)
    else:
        f.seek(32 + k * frame + rng.randrange(frame))
        f.write(os.urandom(64))
print("%d/%d %d (in use %d, copied to the file %d)" % (k, total, lo, mx, backfilled))
EOF
cat >"$TMP/check.py" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute("PRAGMA integrity_check").fetchall()
if r != [("ok",)]:
    print("integrity_check: %r" % (r,))
    sys.exit(1)
# a cut before the commit that made the schema leaves an empty file
if c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
    print(0)
    sys.exit(0)
h = c.execute("SELECT value FROM cust_meta WHERE key = 'height'").fetchone()
print(h[0] if h else 0)
EOF

# a first run to a quarter of the chain closes the store, which folds its WAL
# into the main file: the copies then hold a main file with data, and a WAL
# that started again over it
index_to pl.db $((N / 4)) --node "$URL" || fail "first quarter"
"$CUSTODIAN" index --db "$TMP/pl.db" --until $N --node "$URL" >/dev/null 2>"$TMP/pl.log" &
pid=$!
PIDS="$PIDS $pid"
s=0
while [ $s -lt $SNAPS ]; do
  sleep "$(awk -v ms="$((1 + $(random_below $step)))" 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -STOP $pid 2>/dev/null || break
  s=$((s + 1))
  for f in pl.db pl.db-wal pl.db-shm; do
    [ -f "$TMP/$f" ] && cp "$TMP/$f" "$TMP/snap$s${f#pl}"
  done
  kill -CONT $pid
done
wait $pid || { cat "$TMP/pl.log" >&2; fail "the frozen and resumed run failed"; }
[ $s -ge 3 ] || fail "only $s snapshots before the run ended (the machine is too fast for $N blocks)"

cut=0
i=1
while [ $i -le $s ]; do
  mode=cut
  [ $((i % 2)) -eq 0 ] && mode=garble
  info=$(python3 "$TMP/cut.py" "$TMP/snap$i.db" $mode $i) || fail "cutting the WAL of copy $i"
  kept=${info%%/*}
  rest=${info#*/}
  total=${rest%% *}
  [ "$kept" -lt "$total" ] && cut=$((cut + 1))
  h=$(python3 "$TMP/check.py" "$TMP/snap$i.db") || fail "copy $i ($mode, frames $info): $h"
  echo "# copy $i: $mode, WAL frames kept/total and synced: $info, checkpoint height $h"
  if [ "$h" -gt 0 ]; then
    # the copy holds exactly the blocks up to its checkpoint
    index_to ref$i.db "$h" --node "$URL" || fail "clean index to $h"
    export_to ref$i.db ref$i.nq
    export_to snap$i.db snap$i.nq
    same ref$i.nq snap$i.nq "copy $i ($mode) at height $h equals a clean run to $h"
  fi
  index_to snap$i.db $N --node "$URL" || { cat "$TMP/snap$i.db.log" >&2; fail "resume of copy $i"; }
  if [ "$h" -gt 0 ] && [ "$h" -lt $N ]; then
    grep -q "from height $((h + 1)) " "$TMP/snap$i.db.log" ||
      fail "copy $i resumes at its checkpoint $h + 1"
  fi
  export_to snap$i.db resumed$i.nq
  same clean.nq resumed$i.nq "copy $i ($mode) resumed equals a clean run"
  rm -f "$TMP"/ref$i.* "$TMP"/snap$i.* "$TMP"/resumed$i.nq
  i=$((i + 1))
done
echo "# $s copies, $cut lost part of their WAL"
[ $cut -ge 1 ] || fail "no copy lost any WAL frame: the test did not simulate a loss"
pass
