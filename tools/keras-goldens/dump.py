"""Run one exam snippet with real Keras and record what it prints.

Usage: python dump.py SNIPPET.py OUT_PREFIX {2|3}

Writes OUT_PREFIX.keras{V}.txt (exactly what model.summary() printed) and
OUT_PREFIX.keras{V}.json (per-layer output shapes and parameter counts), or
OUT_PREFIX.keras{V}.error when Keras refuses the model. Run each snippet in a fresh
process: Keras' auto-names (conv2d_1, ...) depend on what was built before.
"""
import contextlib
import io
import json
import os
import sys

snippet, prefix, version = sys.argv[1], sys.argv[2], sys.argv[3]
if version == "2":
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.pop("COLUMNS", None)

import tensorflow as tf  # noqa: E402

if version == "2":
    import tf_keras as keras_pkg

    # A Keras 2 user's `import keras` was Keras 2.
    sys.modules["keras"] = keras_pkg
else:
    import keras as keras_pkg

captured = []
original_summary = keras_pkg.Model.summary


def recording_summary(self, *args, **kwargs):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        original_summary(self, *args, **kwargs)
    captured.append((self, buffer.getvalue()))


keras_pkg.Model.summary = recording_summary

source = open(snippet).read()
scope = {"__name__": "__main__"}
out = f"{prefix}.keras{version}"
try:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, snippet, "exec"), scope)
except Exception as error:  # Keras refused: record what it said.
    with open(out + ".error", "w") as f:
        f.write(f"{type(error).__name__}: {error}\n")
    sys.exit(0)

model, text = captured[-1]
with open(out + ".txt", "w") as f:
    f.write(text)


def shape_of(layer):
    if version == "2":
        try:
            shape = layer.output_shape
        except Exception:
            return None
    else:
        try:
            out = layer.output
        except Exception:
            return None
        shape = tf.nest.map_structure(lambda t: tuple(t.shape), out)
    return to_list(shape)


def to_list(shape):
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [to_list(s) for s in shape]
    if isinstance(shape, (list, tuple)):
        return [None if d is None else int(d) for d in shape]
    return shape


def count(weights):
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


layers = []
for layer in model.layers:
    built = layer.built
    layers.append(
        {
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": shape_of(layer),
            "params": layer.count_params() if built else 0,
            "trainable_params": count(layer.trainable_weights),
            "non_trainable_params": count(layer.non_trainable_weights),
        }
    )
summary = {
    "name": model.name,
    "layers": layers,
    "total_params": count(model.trainable_weights) + count(model.non_trainable_weights),
    "trainable_params": count(model.trainable_weights),
    "non_trainable_params": count(model.non_trainable_weights),
}
with open(out + ".json", "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")
