#!/usr/bin/env bash
# Regenerate fixtures/keras/goldens/ from real Keras (not run by CI; needs PyPI).
#   bash tools/keras-goldens/generate.sh [VENV]
# Installs TensorFlow (CPU) 2.21.0 — Keras 3 as tf.keras — and tf-keras 2.21.0 (Keras 2, used
# with TF_USE_LEGACY_KERAS=1) into a virtualenv, then runs every fixtures/keras/*.py in a fresh
# process per Keras version, and measures receptive fields by gradient (receptive.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-${TMPDIR:-/tmp}/examgrade-keras-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorflow-cpu==2.21.0
  # --no-deps keeps the GPU `tensorflow` wheel out; `pip check` then complains, harmlessly.
  "$venv/bin/pip" install -q --no-deps tf-keras==2.21.0
fi
out=fixtures/keras/goldens
mkdir -p "$out"
rm -f "$out"/*
for snippet in fixtures/keras/*.py; do
  name=$(basename "$snippet" .py)
  for version in 2 3; do
    TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" tools/keras-goldens/dump.py \
      "$snippet" "$out/$name" "$version" 2>/dev/null
  done
  TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" tools/keras-goldens/receptive.py \
    "$snippet" "$out/$name.rf.json" 2>/dev/null || true  # it cannot clone some nested models
  echo "$name"
done
"$venv/bin/python" -c 'import tensorflow as tf, tf_keras, keras; print("tensorflow", tf.__version__, "| tf-keras", tf_keras.__version__, "| keras", keras.__version__)' 2>/dev/null > "$out/VERSIONS"
