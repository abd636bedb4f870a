# Shared by scripts/_setup_venv.sh and scripts/setup_hebo.sh: `venv_with_torch VENV` creates the
# virtual environment VENV if it is missing and installs pip's latest and the CPU build of
# torch into it. Sourced, not run.

venv_with_torch() {
    local venv="$1"
    if [ ! -x "$venv/bin/python" ]; then
        echo ">> creating virtual environment $venv"
        python3 -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # The CPU build of torch lies on this machine's disk; an open range (or a dependency's,
    # such as HEBO's torch>=1.9) would pull a multi-GB CUDA build.
    echo ">> installing torch==2.13.0 (CPU build) first"
    "$venv/bin/python" -m pip install --quiet torch==2.13.0
}
