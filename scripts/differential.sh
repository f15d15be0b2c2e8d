#!/bin/sh
# The big differential run: mutants of the conformance cases and upstream
# profiles, check's verdict against the 6.0 reference's, in chunks of
# CHUNK mutants with seeds 1, 2, ... (tests/it/differential.rs).
# The reference's verdicts are kept in target/differential/reference-cache,
# so a second run after a fix only runs check again.
#   scripts/differential.sh [TOTAL] [CHUNK]
set -eu
cd "$(dirname "$0")/.."
total=${1:-100000}
chunk=${2:-10000}
out=target/differential
mkdir -p "$out"
# the test binary is copied, so that editing the tree during a run of an
# hour does not change what runs
bin=$(cargo test --test it --no-run 2>&1 | sed -n 's/.*(\(target\/[^)]*\/it-[0-9a-f]*\)).*/\1/p' | head -n 1)
cp "$bin" "$out/it-bin"
seed=1
done_=0
while [ "$done_" -lt "$total" ]; do
    AAPROF_MUTANTS=$chunk AAPROF_MUTANT_SEED=$seed \
    AAPROF_REFERENCE_CACHE="$out/reference-cache" \
    AAPROF_DISAGREEMENTS="$out/disagreements-$seed.txt" \
        "$out/it-bin" differential::mutants_get_the_reference_verdict --nocapture \
        >"$out/run-$seed.log" 2>&1 || true
    grep -E '^ +[0-9]+  |^differential:' "$out/run-$seed.log" || true
    done_=$((done_ + chunk))
    seed=$((seed + 1))
done
