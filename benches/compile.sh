#!/usr/bin/env bash
# Benchmark: `aaprof compile` of the apparmor.d tree in one process
# (profiles compiled in parallel on every core, includes read and parsed
# once) next to the 6.0 reference compiling the same profiles one process
# per profile, two at a time, in the same run. Both compile for
# features.all and write the binary policy (-S) to files. Reports
# hyperfine's median of several runs, each side's peak memory (taken in
# the timed runs) and aaprof's cost per stage.
#
# The profiles compared are those of the tree that aaprof compiles (the
# few it refuses have errors `check` reports); the script says how many.
#
#   bash benches/compile.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
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
# the profiles aaprof compiles: those it writes an output for
mkdir -p "$out/probe"
"$bin" compile -M "$features" -b apparmor.d -I apparmor.d/mappings --out-dir "$out/probe" $(cat "$out/all") 2>/dev/null || true
while read -r f; do
  [ -s "$out/probe/$(basename "$f")" ] && echo "$f"
done < "$out/all" > "$out/files"
n=$(wc -l < "$out/files")
echo "profiles: $n of $(wc -l < "$out/all") in apparmor.d (those aaprof compiles); $(nproc) cores"
mkdir -p "$out/ours" "$out/theirs"
# each process's peak memory is taken in the timed runs themselves
# (/usr/bin/time appends it to a file: a negligible cost)
ours="/usr/bin/time -a -o $out/our-rss -f %M $bin compile -M $features -b apparmor.d -I apparmor.d/mappings --out-dir $out/ours \$(cat $out/files)"
theirs="xargs -a $out/files -P 2 -I{} sh -c '/usr/bin/time -a -o $out/ref-rss -f \"%M {}\" $ref --config-file=/dev/null -M $features -K -Q -S -b apparmor.d -I apparmor.d/mappings {} > $out/theirs/\$(basename {})'"
# the probe above read every file: the page cache is warm
hyperfine --warmup 0 --runs "$runs" --export-json "$out/bench.json" \
  -n "aaprof compile" "$ours" \
  -n "apparmor_parser -S (2 at a time)" "$theirs" >/dev/null
python3 - "$out/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["command"]: x for x in d["results"]}
for name, x in r.items():
    print(f'{name:<34} median {x["median"]:8.2f} s   min {x["min"]:8.2f} s   max {x["max"]:8.2f} s   user {x["user"]:8.2f} s   ({len(x["times"])} runs)')
a, b = r["aaprof compile"]["median"], r["apparmor_parser -S (2 at a time)"]["median"]
print(f'speed-up: {b / a:.1f}x less wall time')
PY
sort -n "$out/our-rss" | tail -1 | awk '{print "aaprof compile peak RSS: " $1 " KB (one process)"}'
# the reference's two processes together: at most the two largest
# profiles' peaks (each profile's largest over the runs)
# (awk, not head, takes the two: head would end the pipe early, and
# under pipefail sort's SIGPIPE would end the script before the stages)
sort -k2,2 -k1,1nr "$out/ref-rss" | sort -u -k2,2 | sort -nr | awk 'NR <= 2' |
  awk '{s += $1; if (NR == 1) m = $1} END {print "apparmor_parser peak RSS: " m " KB in one process; two at a time up to " s " KB (the two largest profiles)"}'
# aaprof's cost per stage, and the files that cost most
sh -c "$bin compile --timings -M $features -b apparmor.d -I apparmor.d/mappings --out-dir $out/ours \$(cat $out/files)" 2>&1 >/dev/null | grep -A13 "^aaprof compile:"
