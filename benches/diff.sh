#!/usr/bin/env bash
# Benchmark: `aaprof diff` of the whole apparmor.d tree against itself
# (target: under 30 s on 2 cores), and of the upstream tree against a copy
# with one planted rule. No AppArmor tool answers this question, so there
# is no reference figure beside it; the nearest the reference does is to
# compile both trees (see benches/compile.sh for its compile time).
# Reports hyperfine's median of several runs.
#
#   bash benches/diff.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
root=$(cd ../shared/corpora && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp -r "$root/upstream" "$out/planted"
sed -i 's|^  capability |  /etc/planted-by-the-bench r,\n  capability |' "$out/planted/usr.sbin.dnsmasq"
echo "apparmor.d: $(find "$root/apparmor.d/profiles" -type f | wc -l) profile files; $(nproc) cores"
# exit 2: apparmor.d has files with errors (left out on both sides); 1: a change
hyperfine --warmup 1 --runs "$runs" --export-json "$out/bench.json" \
  -n "diff apparmor.d itself" "$bin diff -I $root/apparmor.d/mappings $root/apparmor.d $root/apparmor.d >/dev/null 2>&1 || [ \$? -eq 2 ]" \
  -n "diff upstream, one planted rule" "$bin diff $root/upstream $out/planted >/dev/null || [ \$? -eq 1 ]" \
  >/dev/null
python3 - "$out/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["results"]:
    print(f'{x["command"]:<32} median {x["median"]:7.2f} s   min {x["min"]:7.2f} s   max {x["max"]:7.2f} s   user {x["user"]:7.2f} s   ({len(x["times"])} runs)')
PY
