#!/usr/bin/env bash
# Benchmark: `aaprof check` over the whole apparmor.d tree, next to
# `apparmor_parser -p` (preprocess only: include expansion, one process for
# all files) on the same files. Reports hyperfine's median of several runs.
#
#   bash benches/check.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v apparmor_parser >/dev/null || { apt-get update -qq && apt-get install -y -qq apparmor >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
root=$(cd ../shared/corpora && pwd)
cd "$root"
files=$(find apparmor.d/profiles -type f | sort)
echo "files: $(echo "$files" | wc -l) profiles of apparmor.d; $(nproc) cores"
echo "$files" > /tmp/aaprof-bench-files
hyperfine --warmup 2 --runs "$runs" --ignore-failure --export-json /tmp/aaprof-bench.json \
  -n "aaprof check" "$bin check --format concise -b apparmor.d -I apparmor.d/mappings apparmor.d/profiles" \
  -n "apparmor_parser -p" "xargs -a /tmp/aaprof-bench-files apparmor_parser -p -b apparmor.d -I apparmor.d/mappings" \
  >/dev/null
python3 - <<'PY'
import json
d = json.load(open("/tmp/aaprof-bench.json"))
for r in d["results"]:
    print(f'{r["command"]:<22} median {r["median"]*1000:8.1f} ms   min {r["min"]*1000:8.1f} ms   max {r["max"]*1000:8.1f} ms   ({len(r["times"])} runs)')
PY
