#!/bin/sh
# custodian devnet is deterministic: the same seed gives byte-identical
# blocks across runs and across dialects (only the results' shape differs),
# another seed gives another chain, and --manifest writes what
# /devnet/manifest serves.
. "${srcdir:-.}/tests/integration/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl is not installed"

run() {
  name=$1; shift
  start_listening "$name" "$CUSTODIAN" devnet --listen 127.0.0.1:0 --blocks 60 --block-time 0 "$@"
  h=1
  while [ $h -le 60 ]; do
    curl -sf "$URL/block?height=$h" >>"$TMP/$name.blocks" || fail "$name: /block?height=$h"
    echo >>"$TMP/$name.blocks"
    curl -sf "$URL/block_results?height=$h" >>"$TMP/$name.results" ||
      fail "$name: /block_results?height=$h"
    echo >>"$TMP/$name.results"
    h=$((h + 1))
  done
  curl -sf "$URL/blockchain?minHeight=41&maxHeight=60" >"$TMP/$name.metas" || fail "$name: metas"
  curl -sf "$URL/devnet/manifest?height=60" >"$TMP/$name.manifest" || fail "$name: manifest"
}

run a --seed 42 --manifest "$TMP/a.file.json"
run b --seed 42
run c --seed 42 --dialect 0.34
run d --seed 43
run e --seed 42 --ontology okp4-v3
run f --seed 42 --ontology okp4-v3
run g --seed 42 --ontology axone-v5
run h --seed 42 --ontology axone-v5

cmp -s "$TMP/a.blocks" "$TMP/b.blocks" || fail "two runs with the same seed give the same blocks"
cmp -s "$TMP/a.results" "$TMP/b.results" || fail "two runs give the same results"
cmp -s "$TMP/a.metas" "$TMP/b.metas" || fail "two runs give the same /blockchain"
cmp -s "$TMP/a.blocks" "$TMP/c.blocks" || fail "the 0.34 dialect serves the same blocks"
cmp -s "$TMP/a.results" "$TMP/c.results" && fail "the 0.34 results have another shape"
cmp -s "$TMP/a.blocks" "$TMP/d.blocks" && fail "another seed gives another chain"
grep -q "\"kind\":\"credential\"" "$TMP/a.manifest" || fail "the manifest lists credentials"
# the manifest file covers --blocks 60, as /devnet/manifest?height=60 does
cmp -s "$TMP/a.file.json" "$TMP/a.manifest" || fail "--manifest writes what /devnet/manifest serves"
cmp -s "$TMP/a.manifest" "$TMP/b.manifest" || fail "the manifest is deterministic"
# tx bytes in the 0.34 chain equal those of the 0.38 one: same hashes in both manifests
# (the manifests differ only in their "dialect" field)
sed 's/"dialect":"0.34"/"dialect":"0.38"/' "$TMP/c.manifest" | cmp -s - "$TMP/a.manifest" ||
  fail "the 0.34 manifest equals the 0.38 one but for the dialect"
# each ontology version is deterministic, and speaks its own vocabulary
for v in e:f g:h; do
  x=${v%:*}; y=${v#*:}
  cmp -s "$TMP/$x.blocks" "$TMP/$y.blocks" || fail "--ontology: two runs give the same blocks ($x)"
  cmp -s "$TMP/$x.manifest" "$TMP/$y.manifest" || fail "--ontology: the same manifest ($x)"
  cmp -s "$TMP/$x.blocks" "$TMP/a.blocks" && fail "--ontology: another version, another chain ($x)"
done
grep -q '"ontology":"okp4-v3"' "$TMP/e.manifest" || fail "the manifest names okp4-v3"
grep -q 'okp4/ontology/v3/schema/credential/digital-service/execution-result/DigitalServiceExecutionResultCredential' \
  "$TMP/e.manifest" || fail "okp4-v3: results of digital-service/"
grep -q 'axone/ontology/v4/' "$TMP/e.manifest" && fail "okp4-v3: no axone v4 IRI"
grep -q '"ontology":"axone-v4"' "$TMP/a.manifest" || fail "the default is axone-v4"
grep -q 'axone/ontology/v5/schema/core/assertion/AssertionCredential' "$TMP/g.manifest" \
  || fail "axone-v5: assertions"
pass
