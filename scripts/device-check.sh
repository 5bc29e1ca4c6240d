#!/usr/bin/env bash
# The checks that need a real GPU, for the `device` machine (an NVIDIA GPU, no Node, no network):
# unpacks a Node runtime and the few packages the CLI needs (.devrt/, made on the dev machine), the
# Vulkan loader (.gl/), then runs: PyTorch parity of `rnnlab grad`, the per-dispatch floor, the
# Node half of the bench with the step kernels' A/B and PyTorch on the same GPU, the step profile of
# both kernel shapes, and the gallery notebooks' cells through the CLI. CHECKS="bench profile" runs
# only those (a device call is limited to 10 minutes; all of them take about 15).
# Everything goes to $OUT. Carry: .devrt .gl public/data
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p /tmp/rt "$OUT"
tar -xJf .devrt/rt.tar.xz -C /tmp/rt && tar -xJf .devrt/zod.tar.xz -C /tmp/rt/node_modules
[ -e node_modules ] || ln -s /tmp/rt/node_modules node_modules
export PATH=/tmp/rt:$PATH
ldconfig -p | grep -q 'libvulkan\.so\.1' || { for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; }
# NVIDIA's Vulkan driver: its ICD file names libGLX_nvidia, which fails without a display there; the
# same driver through libEGL_nvidia works. Point the loader at it with an ICD file of our own.
lib=$(ls /usr/local/nvidia/lib64/libEGL_nvidia.so.0 /usr/lib/x86_64-linux-gnu/libEGL_nvidia.so.0 2>/dev/null | head -1)
[ -n "$lib" ] || lib=$(ldconfig -p | grep -o '/[^ ]*libEGL_nvidia\.so\.0' | head -1)
if [ -n "$lib" ]; then
  echo "{\"file_format_version\":\"1.0.0\",\"ICD\":{\"library_path\":\"$lib\",\"api_version\":\"1.3.0\"}}" > /tmp/nvidia_egl_icd.json
  export VK_ICD_FILENAMES=/tmp/nvidia_egl_icd.json VK_DRIVER_FILES=/tmp/nvidia_egl_icd.json
fi
echo "Vulkan ICD: ${VK_ICD_FILENAMES:-default} ($lib)"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
CHECKS=${CHECKS:-dispatch-floor parity bench profile gallery}
run() {
  local name=$1 limit=$2; shift 2
  [[ " $CHECKS " == *" $name "* ]] || return 0
  echo "== $name"; timeout "$limit" "$@" 2>&1 | grep -v -e '^Warning: Vulkan' -e 'While initializing adapter' -e 'at InitializeImpl' | tee "$OUT/$name.txt"
}
# The tuner's cache stays out of the results: each run measures. The bench's PyTorch is this python3's (CUDA).
export RNNLAB_CACHE_DIR=/tmp/rnnlab-cache PYTHON=${PYTHON:-$(command -v python3)}
run dispatch-floor 60 node bin/run-ts.js bench/dispatchFloor.ts
run parity 150 python3 scripts/torch_parity.py --cases 24
# The tuner's choice against the blocked kernels, config by config, and PyTorch (TF32 off and on) beside them.
run bench 420 node bin/run-ts.js bench/main.ts --node --torch --kernels=auto+blocked --min-ms=1500 \
  --configs=tiny,tiny-lstm,small,small-gru,small-lstm,large,large-gru,large-lstm --snapshot ${BENCH_ARGS:-}
cp "$(ls -t bench/results/2*.md | head -1)" bench/results/latest.json "$OUT/" 2>/dev/null
run profile 120 node bin/run-ts.js bench/profileStep.ts small-lstm large-lstm --rounds=3 '--tune=variant:blocked;variant:tiled'
run gallery 180 node bin/run-ts.js scripts/galleryCli.ts
