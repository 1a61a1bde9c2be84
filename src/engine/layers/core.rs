//! Core layers: Input, Dense, activations, dropout and noise, Embedding, Rescaling, Resizing.

use super::{Built, Registry, Shape, Weights, channels, product, single, sum, times};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

/// `Input`/`InputLayer`: its shape is decided where it is created (see `build`).
pub fn input_layer(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    let shape = single(args, inputs)?.clone();
    Built::one(shape, Weights::none())
}

/// Layers that keep their input's shape and have no weights.
pub fn same_shape(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    let known: &[&str] = match args.class.as_str() {
        "Activation" => &["activation"],
        "ReLU" => &["max_value", "negative_slope", "threshold"],
        "LeakyReLU" => &["alpha", "negative_slope"],
        "ELU" => &["alpha"],
        "Softmax" => &["axis"],
        "Dropout" => &["rate", "noise_shape"],
        "SpatialDropout1D" | "SpatialDropout2D" | "SpatialDropout3D" => &["rate", "data_format"],
        "GaussianNoise" => &["stddev"],
        "GaussianDropout" => &["rate"],
        "Rescaling" => &["scale", "offset"],
        _ => &[],
    };
    let positional = match args.class.as_str() {
        "Activation" | "Dropout" | "GaussianNoise" | "GaussianDropout" | "ELU" | "Softmax"
        | "LeakyReLU" => 1,
        "Rescaling" | "ReLU" => 2,
        s if s.starts_with("SpatialDropout") => 1,
        _ => 0,
    };
    args.only(positional, known)?;
    if args.class == "Activation" && !args.has(0, "activation") {
        return Err(error(args.pos, "Activation: `activation` is required"));
    }
    Built::one(single(args, inputs)?.clone(), Weights::none())
}

/// `Dense(units)` acts on the last axis, whatever the rank.
pub fn dense(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(3, &["units", "activation", "use_bias", "lora_rank"])?;
    let units = args.size(0, "units", None)?;
    let use_bias = args.bool(2, "use_bias", true)?;
    let input = single(args, inputs)?;
    if input.len() < 2 {
        return Err(error(args.pos, "Dense needs an input of rank 2 or more"));
    }
    let d = channels(args, input)?;
    let kernel = product(args, &[d, units])?;
    let (count, formula) = if use_bias {
        (
            sum(args, &[kernel, units])?,
            format!("{} + {units}", times(&[d, units])),
        )
    } else {
        (kernel, times(&[d, units]))
    };
    let mut out = input.clone();
    *out.last_mut().expect("rank >= 2") = Some(units);
    Built::one(
        out,
        Weights {
            trainable: count,
            non_trainable: 0,
            formula,
        },
    )
}

/// `PReLU`: one slope per input element, shared along `shared_axes`.
pub fn prelu(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        0,
        &[
            "alpha_initializer",
            "alpha_regularizer",
            "alpha_constraint",
            "shared_axes",
        ],
    )?;
    let input = single(args, inputs)?;
    let shared: Vec<usize> = args
        .int_list(usize::MAX, "shared_axes")?
        .unwrap_or_default()
        .into_iter()
        .map(|a| a as usize)
        .collect();
    let mut factors = Vec::new();
    for (axis, d) in input.iter().enumerate().skip(1) {
        if shared.contains(&axis) {
            continue;
        }
        factors.push(d.ok_or_else(|| {
            error(
                args.pos,
                "PReLU: every non-shared input dimension must be known",
            )
        })?);
    }
    let count = product(args, &factors)?;
    Built::one(
        input.clone(),
        Weights {
            trainable: count,
            non_trainable: 0,
            formula: times(&factors),
        },
    )
}

/// `Embedding(input_dim, output_dim)`: a table of `input_dim x output_dim`.
pub fn embedding(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        2,
        &[
            "input_dim",
            "output_dim",
            "embeddings_initializer",
            "embeddings_regularizer",
            "embeddings_constraint",
            "mask_zero",
            "input_length",
        ],
    )?;
    let vocab = args.size(0, "input_dim", None)?;
    let dim = args.size(1, "output_dim", None)?;
    let input = single(args, inputs)?;
    let mut out = input.clone();
    out.push(Some(dim));
    Built::one(
        out,
        Weights {
            trainable: product(args, &[vocab, dim])?,
            non_trainable: 0,
            formula: times(&[vocab, dim]),
        },
    )
}

/// `Resizing(height, width)` on a 4-D input.
pub fn resizing(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        3,
        &[
            "height",
            "width",
            "interpolation",
            "crop_to_aspect_ratio",
            "pad_to_aspect_ratio",
            "fill_mode",
            "fill_value",
            "data_format",
        ],
    )?;
    let h = args.size(0, "height", None)?;
    let w = args.size(1, "width", None)?;
    let input = super::rank(args, inputs, 4)?;
    Built::one(vec![input[0], Some(h), Some(w), input[3]], Weights::none())
}

/// RandomCrop and CenterCrop: `(batch, height, width, channels)`.
pub fn crop(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(2, &["height", "width", "data_format", "seed"])?;
    let h = args.size(0, "height", None)?;
    let w = args.size(1, "width", None)?;
    let input = super::rank(args, inputs, 4)?;
    Built::one(vec![input[0], Some(h), Some(w), input[3]], Weights::none())
}

/// Random augmentation layers that keep the shape: no weights.
pub fn augmentation(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        3,
        &[
            "mode",
            "factor",
            "height_factor",
            "width_factor",
            "fill_mode",
            "fill_value",
            "interpolation",
            "value_range",
            "data_format",
            "seed",
        ],
    )?;
    let input = super::single(args, inputs)?;
    Built::one(input.clone(), Weights::none())
}
