#!/usr/bin/env bash
# Benchmark: `aaprof k8s check` on a generated stream of 10,000 workload
# documents (every workload kind, annotations and fields, a few mistakes)
# against a generated profile tree of 1,000 profiles (each including the
# upstream base abstraction) and a node's loaded-profile list. Reports
# hyperfine's median of several runs, and the same stream without the
# profile cross-check.
#
#   bash benches/k8s.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/aaprof
base=$(cd ../shared/corpora/upstream && pwd)
work=${TMPDIR:-/tmp}/aaprof-k8s-bench
rm -rf "$work" && mkdir -p "$work/profiles"
python3 - "$work" <<'PY'
import sys, os
work = sys.argv[1]
N_PROFILES, N_DOCS = 1000, 10000
with open(f"{work}/loaded.txt", "w") as loaded:
    for i in range(N_PROFILES):
        mode = "complain" if i % 100 == 0 else "enforce"
        flags = "attach_disconnected, complain" if mode == "complain" else "attach_disconnected"
        with open(f"{work}/profiles/bench-{i:04d}", "w") as f:
            f.write(f"""abi <abi/3.0>,
include <tunables/global>

profile bench-{i:04d} flags=({flags}) {{
  include <abstractions/base>
  network inet stream,
  capability net_bind_service,
  /srv/app-{i}/** r,
  /var/log/app-{i}/* w,
  deny /etc/shadow r,
}}
""")
        loaded.write(f"bench-{i:04d} ({mode})\n")
kinds = [
    ("v1", "Pod", []),
    ("apps/v1", "Deployment", ["spec", "template"]),
    ("apps/v1", "StatefulSet", ["spec", "template"]),
    ("apps/v1", "DaemonSet", ["spec", "template"]),
    ("batch/v1", "Job", ["spec", "template"]),
    ("batch/v1", "CronJob", ["spec", "jobTemplate", "spec", "template"]),
]
out = []
for d in range(N_DOCS):
    api, kind, path = kinds[d % len(kinds)]
    prof = f"bench-{d % N_PROFILES:04d}"
    # one document in a hundred names a profile that does not exist
    if d % 100 == 7:
        prof = f"bench-{d % N_PROFILES:04d}x"
    lines = ["---", f"# Source: chart/templates/{kind.lower()}-{d}.yaml",
             f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: w{d}",
             "  namespace: bench", "  labels:", f"    app: w{d}"]
    ind = ""
    for i, k in enumerate(path):
        lines.append(f"{ind}{k}:")
        if i == 0 and kind == "CronJob":
            lines.append(f'{ind}  schedule: "0 * * * *"')
        ind += "  "
    pod = []
    pod.append("metadata:" if path else None)
    body = [f"{ind}metadata:", f"{ind}  labels:", f"{ind}    app: w{d}"] if path else []
    if d % 3 == 0:
        body += [f"{ind}  annotations:" if path else "  annotations:",
                 f"{ind}    container.apparmor.security.beta.kubernetes.io/app: localhost/{prof}"]
    if not path and d % 3 == 0:
        # a Pod's annotations belong in its own metadata
        lines[-2:-2] = []
        lines.insert(9, "  annotations:")
        lines.insert(10, f"    container.apparmor.security.beta.kubernetes.io/app: localhost/{prof}")
        body = []
    body += [f"{ind}spec:", f"{ind}  containers:",
             f"{ind}  - name: app", f"{ind}    image: registry.example/app:{d}",
             f"{ind}    ports:", f"{ind}    - containerPort: 8080",
             f"{ind}    securityContext:", f"{ind}      runAsNonRoot: true"]
    if d % 3 != 0:
        body += [f"{ind}      appArmorProfile:", f"{ind}        type: Localhost",
                 f"{ind}        localhostProfile: {prof}"]
    body += [f"{ind}  - name: sidecar", f"{ind}    image: registry.example/proxy:1",
             f"{ind}    securityContext:", f"{ind}      appArmorProfile:",
             f"{ind}        type: RuntimeDefault"]
    out += lines + body
open(f"{work}/stream.yaml", "w").write("\n".join(out) + "\n")
PY
echo "stream: $(grep -c '^kind:' "$work/stream.yaml") documents, $(wc -c <"$work/stream.yaml") bytes; profiles: $(ls "$work/profiles" | wc -l); $(nproc) cores"
"$bin" k8s check --format concise --profiles "$work/profiles" -b "$base" --loaded "$work/loaded.txt" "$work/stream.yaml" \
  | awk '{ split($2, a, "[][]"); n[a[2]]++ } END { for (c in n) printf "  %s: %d findings\n", c, n[c] }' | sort || true
hyperfine --warmup 2 --runs "$runs" --ignore-failure --export-json "$work/bench.json" \
  -n "k8s check, profiles + loaded" "$bin k8s check --format concise --profiles $work/profiles -b $base --loaded $work/loaded.txt $work/stream.yaml" \
  -n "k8s check, manifests only" "$bin k8s check --format concise $work/stream.yaml" \
  >/dev/null
python3 - "$work/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    print(f'{r["command"]:<30} median {r["median"]*1000:8.1f} ms   min {r["min"]*1000:8.1f} ms   max {r["max"]*1000:8.1f} ms   ({len(r["times"])} runs)')
PY
