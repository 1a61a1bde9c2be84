#!/usr/bin/env bash
# Render the class index and one student report in a real headless Chromium (Debian's package)
# and fail on any console error. Not run by CI; run it after changing the report pages:
#   bash tools/browser-check.sh [OUT_DIR]
# Installs Debian's chromium if missing (needs root and the Debian mirrors).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${TMPDIR:-/tmp}/examgrade-browser-check}
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
cargo run --quiet --release -- grade -q --rubric rubrics/2022-02-09.toml fixtures/2022-02-09/responses.xlsx --out "$out"
report=$(ls "$out"/reports/*.html | sed -n 14p)
status=0
for page in "$out/index.html" "$report" "$out/stats.html"; do
  png="$out/$(basename "$page" .html).png"
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 \
    --window-size=1100,1400 --screenshot="$png" "file://$(realpath "$page")" 2> "$png.log" || status=1
  if grep -E "CONSOLE|Uncaught" "$png.log"; then
    echo "console errors in $page"
    status=1
  fi
  [ -s "$png" ] || { echo "no screenshot of $page"; status=1; }
  echo "rendered $page -> $png"
done
exit $status
