"""Measure receptive fields with real Keras 2, independently of the engine.

Usage: python receptive.py SNIPPET.py OUT.json

For a model with one image input, every layer whose output is (batch, H, W, C): the bounding
box (height, width) of the input pixels on which the output unit at (H // 2, W // 2) depends.
Measured as the non-zero gradient of that unit (summed over its channels) with respect to the
input, with every kernel set to 1 / fan-in (so activations stay near 1 and no sigmoid
saturates), biases to 0, BatchNormalization to the identity and
MaxPooling replaced by AveragePooling of the same window (a max passes its gradient to one
pixel only; the window read is the same). All-positive weights and inputs mean no gradient
cancels, so a pixel is in the field exactly when its gradient is non-zero.
"""
import contextlib
import io
import json
import os
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

sys.modules["keras"] = keras
snippet, out_path = sys.argv[1], sys.argv[2]
scope = {"__name__": "__main__"}
models = []
original_summary = keras.Model.summary
keras.Model.summary = lambda self, *a, **k: models.append(self)
with contextlib.redirect_stdout(io.StringIO()):
    exec(compile(open(snippet).read(), snippet, "exec"), scope)
if not models:
    sys.exit(0)
model = models[-1]
if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4:
    sys.exit(0)


def replace_max_pooling(layer):
    config = layer.get_config()
    if isinstance(layer, keras.layers.MaxPooling2D):
        return keras.layers.AveragePooling2D.from_config(config)
    return layer.__class__.from_config(config)


clone = keras.models.clone_model(model, clone_function=replace_max_pooling)
for layer in clone.layers:
    weights = []
    for w in layer.weights:
        name = w.name
        if "bias" in name or "beta" in name or "moving_mean" in name:
            weights.append(np.zeros(w.shape))
        elif "kernel" in name and len(w.shape) > 1:
            fan_in = int(np.prod(w.shape[:-1]))
            weights.append(np.full(w.shape, 1.0 / fan_in))
        else:
            weights.append(np.ones(w.shape))
    layer.set_weights(weights)

image = tf.ones((1,) + tuple(model.inputs[0].shape[1:]))
fields = {}
for original, layer in zip(model.layers, clone.layers):
    outputs = layer.output
    if isinstance(outputs, list) or len(outputs.shape) != 4:
        continue
    probe = keras.Model(clone.inputs, outputs)
    h, w = outputs.shape[1] // 2, outputs.shape[2] // 2
    with tf.GradientTape() as tape:
        tape.watch(image)
        unit = tf.reduce_sum(probe(image, training=False)[0, h, w, :])
    grad = tape.gradient(unit, image)
    if grad is None:
        continue
    mask = tf.reduce_sum(tf.abs(grad[0]), axis=-1).numpy() > 0
    rows = np.where(mask.any(axis=1))[0]
    cols = np.where(mask.any(axis=0))[0]
    if len(rows) == 0:
        continue
    fields[original.name] = [int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)]
with open(out_path, "w") as f:
    json.dump(fields, f, indent=2, sort_keys=True)
    f.write("\n")
