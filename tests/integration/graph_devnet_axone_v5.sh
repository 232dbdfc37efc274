#!/bin/sh
# graph_devnet.sh on a chain whose credentials speak axone v5 (assertions
# and profiles only: statements with PROV-O predicates, scopes as zones).
ONTOLOGY=axone-v5
. "${srcdir:-.}/tests/integration/graph_devnet.sh"
