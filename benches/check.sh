#!/usr/bin/env bash
# Benchmark: `aaprof check` over the apparmor.d tree, next to the 6.0
# reference's `apparmor_parser -p` (preprocess only: include expansion,
# one process for all files) over the same files, in the same run.
# Reports hyperfine's median of several runs.
#
# The reference stops at the first profile it rejects, so the files both
# are given are the profiles the reference accepts on their own (the
# script says how many): each side reads every one of them. aaprof exits
# 1 for the errors it finds that `-p` does not look for; 2 would fail.
#
#   bash benches/check.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
ref=$(cd ../shared/oracle && pwd)/apparmor_parser
features=$(cd ../shared/conformance/features && pwd)/features.all
root=$(cd ../shared/corpora && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root"
find apparmor.d/profiles -type f | sort > "$out/all"
refp="$ref --config-file=/dev/null -M $features -Q -K -p -b apparmor.d -I apparmor.d/mappings"
# the files the reference accepts, each on its own
xargs -a "$out/all" -P 2 -I{} sh -c "$refp {} >/dev/null 2>&1 && echo {} || true" | sort > "$out/files"
echo "files: $(wc -l < "$out/files") of $(wc -l < "$out/all") profiles of apparmor.d (those the reference accepts); $(nproc) cores"
hyperfine --warmup 2 --runs "$runs" --export-json "$out/bench.json" \
  -n "aaprof check" "$bin check --format concise -M $features -b apparmor.d -I apparmor.d/mappings \$(cat $out/files) >/dev/null || [ \$? -eq 1 ]" \
  -n "apparmor_parser -p" "xargs -a $out/files $refp >/dev/null" \
  >/dev/null
python3 - "$out/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["command"]: x for x in d["results"]}
for name, x in r.items():
    print(f'{name:<22} median {x["median"]*1000:8.1f} ms   min {x["min"]*1000:8.1f} ms   max {x["max"]*1000:8.1f} ms   user {x["user"]*1000:8.1f} ms   ({len(x["times"])} runs)')
a, b = r["aaprof check"]["median"], r["apparmor_parser -p"]["median"]
print(f'speed-up: {b / a:.1f}x less wall time')
PY
