#!/usr/bin/env bash
# Run the upstream conformance cases the way upstream's harness does (policy on
# stdin, cwd = tst/, -I tst/simple_tests, -M features/features.all) and print
# the cases whose verdict disagrees with #=EXRESULT.
# Usage: scripts/conformance.sh [SUBDIR-OF-simple_tests ...]   (default: all)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${AAPROF:-$here/target/release/aaprof}
tst=$(cd "$here/../shared/conformance/tst" && pwd)
feat=$(cd "$here/../shared/conformance/features" && pwd)/features.all
cd "$tst"
dirs=("$@"); [ ${#dirs[@]} -eq 0 ] && dirs=(.)
agree=0; disagree=0
while IFS= read -r f; do
  exp=$(grep -m1 '^#=EXRESULT' "$f" | awk '{print $2}' | tr -d '\r')
  grep -q '^#=DISABLED' "$f" && continue
  out=$(grep -v "^#=" "$f" | "$bin" check --format concise -I "$tst/simple_tests" -b "$tst/simple_tests" -M "$feat" - 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then got=PASS; else got=FAIL; fi
  if [ "$got" = "$exp" ]; then agree=$((agree+1)); else disagree=$((disagree+1)); echo "$f expected=$exp got=$got rc=$rc :: $(echo "$out" | head -2 | tr '\n' ' ')"; fi
done < <(for d in "${dirs[@]}"; do find "simple_tests/$d" -name '*.sd' | sort; done)
echo "agree=$agree disagree=$disagree"
