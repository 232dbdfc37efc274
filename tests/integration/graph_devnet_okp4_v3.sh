#!/bin/sh
# graph_devnet.sh on a chain whose credentials speak okp4 v3 (execution
# orders and results of digital-service/, parameters and outcomes).
ONTOLOGY=okp4-v3
. "${srcdir:-.}/tests/integration/graph_devnet.sh"
