#!/usr/bin/env bash
# Debian's headless Chromium, its WebDriver (chromedriver) and poppler-utils (pdfinfo), for the
# browser tests: the review page driven through a TA's session (cargo test) and the reports'
# layout and print check (tools/browser-check.sh). Installs only what is missing (root).
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v pdfinfo >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
