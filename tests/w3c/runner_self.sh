#!/bin/sh
# The W3C runner judges answers, not just runs them: a stand-in for custodian
# gives chosen answers, and run_w3c must call right ones right (blank nodes
# relabelled, numbers written another way) and wrong ones wrong, fail a
# known failure that passes, and tell a 400 "malformed" from an answer in the
# syntax tests.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${builddir:-$(pwd)}
runner=$builddir/tests/w3c/run_w3c
suite=$srcdir/tests/w3c/sparql11
[ -x "$runner" ] || { echo "no runner at $runner"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/custodian-w3cself.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# load makes the store file; query prints $FAKE_ANSWER, or fails as
# $FAKE_ERROR says
cat >"$work/fake" <<'EOF'
#!/bin/sh
cmd=$1
shift
if [ "$cmd" = load ]; then
  while [ $# -gt 0 ]; do
    [ "$1" = --db ] && : >"$2"
    shift
  done
  exit 0
fi
if [ -n "${FAKE_ERROR:-}" ]; then
  echo "custodian: $FAKE_ERROR" >&2
  exit 1
fi
cat "$FAKE_ANSWER"
EOF
chmod +x "$work/fake"

# run NAME KNOWN-FILE: the TAP line the runner gives for test NAME
run() {
  srcdir=$srcdir "$runner" --suite "$suite" --custodian "$work/fake" --known "$2" --only "$1" |
    grep -E '^(not )?ok ' | head -n 1
}
: >"$work/none"
printf 'aggregates/agg01\twrong: the count\n' >"$work/known"

# agg01 expects one row, ?C = 5 as xsd:integer
sed 's|#integer">5<|#decimal">5.0<|' "$suite/aggregates/agg01.srx" >"$work/decimal.srx"
sed 's|#integer">5<|#integer">6<|' "$suite/aggregates/agg01.srx" >"$work/six.srx"
sed 's|#integer">5<|#string">5<|' "$suite/aggregates/agg01.srx" >"$work/string.srx"

line=$(FAKE_ANSWER=$suite/aggregates/agg01.srx run aggregates/agg01 "$work/none")
case $line in "ok "*) ;; *) fail "the expected answer itself: $line" ;; esac
line=$(FAKE_ANSWER=$work/decimal.srx run aggregates/agg01 "$work/none")
case $line in "ok "*) ;; *) fail "5.0 as a decimal is the number 5: $line" ;; esac
line=$(FAKE_ANSWER=$work/six.srx run aggregates/agg01 "$work/none")
case $line in "not ok "*"expected solution 1 is missing"*) ;; *) fail "6 for 5: $line" ;; esac
line=$(FAKE_ANSWER=$work/string.srx run aggregates/agg01 "$work/none")
case $line in "not ok "*) ;; *) fail "the string \"5\" for the number 5: $line" ;; esac
line=$(FAKE_ANSWER=$work/six.srx run aggregates/agg01 "$work/known")
case $line in "not ok "*"# TODO known failure"*) ;; *) fail "a known failure: $line" ;; esac
line=$(FAKE_ANSWER=$suite/aggregates/agg01.srx run aggregates/agg01 "$work/known")
case $line in "not ok "*"passes now"*) ;; *) fail "a known failure that passes: $line" ;; esac
case $line in *"# TODO"*) fail "an unexpected pass must not be a TODO: $line" ;; esac

# constructlist: four RDF lists, all blank nodes; relabelled they are the
# same graph, with two lists merged into one they are not
sed 's/(:s1 :o1)/_:l1/; s/(:s2 :o1)/_:l1/' "$suite/construct/constructlistresult.ttl" \
  >"$work/merged.ttl"
printf '_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <http://example.org/s1> .\n' \
  >>"$work/merged.ttl"
line=$(FAKE_ANSWER=$suite/construct/constructlistresult.ttl run construct/constructlist "$work/none")
case $line in "ok "*) ;; *) fail "the same lists with new blank nodes: $line" ;; esac
line=$(FAKE_ANSWER=$work/merged.ttl run construct/constructlist "$work/none")
case $line in "not ok "*) ;; *) fail "two lists merged into one: $line" ;; esac

# syntax: a positive test must not be called malformed, a negative one must
line=$(FAKE_ERROR="400 malformed query: line 1: syntax error" FAKE_ANSWER=/dev/null \
  run syntax-query/test_pn_01 "$work/none")
case $line in "not ok "*) ;; *) fail "a valid query called malformed: $line" ;; esac
line=$(FAKE_ERROR="400 malformed query: line 1: syntax error" FAKE_ANSWER=/dev/null \
  run syntax-query/test_pn_bad_01 "$work/none")
case $line in "ok "*) ;; *) fail "an invalid query called malformed: $line" ;; esac
line=$(FAKE_ANSWER=$suite/aggregates/agg01.srx run syntax-query/test_pn_bad_01 "$work/none")
case $line in "not ok "*"answered"*) ;; *) fail "an invalid query answered: $line" ;; esac

[ $failures -eq 0 ] || exit 1
echo "the runner judged all 12 answers right"
