#!/usr/bin/env bash
# Benchmark: `aaprof lint` with every rule on (style rules included) over
# the whole apparmor.d tree (files in parallel, includes parsed once and
# shared), next to `aaprof check` on the same files. Reports hyperfine's
# median of several runs.
#
#   bash benches/lint.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
root=$(cd ../shared/corpora && pwd)
cd "$root"
echo "files: $(find apparmor.d/profiles -type f | wc -l) profile files of apparmor.d; $(nproc) cores"
hyperfine --warmup 2 --runs "$runs" --ignore-failure --export-json /tmp/aaprof-lint-bench.json \
  -n "aaprof lint (all rules)" "$bin lint --no-config --select all --format concise -b apparmor.d -I apparmor.d/mappings apparmor.d/profiles" \
  -n "aaprof lint (default rules)" "$bin lint --no-config --format concise -b apparmor.d -I apparmor.d/mappings apparmor.d/profiles" \
  -n "aaprof check" "$bin check --format concise -b apparmor.d -I apparmor.d/mappings apparmor.d/profiles" \
  >/dev/null
python3 - <<'PY'
import json
d = json.load(open("/tmp/aaprof-lint-bench.json"))
for r in d["results"]:
    print(f'{r["command"]:<30} median {r["median"]*1000:8.1f} ms   min {r["min"]*1000:8.1f} ms   max {r["max"]*1000:8.1f} ms   ({len(r["times"])} runs)')
PY
