#!/usr/bin/env bash
# Renders a report.html to a PNG screenshot with headless Chromium (Debian: apt-get install -y chromium).
#
#   scripts/render-report.sh path/to/report.html out.png [width] [height]
#
# The report is self-contained, so Chromium needs no network: every background service is switched off.
# Chromium's screenshot is the window, not the full page: pass a height that covers the report (default 4000).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 report.html out.png [width=1280] [height=4000]" >&2
  exit 2
fi
html=$(readlink -f "$1")
out=$(readlink -f "$2")
width=${3:-1280}
height=${4:-4000}
[[ -f "$html" ]] || { echo "$html does not exist" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$browser" ]]; then
  echo "Chromium not found: install it (Debian/Ubuntu: sudo apt-get install -y chromium)" >&2
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Chromium writes the screenshot relative to its working directory
workdir=$(mktemp -d)
trap 'rm -rf "$profile" "$workdir"' EXIT
(
  cd "$workdir"
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --screenshot=out.png --window-size="${width},${height}" "file://${html}" >/dev/null 2>"$workdir/chromium.log" || {
      cat "$workdir/chromium.log" >&2
      exit 1
    }
)
[[ -s "$workdir/out.png" ]] || { echo "Chromium wrote no screenshot" >&2; cat "$workdir/chromium.log" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
mv "$workdir/out.png" "$out"
echo "$out"
