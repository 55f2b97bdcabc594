#!/bin/bash
# The whole test suite, the README's second command and what CI runs:
# installs the Debian packages (scripts/install-deps.sh; make comes with
# them), checks that every program the tests run comes from one of those
# packages (scripts/check-deps.py), builds Pontoon twice (optimized, and with
# ASan + UBSan), runs the unit tests under both, then the integration tests
# (real namespaces, veth pairs, taps) against the sanitizer build so memory
# errors under real traffic fail the run, and the benchmark's short mode.
# The integration tests and the benchmark run with a PATH holding only the
# programs scripts/programs.txt lists.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
    echo "test.sh: the integration tests build network namespaces; run as root" >&2
    exit 1
fi
scripts/install-deps.sh

echo "== dependencies: every program the tests run, and the package it comes from"
test_path="$PWD/build/test-path"
/usr/bin/python3 scripts/check-deps.py --path-dir "$test_path"

jobs=$(nproc)
echo "== build (optimized)"
make -s -j"$jobs" all tests
echo "== build (ASan + UBSan)"
make -s -j"$jobs" SAN=1 BUILD=build-asan all tests

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unit_failed=0
for build in build build-asan; do
    for t in "$build"/tests/test_*; do
        [[ "$t" == *.d ]] && continue
        echo "== unit: $t"
        "$t" || unit_failed=1
    done
done

echo "== fuzzers, 10 s each (longer runs: tests/fuzz/README.md)"
make -s fuzz
fuzz_failed=0
for f in build/fuzz/fuzz_*; do
    corpus=$(mktemp -d)
    "$f" -max_total_time=10 -max_len=70000 "$corpus" > "$corpus.log" 2>&1 || {
        tail -40 "$corpus.log"; fuzz_failed=1; }
    grep -h "^Done" "$corpus.log" | sed "s|^|$(basename "$f"): |" || true
    rm -rf "$corpus" "$corpus.log"
done

echo "== integration tests (against build-asan)"
set +e
PATH="$test_path" PONTOON_BUILD="$PWD/build-asan" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    tests/integration "$@"
integration=$?
echo "== benchmark, short mode (proves it runs; figures are not asserted)"
bench_status=0
PATH="$test_path" bench/run --quick --no-make --build "$PWD/build" || bench_status=$?
set -e
if [ "$bench_status" != 0 ]; then
    echo "test.sh: the benchmark failed to run" >&2
    exit 1
fi
if [ "$fuzz_failed" != 0 ]; then
    echo "test.sh: a fuzzer found a crash" >&2
    exit 1
fi
if [ "$unit_failed" != 0 ]; then
    echo "test.sh: unit tests failed" >&2
    exit 1
fi
exit "$integration"
