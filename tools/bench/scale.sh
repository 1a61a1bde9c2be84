#!/usr/bin/env bash
# Scale benchmark (issue 11): deterministic exports of N rows of the example exam — the seed's
# answers repeated, and the same with every free-text and summary answer varied (--distinct: the
# case where no score can be shared) — and the grade/init targets timed side by side with
# Python's csv module reading the same file and a bare csv-crate parse, with peak memory.
# Usage: bash tools/bench/scale.sh [ROWS] (default 100000). BENCH_1M=1 also grades 1,000,000
# rows once (2.6 GB; about two minutes) for peak memory.
# Timings are medians of 3 runs; peak memory from /usr/bin/time. Not a test: it prints figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows="${1:-100000}"
dir="${BENCH_DIR:-/tmp/examgrade-bench}"
mkdir -p "$dir"
export="$dir/export-$rows.csv"
distinct="$dir/distinct-$rows.csv"
[ -f "$export" ] || python3 tools/bench/make-exports.py "$rows" "$export"
[ -f "$distinct" ] || python3 tools/bench/make-exports.py --distinct "$rows" "$distinct"
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
g=("$bin" grade -q --rubric rubrics/2022-02-09.toml --out "$out")
read -r py _ < <(measure python3 -c "import csv,sys; sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))" "$export")
read -r crate _ < <(measure "$parse" "$export")
read -r doc doc_kb < <(measure "${g[@]}" "$export" --reports none)
read -r nojson nojson_kb < <(measure "${g[@]}" "$export" --reports none --json none)
read -r lines _ < <(measure "${g[@]}" "$export" --reports none --json lines)
read -r one _ < <(measure "${g[@]}" "$export" --reports none --json none --jobs 1)
read -r two _ < <(measure "${g[@]}" "$export" --reports none --json none --jobs 2)
read -r done _ < <(measure "${g[@]}" "$distinct" --reports none --json none --jobs 1)
read -r dtwo dtwo_kb < <(measure "${g[@]}" "$distinct" --reports none --json none --jobs 2)
read -r full full_kb < <(measure "${g[@]}" "$export" --reports md,html)
read -r zipped zipped_kb < <(measure "${g[@]}" "$export" --reports zip)
read -r init init_kb < <(measure "$bin" init "$export")
"${g[@]}" "$export" --reports none > /dev/null 2>&1
json_mib=$(( $(stat -c %s "$out/grades.json") / 1048576 ))

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
echo "export: $rows rows, $((size / 1048576)) MiB ($(nproc) cores); grades.json is $json_mib MiB"
echo "python csv read:                    ${py} s"
echo "csv crate parse:                    ${crate} s   (python / crate = $(ratio "$py" "$crate"))"
echo "grade --reports none:               ${doc} s   = $(ratio "$doc" "$py") x python read; peak $((doc_kb / 1024)) MiB = $(ratio "$doc_kb*1024" "$size") x the export"
echo "  ... --json lines:                 ${lines} s"
echo "  ... --json none:                  ${nojson} s   = $(ratio "$nojson" "$py") x python read; peak $((nojson_kb / 1024)) MiB"
echo "  ... --json none, jobs 1 / 2:      ${one} s / ${two} s   speed-up $(ratio "$one" "$two")"
echo "  distinct answers, jobs 1 / 2:     ${done} s / ${dtwo} s   speed-up $(ratio "$done" "$dtwo"); peak $((dtwo_kb / 1024)) MiB"
echo "grade --reports md,html (files):    ${full} s   = $(ratio "$full" "$py") x python read; peak $((full_kb / 1024)) MiB"
echo "grade --reports zip (default >5000): ${zipped} s   = $(ratio "$zipped" "$py") x python read; peak $((zipped_kb / 1024)) MiB"
echo "init:                               ${init} s   = $(ratio "$init" "$py") x python read; peak $((init_kb / 1024)) MiB"
if [ "${BENCH_1M:-}" = 1 ]; then
    big="$dir/export-1000000.csv"
    [ -f "$big" ] || python3 tools/bench/make-exports.py 1000000 "$big"
    /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$bin" grade -q --rubric rubrics/2022-02-09.toml "$big" --out "$out" --reports none > /dev/null
    read -r t m < "$dir/time.txt"
    echo "1,000,000 rows ($(( $(stat -c %s "$big") / 1048576 )) MiB), --reports none: ${t} s, peak $((m / 1024)) MiB"
fi
