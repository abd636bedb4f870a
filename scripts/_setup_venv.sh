# Shared set-up for scripts/test and scripts/demo: a virtual environment with tunesmith and the
# extras they need, from nothing. Sourced, not run. Re-running it is quick: pip keeps the
# compiled llama-cpp-python wheel in its cache.
set -euo pipefail

VENV="${TUNESMITH_VENV:-.venv}"
PY="$VENV/bin/python"

source scripts/_venv_torch.sh
venv_with_torch "$VENV"
# llama-cpp-python compiles from source. A native build (-march=native) enables ggml's AMX
# kernels on Xeon CPUs that have AMX, and those segfault on any prompt of more than one token
# on our machines (see the README); so the instruction sets are named one by one instead: AVX2,
# which every x86-64 CPU of the last decade runs, plus the AVX-512 sets this CPU reports (never
# AMX). AVX-512 evaluates prompts about 1.4x faster on our 2-core AMD EPYC machines
# (docs/benchmarks.md). The wheel is built for, and cached on, the machine that runs it. Set
# CMAKE_ARGS yourself to override (e.g. -DGGML_CUDA=on on a GPU host).
if [ "$(uname -m)" = "x86_64" ]; then
    LLAMA_ISA="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    CPU_FLAGS=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
    if [[ "$CPU_FLAGS" == *" avx512f "* && "$CPU_FLAGS" == *" avx512cd "* && "$CPU_FLAGS" == *" avx512bw "* \
          && "$CPU_FLAGS" == *" avx512dq "* && "$CPU_FLAGS" == *" avx512vl "* ]]; then
        LLAMA_ISA="$LLAMA_ISA -DGGML_AVX512=ON"
        [[ "$CPU_FLAGS" == *" avx512vbmi "* ]] && LLAMA_ISA="$LLAMA_ISA -DGGML_AVX512_VBMI=ON"
        [[ "$CPU_FLAGS" == *" avx512_vnni "* ]] && LLAMA_ISA="$LLAMA_ISA -DGGML_AVX512_VNNI=ON"
        [[ "$CPU_FLAGS" == *" avx512_bf16 "* ]] && LLAMA_ISA="$LLAMA_ISA -DGGML_AVX512_BF16=ON"
    fi
    export CMAKE_ARGS="${CMAKE_ARGS:-$LLAMA_ISA}"
fi
echo ">> installing tunesmith[local,torch,ray,bench,smac,ui,dev] (llama-cpp-python compiles on first install: ~13 min on 2 cores)"
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$PY" -m pip install --quiet -e ".[local,torch,ray,bench,smac,ui,dev]"
# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download is not reachable from our machines): install it when it is missing.
if [ ! -x /usr/bin/chromium ] && command -v apt-get > /dev/null; then
    echo ">> installing chromium and chromium-driver (Debian packages, for the browser tests)"
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get install -y -qq chromium chromium-driver > /dev/null \
        || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium chromium-driver > /dev/null; }
fi
"$PY" -m pip check
export PATH="$PWD/$VENV/bin:$PATH"
