#!/usr/bin/env bash
# Runs the libFuzzer targets of Fuzz/ for SECONDS each: `scripts/fuzz.sh SECONDS [TARGET...]`.
# Targets: template envfile target envsubst bash tree (all by default). Builds Fuzz/ with
# -sanitize=fuzzer,address into .fuzz/, starts each target from a copy of its checked-in corpus
# (Fuzz/Corpus/TARGET), prints one line per target with its executions and failures, and exits 1
# when any target crashed, hung, leaked past its memory limit or found a difference with its oracle.
# FUZZ_SEED fixes libFuzzer's seed: `make fuzz-short` (inside `make test`) sets it, so that every CI
# run explores the same inputs from the checked-in corpus, and a new finding fails `make fuzz`, never
# a CI run at random.
# Failing inputs are kept as .fuzz/artifacts/TARGET/crash-*: replay one with
#   .fuzz/build/release/fuzz-TARGET .fuzz/artifacts/TARGET/crash-...
set -euo pipefail

seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
((${#targets[@]})) || targets=(template envfile target envsubst bash tree)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/.fuzz
swift=${SWIFT:-swift}

"$root/scripts/install-deps.sh" oracles

# The toolchain's gold linker fails on libFuzzer's objects (an internal error in its DWARF reader);
# lld links them. A toolset is the one way to hand a swiftc flag to SwiftPM's link step.
mkdir -p "$work"
cat >"$work/toolset.json" <<'JSON'
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": ["-sanitize=fuzzer,address", "-use-ld=lld"] }
}
JSON
echo "fuzz: building the targets" >&2
(cd "$root/Fuzz" && "$swift" build -c release --scratch-path "$work/build" --toolset "$work/toolset.json" \
    2>&1 | grep -v '^\[' >&2)
bin=$(cd "$root/Fuzz" && "$swift" build -c release --scratch-path "$work/build" \
    --toolset "$work/toolset.json" --show-bin-path)

failed=0
summary=()
for target in "${targets[@]}"; do
    corpus=$work/corpus/$target
    artifacts=$work/artifacts/$target
    log=$work/$target.log
    mkdir -p "$corpus" "$artifacts"
    # The working corpus grows across runs; the checked-in seeds are always in it.
    cp -n "$root/Fuzz/Corpus/$target/"* "$corpus/"
    echo "fuzz: $target for ${seconds}s (log: ${log#"$root"/})" >&2
    stamp=$work/$target.start
    touch "$stamp"
    status=0
    # -timeout: an input running longer is a hang; -rss_limit_mb: a blow-up is a failure too.
    # Leak checking is off: Swift's runtime keeps metadata caches for the life of the process. Swift's
    # own crash backtracer is off: under ASan it faults while reading the crashed process's memory.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$bin/fuzz-$target" "$corpus" \
        ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    failures=$(find "$artifacts" -newer "$stamp" -type f \( -name 'crash-*' -o -name 'timeout-*' \
        -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    if ((status != 0)) && ((failures == 0)); then failures=1; fi
    line=$(printf '%-9s %5ss  %10s executions  %s failures' "$target" "$seconds" "${runs:-?}" "$failures")
    summary+=("$line")
    if ((failures)); then
        failed=1
        grep -A12 -E 'FUZZ FAILURE|ERROR: (AddressSanitizer|libFuzzer)|==[0-9]+==' "$log" | head -40 >&2 || true
    fi
done

echo "fuzz: summary (target, seconds, executions, crashes + hangs + differences)"
printf '%s\n' "${summary[@]}"
exit "$failed"
