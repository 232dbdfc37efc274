#!/bin/sh
# Quick start: install what is missing, build, and run Custodian on the
# embedded devnet (a simulated OKP4 chain), serving the dashboard.
# Arguments are passed to "custodian run" (e.g. --listen 127.0.0.1:9090).
set -eu
top=$(cd "$(dirname "$0")" && pwd)
"$top/scripts/setup.sh"
exec "$top/build/custodian" run "$@"
