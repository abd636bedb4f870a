#!/usr/bin/env bash
# Build the virtual environment `tunesmith bench hpo --optimizers hebo` runs HEBO from.
#
# HEBO 0.3.6 pins numpy<1.25 and pymoo==0.6.0 (and pulls older pandas and scipy), which
# tunesmith's own environment cannot take, so HEBO lives in an environment of its own and
# `bench hpo` drives it as a subprocess (tunesmith/evaluation/bayesmark/_peer_hebo_child.py).
# Idempotent: an environment that already imports hebo is left as it is.
#
#   ./scripts/setup_hebo.sh                  # builds .venv-hebo
#   TUNESMITH_HEBO_VENV=/opt/hebo ./scripts/setup_hebo.sh
#   export TUNESMITH_HEBO_PYTHON=$PWD/.venv-hebo/bin/python   # what bench hpo reads
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${TUNESMITH_HEBO_VENV:-.venv-hebo}"
PY="$VENV/bin/python"

if [ -x "$PY" ] && "$PY" -c "import hebo, torch" 2> /dev/null; then
    echo ">> $VENV already has HEBO"
else
    source scripts/_venv_torch.sh
    venv_with_torch "$VENV"
    echo ">> installing hebo==0.3.6"
    "$PY" -m pip install --quiet hebo==0.3.6
fi
"$PY" -m pip check
echo ">> done. Run bench hpo with: export TUNESMITH_HEBO_PYTHON=$(cd "$VENV" && pwd)/bin/python"
