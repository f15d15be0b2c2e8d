#!/usr/bin/env bash
# Benchmark: `aaprof fmt --check` over the whole apparmor.d tree, and
# `aaprof emit` of every apparmor.d profile (one process, --out-dir), next
# to `apparmor_parser -p` (preprocess only: include expansion, one process)
# on the same profiles. Reports hyperfine's median of several runs.
#
#   bash benches/fmt.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v apparmor_parser >/dev/null || { apt-get update -qq && apt-get install -y -qq apparmor >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
root=$(cd ../shared/corpora && pwd)
cd "$root"
find apparmor.d/profiles -type f | sort > /tmp/aaprof-fmt-bench-files
echo "tree: $(find apparmor.d -type f | wc -l) files; profiles: $(wc -l < /tmp/aaprof-fmt-bench-files); $(nproc) cores"
rm -rf /tmp/aaprof-emit-out
hyperfine --warmup 1 --runs "$runs" --ignore-failure --export-json /tmp/aaprof-fmt-bench.json \
  -n "aaprof fmt --check (whole tree)" "$bin fmt --check apparmor.d" \
  -n "aaprof emit (every profile)" "xargs -a /tmp/aaprof-fmt-bench-files $bin emit -b apparmor.d -I apparmor.d/mappings --out-dir /tmp/aaprof-emit-out" \
  -n "apparmor_parser -p (every profile)" "xargs -a /tmp/aaprof-fmt-bench-files apparmor_parser -p -b apparmor.d -I apparmor.d/mappings" \
  >/dev/null
python3 - <<'PY'
import json
d = json.load(open("/tmp/aaprof-fmt-bench.json"))
for r in d["results"]:
    print(f'{r["command"]:<36} median {r["median"]*1000:9.1f} ms   min {r["min"]*1000:9.1f} ms   max {r["max"]*1000:9.1f} ms   ({len(r["times"])} runs)')
PY
