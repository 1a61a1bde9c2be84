#!/usr/bin/env bash
# The reports in a real browser (Debian's headless Chromium), run by .ci/run:
#  - index.html, stats.html, every question page and every student report laid out at 1280 and 390 px wide: the
#    page must not scroll sideways (wide tables scroll inside their own box);
#  - every student report printed to A4 PDF: at most 2 pages;
#  - no console error on any page.
#   bash tools/browser-check.sh [OUT_DIR]
# Installs Debian's chromium and poppler-utils (pdfinfo) when missing (tools/install-browser.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${TMPDIR:-/tmp}/examgrade-browser-check}
bash tools/install-browser.sh
cargo run --quiet -- grade -q --rubric rubrics/2022-02-09.toml fixtures/2022-02-09/responses.xlsx --out "$out"
profile=$(mktemp -d)
browse() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@"
}
failed=0 checked=0
pages=("$out/index.html" "$out/stats.html" "$out"/questions/*.html "$out"/reports/*.html)
for page in "${pages[@]}"; do
  for width in 1280 390; do
    wrap="$out/.width-check.html"
    # The page in a frame of that width; the frame reports how wide its content is.
    cat > "$wrap" <<HTML
<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="file://$(realpath "$page")" style="width:${width}px;height:900px;border:0"></iframe>
<script>document.getElementById('f').onload=function(){var d=this.contentDocument.documentElement;document.body.setAttribute('data-width',d.scrollWidth+'/'+d.clientWidth);};</script></body></html>
HTML
    measured=$(browse --allow-file-access-from-files --virtual-time-budget=5000 --dump-dom "file://$wrap" 2>/dev/null |
      grep -o 'data-width="[0-9]*/[0-9]*"' | grep -o '[0-9]*/[0-9]*' || true)
    if [ -z "$measured" ]; then
      echo "FAIL $(basename "$page") at $width px: the page did not load"
      failed=$((failed + 1))
    elif [ "${measured%/*}" -gt "${measured#*/}" ]; then
      echo "FAIL $(basename "$page") at $width px: content $measured px wide, it scrolls sideways"
      failed=$((failed + 1))
    fi
    checked=$((checked + 1))
  done
  log="$out/.console.log"
  browse --enable-logging=stderr --v=0 --dump-dom "file://$(realpath "$page")" > /dev/null 2> "$log" || true
  if grep -E "CONSOLE|Uncaught" "$log"; then
    echo "FAIL $(basename "$page"): console errors"
    failed=$((failed + 1))
  fi
done
for report in "$out"/reports/*.html; do
  pdf="$out/.report.pdf"
  browse --no-pdf-header-footer --print-to-pdf="$pdf" "file://$(realpath "$report")" 2>/dev/null
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  size=$(pdfinfo "$pdf" | awk '/^Page size:/ {print $3 "x" $5}')
  if [ "$size" != "594.96x841.92" ] || [ "$pages" -gt 2 ]; then
    echo "FAIL $(basename "$report"): printed on $pages page(s) of $size pt (at most 2 A4 pages)"
    failed=$((failed + 1))
  fi
  checked=$((checked + 1))
done
rm -rf "$profile" "$out/.width-check.html" "$out/.console.log" "$out/.report.pdf"
echo "browser: $((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
