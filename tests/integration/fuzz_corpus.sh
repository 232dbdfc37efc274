#!/bin/sh
# Every fuzz target replays its corpus seeds under the sanitizers: the inputs
# that once found a bug keep being checked without libFuzzer.
. "${srcdir:-.}/tests/integration/lib.sh"
for t in tx mapper chain address parse; do
  bin="$builddir/tests/fuzz/replay_$t"
  [ -x "$bin" ] || fail "replay_$t was not built"
  out=$("$bin" "$srcdir/tests/fuzz/corpus_$t" 2>&1) || { echo "$out" | tail -n 20 >&2; fail "corpus of fuzz_$t"; }
  echo "$out" | grep -q "replayed [1-9]" || fail "corpus of fuzz_$t is empty"
done
pass
