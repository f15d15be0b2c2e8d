#!/usr/bin/env bash
# Benchmark: how long `aaprof lsp` takes, after an edit, to publish the
# document's diagnostics (from the didChange sent to the
# publishDiagnostics received, over stdio as an editor sees it; driven by
# benches/lsp.py), for
#   - a typical apparmor.d profile (the median length of the tree's
#     profiles that include something), and
#   - a profile file of over 2,000 lines with includes (the largest
#     apparmor.d profiles, one after the other in one file);
# next to what an editor that shells out to the 6.0 reference for its
# errors pays per edit (`apparmor_parser -Q -K` of the same file, median
# of hyperfine's runs), in the same run.
#
#   bash benches/lsp.sh [EDITS]
set -euo pipefail
cd "$(dirname "$0")/.."
edits=${1:-60}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
ref=$(cd ../shared/oracle && pwd)/apparmor_parser
ad=$(cd ../shared/corpora/apparmor.d && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# the typical profile: median length among those with an include
typical=$(cd "$ad/profiles" && grep -rl '^ *include' . | xargs wc -l | grep -v ' total$' |
  sort -k1,1n -k2 | awk '{l[NR]=$2} END {print l[int((NR+1)/2)]}')
cp "$ad/profiles/$typical" "$out/typical"
# the big one: the largest profiles until 2,000 lines, one preamble
big=$out/big
: > "$big"
for f in $(cd "$ad/profiles" && find . -type f | xargs wc -l | grep -v ' total$' | sort -k1,1nr | awk '{print $2}'); do
  if [ -s "$big" ]; then
    grep -v -e '^abi <abi/' -e '^include <tunables/global>' "$ad/profiles/$f" >> "$big"
  else
    cat "$ad/profiles/$f" >> "$big"
  fi
  [ "$(wc -l < "$big")" -ge 2000 ] && break
done

echo "typical: apparmor.d/profiles/${typical#./}"
for f in "$out/typical" "$big"; do
  python3 benches/lsp.py "$bin" "$f" "$edits" --base "$ad" --include "$ad/mappings"
  hyperfine -i --style none --warmup 2 --runs 10 --export-json "$out/ref.json" \
    "$ref --config-file=/dev/null -Q -K -b $ad -I $ad/mappings $f" >/dev/null 2>&1 || true
  python3 - "$out/ref.json" "$(basename "$f")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"  reference apparmor_parser -Q -K of {sys.argv[2]}: median {r['median'] * 1000:.1f} ms per edit")
PY
done
