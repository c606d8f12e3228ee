#!/usr/bin/env bash
# Renders a report.html to a PNG screenshot with headless Chromium (Debian: apt-get install -y chromium).
#
#   scripts/render-report.sh path/to/report.html out.png [width] [height] [shrink-to-width]
#
# With shrink-to-width, the blank page end is cropped and the screenshot is scaled down and reduced to 256
# colours (needs Debian's python3-pil), which is how docs/images/example-report.png is kept small.
#
# The report is self-contained, so Chromium needs no network: every background service is switched off.
# Chromium's screenshot is the window, not the full page: pass a height that covers the report (default 4000).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 report.html out.png [width=1280] [height=4000] [shrink-to-width]" >&2
  exit 2
fi
html=$(readlink -f "$1")
out=$(realpath -m "$2")
width=${3:-1280}
height=${4:-4000}
shrink=${5:-}
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
if [[ -n "$shrink" ]]; then
  /usr/bin/python3 - "$workdir/out.png" "$out" "$shrink" <<'PY'
import sys
from PIL import Image

source, target, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
image = Image.open(source).convert("RGB")
pixels = image.load()
w, h = image.size
background = pixels[5, h - 1]
last = h - 1
while last > 0 and all(pixels[x, last] == background for x in range(0, w, 7)):
    last -= 1
image = image.crop((0, 0, w, min(h, last + 20)))
image = image.resize((width, round(image.size[1] * width / w)), Image.LANCZOS)
image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
PY
else
  mv "$workdir/out.png" "$out"
fi
echo "$out"
