#!/usr/bin/env bash
# Scale benchmark (issue 11): a deterministic export of N rows of the example exam, and the
# grade/init targets timed side by side with Python's csv module reading the same file and a bare
# csv-crate parse, with peak memory. Usage: bash tools/bench/scale.sh [ROWS] (default 100000).
# Timings are medians of 3 runs; peak memory from /usr/bin/time. Not a test: it prints figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows="${1:-100000}"
dir="${BENCH_DIR:-/tmp/examgrade-bench}"
mkdir -p "$dir"
export="$dir/export-$rows.csv"
[ -f "$export" ] || python3 tools/bench/make-exports.py "$rows" "$export"
cargo build --release --quiet --bin examgrade --example csv_parse
bin=target/release/examgrade
parse=target/release/examples/csv_parse
size=$(stat -c %s "$export")

# median wall seconds and max peak KB of 3 runs of "$@"
measure() {
    local times=() peak=0
    for _ in 1 2 3; do
        if ! /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" > /dev/null 2> "$dir/stderr.txt"; then
            echo "failed: $*" >&2
            cat "$dir/stderr.txt" >&2
            exit 1
        fi
        read -r t m < "$dir/time.txt"
        times+=("$t")
        [ "$m" -gt "$peak" ] && peak=$m
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)" "$peak"
}

out="$dir/out"
read -r py _ < <(measure python3 -c "import csv,sys; sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))" "$export")
read -r crate _ < <(measure "$parse" "$export")
read -r none none_kb < <(measure "$bin" grade -q --rubric rubrics/2022-02-09.toml "$export" --out "$out" --reports none)
read -r one _ < <(measure "$bin" grade -q --rubric rubrics/2022-02-09.toml "$export" --out "$out" --reports none --jobs 1)
read -r two _ < <(measure "$bin" grade -q --rubric rubrics/2022-02-09.toml "$export" --out "$out" --reports none --jobs 2)
read -r full full_kb < <(measure "$bin" grade -q --rubric rubrics/2022-02-09.toml "$export" --out "$out")
read -r init init_kb < <(measure "$bin" init "$export")

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
echo "export: $rows rows, $((size / 1048576)) MiB ($(nproc) cores)"
echo "python csv read:            ${py} s"
echo "csv crate parse:            ${crate} s   (python / crate = $(ratio "$py" "$crate"))"
echo "grade --reports none:       ${none} s   = $(ratio "$none" "$py") x python read; peak $((none_kb / 1024)) MiB = $(ratio "$none_kb*1024" "$size") x the export"
echo "grade (md+html reports):    ${full} s   = $(ratio "$full" "$py") x python read; peak $((full_kb / 1024)) MiB"
echo "grade --jobs 1 / --jobs 2:  ${one} s / ${two} s   speed-up $(ratio "$one" "$two")"
echo "init:                       ${init} s   = $(ratio "$init" "$py") x python read; peak $((init_kb / 1024)) MiB"
