#!/usr/bin/env bash
# Resident memory of the web demo under decompression bombs (issue #16): starts samples/WebDemo on a small model,
# posts 100 PNGs of ~450 bytes whose header claims 12000×12000 pixels, and prints VmRSS before and after.
#
#   bench/webdemo-bomb-rss.sh [--model FILE.tlmodel] [--uploads 100] [--max-megapixels 64] [--port 5099]
#
# Without --model it first trains one with `tl train` (frozen MobileNetV2 features, 20 chest X-rays per class from
# ../shared). Pass --max-megapixels 200 to see the demo without the budget's protection (every bomb is decoded).
# Needs `dotnet build -c Release` first, curl and python3. Writes nothing outside a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

model="" uploads=100 megapixels=64 port=5099
while [ $# -gt 0 ]; do
    case "$1" in
        --model) model="$2"; shift 2 ;;
        --uploads) uploads="$2"; shift 2 ;;
        --max-megapixels) megapixels="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

work=$(mktemp -d /tmp/tl-bomb-bench-XXXXXX)
demo_pid=""
cleanup() { if [ -n "$demo_pid" ]; then kill "$demo_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

tl=src/TransferLearning.ML.Cli/bin/Release/net10.0/linux-x64/tl
demo=samples/WebDemo/bin/Release/net10.0/linux-x64/TransferLearning.ML.WebDemo
shared=${TL_SHARED:-../shared}

if [ -z "$model" ]; then
    for cls in NORMAL PNEUMONIA; do
        mkdir -p "$work/train/$cls"
        files=("$shared/datasets/kermany-cxr/train/$cls"/*)
        cp "${files[@]:0:20}" "$work/train/$cls/"
    done
    TL_FEATURE_CACHE="$work/features" "$tl" train --train "$work/train" --weights "$shared/models/mobilenetv2-imagenet.onnx" \
        --mode features --epochs 10 --out "$work/run" >/dev/null
    model="$work/run/model.tlmodel"
fi

python3 - "$work/bomb.png" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
width = height = 12000
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes((width + 1) * 16), 9)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY

"$demo" --model "$model" --urls "http://127.0.0.1:$port" --max-megapixels "$megapixels" >"$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.5
done
rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$demo_pid/status"; }

normals=("$shared/datasets/kermany-cxr/train/NORMAL"/*)
xray="${normals[${#normals[@]}-1]}"
for _ in 1 2 3 4 5; do   # warm-up: a few real predictions, so the baseline holds the session and Grad-CAM
    curl -s -o /dev/null -F "image=@$xray" "http://127.0.0.1:$port/predict"
done
baseline=$(rss)
codes=""
for i in $(seq 1 "$uploads"); do
    codes+=$(curl -s -o /dev/null -w "%{http_code} " -F "image=@$work/bomb.png;type=image/png" "http://127.0.0.1:$port/predict")
done
after=$(rss)
peak=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$demo_pid/status")
echo "bomb: $(stat -c %s "$work/bomb.png") bytes claiming 12000x12000; --max-megapixels $megapixels; $uploads uploads"
echo "answers: $(echo "$codes" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
echo "VmRSS baseline ${baseline} MB, after ${after} MB (growth $(awk -v a="$after" -v b="$baseline" 'BEGIN { printf "%.1f", a - b }') MB); peak VmHWM ${peak} MB"
