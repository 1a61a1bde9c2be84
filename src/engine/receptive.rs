//! Receptive fields of 2-D convolutional chains.
//!
//! Definition: the receptive field of a layer is the height × width of the bounding box of the
//! model-input pixels on which the unit at the centre of the layer's output (row `H // 2`,
//! column `W // 2`, as Python indexes the middle) depends, through every path of the graph,
//! on the real grid: padding contributes no pixels, so near the border the field is clipped.
//! Transposed convolutions and upsampling (nearest, and bilinear as tf.image.resize reads its
//! input) are followed exactly (their dependency depends on the
//! position); a global pooling that keeps its dimensions reads the whole map. Layers whose
//! output is not a `(batch, H, W, C)` map, or that mix positions in ways that are not windows
//! (Flatten, Resizing, ...), have no
//! receptive field (`None`), nor does anything depending on several model inputs.
//!
//! Per axis each layer maps an interval of output positions back to the interval of input
//! positions it reads; nodes are visited in reverse creation order (a topological order) and
//! the requirements of several consumers are merged by their hull, which keeps the bounding
//! box exact because every back-map is monotone.

use super::build::Graph;
use super::layers::Shape;
use super::value::Args;
use std::collections::HashMap;

/// Inclusive interval of positions on one axis.
type Span = (i64, i64);

fn hull(a: Option<[Span; 2]>, b: [Span; 2]) -> [Span; 2] {
    match a {
        None => b,
        Some(a) => [
            (a[0].0.min(b[0].0), a[0].1.max(b[0].1)),
            (a[1].0.min(b[1].0), a[1].1.max(b[1].1)),
        ],
    }
}

/// Spatial size of a `(batch, H, W, C)` shape.
fn spatial(shape: &Shape) -> Option<[i64; 2]> {
    match shape.as_slice() {
        [_, Some(h), Some(w), _] => Some([*h as i64, *w as i64]),
        _ => None,
    }
}

fn int_pair(args: &Args, index: usize, name: &str, default: i64) -> Option<[i64; 2]> {
    let v = args.ints(index, name, 2, Some(default)).ok()?;
    Some([v[0], v[1]])
}

/// What a layer reads, per axis, for an output interval — or `None` if it is no window.
fn back(
    args: &Args,
    inputs: &[&Shape],
    which: usize,
    output: &Shape,
    out: [Span; 2],
) -> Option<Option<[Span; 2]>> {
    let input = inputs[which];
    let (n_in, n_out) = (spatial(input)?, spatial(output)?);
    let clip = |axis: usize, (lo, hi): Span| -> Option<Span> {
        let (lo, hi) = (lo.max(0), hi.min(n_in[axis] - 1));
        (lo <= hi).then_some((lo, hi))
    };
    let both = |f: &dyn Fn(usize, Span) -> Option<Span>| -> Option<Option<[Span; 2]>> {
        Some(match (f(0, out[0]), f(1, out[1])) {
            (Some(h), Some(w)) => Some([h, w]),
            _ => None,
        })
    };
    let class = args.class.as_str();
    match class {
        "Conv2D" | "SeparableConv2D" | "DepthwiseConv2D" | "MaxPooling2D" | "AveragePooling2D" => {
            let (k, s, d, padding) = match class {
                "MaxPooling2D" | "AveragePooling2D" => {
                    let k = int_pair(args, 0, "pool_size", 2)?;
                    let s = match args.value(1, "strides") {
                        None | Some((super::value::Value::None, _)) => k,
                        _ => int_pair(args, 1, "strides", 1)?,
                    };
                    (k, s, [1, 1], args.string(2, "padding", "valid", &[]).ok()?)
                }
                "DepthwiseConv2D" => (
                    int_pair(args, 0, "kernel_size", 1)?,
                    int_pair(args, 1, "strides", 1)?,
                    int_pair(args, usize::MAX, "dilation_rate", 1)?,
                    args.string(2, "padding", "valid", &[]).ok()?,
                ),
                _ => (
                    int_pair(args, 1, "kernel_size", 1)?,
                    int_pair(args, 2, "strides", 1)?,
                    int_pair(args, usize::MAX, "dilation_rate", 1)?,
                    args.string(3, "padding", "valid", &[]).ok()?,
                ),
            };
            both(&|axis, (a, b)| {
                let extent = (k[axis] - 1) * d[axis] + 1;
                // TensorFlow's SAME padding: the total is split with the extra pixel at the end.
                let left = if padding == "same" {
                    (((n_out[axis] - 1) * s[axis] + extent - n_in[axis]).max(0)) / 2
                } else {
                    0
                };
                clip(axis, (a * s[axis] - left, b * s[axis] - left + extent - 1))
            })
        }
        "Conv2DTranspose" => {
            let k = int_pair(args, 1, "kernel_size", 1)?;
            let s = int_pair(args, 2, "strides", 1)?;
            let d = int_pair(args, usize::MAX, "dilation_rate", 1)?;
            let padding = args.string(3, "padding", "valid", &[]).ok()?;
            let output_padding = args.has(usize::MAX, "output_padding")
                && !matches!(
                    args.value(usize::MAX, "output_padding"),
                    Some((super::value::Value::None, _))
                );
            both(&|axis, (a, b)| {
                let extent = (k[axis] - 1) * d[axis] + 1;
                // Output o receives input i when o ∈ [i·s − left, i·s − left + extent − 1], the
                // adjoint of a forward convolution from the output size to the input size.
                let left = match (padding.as_str(), output_padding) {
                    ("same", true) => extent / 2,
                    ("same", false) => {
                        (((n_in[axis] - 1) * s[axis] + extent - n_out[axis]).max(0)) / 2
                    }
                    _ => 0,
                };
                let lo = (a + left - (extent - 1)).div_euclid(s[axis])
                    + i64::from((a + left - (extent - 1)).rem_euclid(s[axis]) != 0);
                let hi = (b + left).div_euclid(s[axis]);
                clip(axis, (lo, hi))
            })
        }
        "UpSampling2D" => {
            let size = int_pair(args, 0, "size", 2)?;
            match args
                .string(usize::MAX, "interpolation", "nearest", &[])
                .ok()?
                .as_str()
            {
                "nearest" => both(&|axis, (a, b)| clip(axis, (a / size[axis], b / size[axis]))),
                // tf.image.resize, half-pixel centres: output `o` reads input rows
                // floor(x) and ceil(x) of x = (o + 0.5) / s - 0.5 = (2o + 1 - s) / 2s.
                "bilinear" => both(&|axis, (a, b)| {
                    let s = size[axis];
                    let floor = |o: i64| (2 * o + 1 - s).div_euclid(2 * s);
                    let ceil = |o: i64| {
                        let n = 2 * o + 1 - s;
                        n.div_euclid(2 * s) + i64::from(n.rem_euclid(2 * s) != 0)
                    };
                    clip(axis, (floor(a).max(0), ceil(b).max(0)))
                }),
                _ => None,
            }
        }
        "ZeroPadding2D" => {
            let pads = args.pairs(0, "padding", 2, 1).ok()?;
            both(&|axis, (a, b)| clip(axis, (a - pads[axis].0 as i64, b - pads[axis].0 as i64)))
        }
        "Cropping2D" => {
            let crops = args.pairs(0, "cropping", 2, 0).ok()?;
            both(&|axis, (a, b)| clip(axis, (a + crops[axis].0 as i64, b + crops[axis].0 as i64)))
        }
        // keepdims=True: the single output position reads every input position.
        "GlobalAveragePooling2D" | "GlobalMaxPooling2D" => {
            both(&|axis, _| clip(axis, (0, n_in[axis] - 1)))
        }
        "Concatenate" => {
            let axis = args.int(0, "axis", Some(-1)).ok()?;
            match axis {
                -1 | 3 => Some(Some(out)),
                1 | 2 | -3 | -2 => {
                    // Along a spatial axis this input holds positions [offset, offset + n).
                    let a = if axis < 0 {
                        (axis + 4) as usize - 1
                    } else {
                        axis as usize - 1
                    };
                    let offset: i64 = inputs[..which]
                        .iter()
                        .map(|s| spatial(s).map(|n| n[a]).unwrap_or(0))
                        .sum();
                    both(&|k, (lo, hi)| {
                        if k == a {
                            clip(k, (lo - offset, hi - offset))
                        } else {
                            clip(k, (lo, hi))
                        }
                    })
                }
                _ => None,
            }
        }
        // Keras' CenterCrop of a larger image: rows from `(H - h) // 2`.
        "CenterCrop" => {
            let offset = [
                (n_in[0] - n_out[0]).div_euclid(2),
                (n_in[1] - n_out[1]).div_euclid(2),
            ];
            if offset[0] < 0 || offset[1] < 0 {
                return None; // a smaller image is resized, not cropped
            }
            both(&|axis, (a, b)| clip(axis, (a + offset[axis], b + offset[axis])))
        }
        // Random augmentation is the identity at inference; Normalization is per position.
        "RandomFlip" | "RandomRotation" | "RandomZoom" | "RandomContrast" | "RandomTranslation"
        | "RandomBrightness" | "Normalization" => both(&|axis, span| clip(axis, span)),
        "BatchNormalization" | "LayerNormalization" | "Activation" | "ReLU" | "LeakyReLU"
        | "ELU" | "PReLU" | "Dropout" | "SpatialDropout2D" | "GaussianNoise"
        | "GaussianDropout" | "Rescaling" | "Dense" | "Add" | "TensorAdd" | "Subtract"
        | "Multiply" | "Average" | "Maximum" | "Minimum" => Some(Some(out)),
        "Softmax" => {
            let axis = args.int(usize::MAX, "axis", Some(-1)).ok()?;
            (axis == -1 || axis == 3).then_some(Some(out))
        }
        _ => None,
    }
}

/// Receptive field (height, width) of the centre unit of `target`'s first output.
pub fn receptive_field(graph: &Graph, target: usize) -> Option<(u64, u64)> {
    let centre = spatial(graph.nodes[target].built.outputs.first()?)?;
    let mut need: HashMap<usize, [Span; 2]> = HashMap::new();
    need.insert(
        target,
        [
            (centre[0] / 2, centre[0] / 2),
            (centre[1] / 2, centre[1] / 2),
        ],
    );
    let mut reached_inputs: Vec<usize> = Vec::new();
    for node_id in (0..=target).rev() {
        let Some(out) = need.get(&node_id).copied() else {
            continue;
        };
        let node = &graph.nodes[node_id];
        let args = &graph.layers[node.layer].args;
        if node.inputs.is_empty() {
            reached_inputs.push(node_id);
            continue;
        }
        if node.built.outputs.len() != 1 {
            return None;
        }
        let shapes: Vec<&Shape> = node
            .inputs
            .iter()
            .map(|t| &graph.nodes[t.node].built.outputs[t.index])
            .collect();
        for (which, t) in node.inputs.iter().enumerate() {
            // `None` inside: this output position reads only padding from that input.
            if let Some(spans) = back(args, &shapes, which, &node.built.outputs[0], out)? {
                let merged = hull(need.get(&t.node).copied(), spans);
                need.insert(t.node, merged);
            }
        }
    }
    match reached_inputs.as_slice() {
        [input] => {
            let [h, w] = need[input];
            Some(((h.1 - h.0 + 1) as u64, (w.1 - w.0 + 1) as u64))
        }
        _ => None,
    }
}
