#!/usr/bin/env bash
# Build the virtual environment the `autogluon` agent and reference baseline run AutoGluon from.
#
# AutoGluon drives its own versions of LightGBM, CatBoost and XGBoost and moves its pins from
# release to release, so it lives in an environment of its own and `bench kaggle` / `bench
# tasks` drive it as a subprocess (tunesmith/evaluation/kaggle/_peer_autogluon.py, which
# imports nothing of tunesmith). No torch: the medium_quality presets fit tree models, KNN and
# linear models; AutoGluon's neural networks are skipped when torch is absent.
# Idempotent: an environment that already imports autogluon.tabular is left as it is.
#
#   ./scripts/setup_autogluon.sh               # builds .venv-autogluon
#   TUNESMITH_AUTOGLUON_VENV=/opt/ag ./scripts/setup_autogluon.sh
#   export TUNESMITH_AUTOGLUON_PYTHON=$PWD/.venv-autogluon/bin/python   # what the bench reads
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${TUNESMITH_AUTOGLUON_VENV:-.venv-autogluon}"
PY="$VENV/bin/python"
PACKAGE="autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3"

if [ -x "$PY" ] && "$PY" -c "import autogluon.tabular, lightgbm" 2> /dev/null; then
    echo ">> $VENV already has AutoGluon"
else
    if [ ! -x "$PY" ]; then
        echo ">> creating virtual environment $VENV"
        python3 -m venv "$VENV"
    fi
    "$PY" -m pip install --quiet --upgrade pip
    echo ">> installing $PACKAGE"
    "$PY" -m pip install --quiet "$PACKAGE"
fi
"$PY" -m pip check
echo ">> done. Run the bench with: export TUNESMITH_AUTOGLUON_PYTHON=$(cd "$VENV" && pwd)/bin/python"
