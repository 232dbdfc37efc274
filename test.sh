#!/bin/sh
# Install what is missing, build with AddressSanitizer and UBSan, and run the
# whole test suite. The build lives in ./build-check so that ./run.sh keeps its
# own optimised one.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
CUSTODIAN_BUILD="$top/build-check" "$top/scripts/setup.sh" --enable-sanitizers --enable-werror \
  CFLAGS="-O1 -g"
cd "$top/build-check"
status=0
make -j"$(nproc)" check || status=$?
if [ $status -ne 0 ]; then
  for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null); do
    echo "==== ${f%.trs}.log"
    tail -n 60 "${f%.trs}.log"
  done
fi
exit $status
