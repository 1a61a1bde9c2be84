//! Convolutions: Conv1D/2D/3D, their transposes, separable and depthwise convolutions.
//! Shapes follow Keras' `conv_output_length` / `deconv_output_length`; weights are the kernel
//! (`k₁ x … x c_in x filters`) plus one bias per filter.

use super::{Built, Registry, Shape, Weights, channels, product, rank, sum, times, windows_out};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

/// Spatial rank from the class name: `Conv2D` → 2.
pub(super) fn spatial(class: &str) -> usize {
    if class.contains("1D") {
        1
    } else if class.contains("3D") {
        3
    } else {
        2
    }
}

pub(super) fn channels_last(args: &Args) -> Result<(), SyntaxError> {
    let format = args.string(
        usize::MAX,
        "data_format",
        "channels_last",
        &["channels_last", "channels_first"],
    )?;
    if format == "channels_first" {
        let pos = args
            .value(usize::MAX, "data_format")
            .map(|(_, p)| p)
            .unwrap_or(args.pos);
        return Err(error(
            pos,
            format!(
                "{}: data_format='channels_first' is not supported",
                args.class
            ),
        ));
    }
    Ok(())
}

/// `kernel` then `c_in`, `filters`, `+ bias`.
fn kernel_weights(args: &Args, factors: &[u64], bias: Option<u64>) -> Result<Weights, SyntaxError> {
    let kernel = product(args, factors)?;
    Ok(match bias {
        Some(b) => Weights {
            trainable: sum(args, &[kernel, b])?,
            non_trainable: 0,
            formula: format!("{} + {b}", times(factors)),
        },
        None => Weights {
            trainable: kernel,
            non_trainable: 0,
            formula: times(factors),
        },
    })
}

pub fn conv(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        4,
        &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "groups",
            "use_bias",
            "lora_rank",
        ],
    )?;
    channels_last(args)?;
    let n = spatial(&args.class);
    let filters = args.size(0, "filters", None)?;
    let kernel = args.sizes(1, "kernel_size", n, None)?;
    let strides = args.sizes(2, "strides", n, Some(1))?;
    let allowed: &[&str] = if n == 1 {
        &["valid", "same", "causal"]
    } else {
        &["valid", "same"]
    };
    let padding = args.string(3, "padding", "valid", allowed)?;
    let dilation = args.sizes(usize::MAX, "dilation_rate", n, Some(1))?;
    let groups = args.size(usize::MAX, "groups", Some(1))?;
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    if strides.iter().any(|s| *s > 1) && dilation.iter().any(|d| *d > 1) {
        return Err(error(
            args.pos,
            format!(
                "{}: strides > 1 together with dilation_rate > 1 is not allowed by Keras",
                args.class
            ),
        ));
    }
    let input = rank(args, inputs, n + 2)?;
    let cin = channels(args, input)?;
    if cin % groups != 0 || filters % groups != 0 {
        return Err(error(
            args.pos,
            format!(
                "{}: groups={groups} must divide the input channels ({cin}) and filters ({filters})",
                args.class
            ),
        ));
    }
    let mut out = windows_out(args, input, &kernel, &strides, &dilation, &padding)?;
    out.push(Some(filters));
    let mut factors = kernel.clone();
    factors.push(cin / groups);
    factors.push(filters);
    Built::one(
        out,
        kernel_weights(args, &factors, use_bias.then_some(filters))?,
    )
}

/// Keras `deconv_output_length`.
fn deconv_out(
    n: Option<u64>,
    kernel: u64,
    stride: u64,
    dilation: u64,
    padding: &str,
    output_padding: Option<u64>,
) -> Option<u64> {
    // Sizes are bounded by MAX_SIZE and input dimensions by MAX_DIM: no overflow here.
    let n = n?;
    let k = kernel + (kernel - 1) * (dilation - 1);
    match output_padding {
        None => match padding {
            "same" => n.checked_mul(stride),
            _ => n.checked_mul(stride)?.checked_add(k.saturating_sub(stride)),
        },
        Some(op) => {
            let pad = if padding == "same" { k / 2 } else { 0 };
            Some(((n - 1).checked_mul(stride)? + k + op).saturating_sub(2 * pad))
        }
    }
}

pub fn conv_transpose(
    args: &Args,
    inputs: &[Shape],
    _: &dyn Registry,
) -> Result<Built, SyntaxError> {
    args.only(
        4,
        &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "output_padding",
            "data_format",
            "dilation_rate",
            "use_bias",
        ],
    )?;
    channels_last(args)?;
    let n = spatial(&args.class);
    let filters = args.size(0, "filters", None)?;
    let kernel = args.sizes(1, "kernel_size", n, None)?;
    let strides = args.sizes(2, "strides", n, Some(1))?;
    let padding = args.string(3, "padding", "valid", &["valid", "same"])?;
    let dilation = args.sizes(usize::MAX, "dilation_rate", n, Some(1))?;
    let output_padding = match args.value(usize::MAX, "output_padding") {
        None | Some((crate::engine::value::Value::None, _)) => None,
        Some(_) => {
            let op: Vec<u64> = args
                .ints(usize::MAX, "output_padding", n, None)?
                .into_iter()
                .map(|v| v.max(0) as u64)
                .collect();
            for (i, p) in op.iter().enumerate() {
                if *p >= strides[i] {
                    return Err(error(
                        args.pos,
                        format!(
                            "{}: output_padding must be smaller than the stride",
                            args.class
                        ),
                    ));
                }
            }
            Some(op)
        }
    };
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    let input = rank(args, inputs, n + 2)?;
    let cin = channels(args, input)?;
    let mut out = vec![input[0]];
    for i in 0..n {
        let size = deconv_out(
            input[i + 1],
            kernel[i],
            strides[i],
            dilation[i],
            &padding,
            output_padding.as_ref().map(|o| o[i]),
        );
        if input[i + 1].is_some() && size.is_none() {
            return Err(error(
                args.pos,
                format!("{}: the output size overflows", args.class),
            ));
        }
        out.push(size);
    }
    out.push(Some(filters));
    let mut factors = kernel.clone();
    factors.push(cin);
    factors.push(filters);
    Built::one(
        out,
        kernel_weights(args, &factors, use_bias.then_some(filters))?,
    )
}

pub fn separable(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        4,
        &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "depth_multiplier",
            "use_bias",
            "pointwise_constraint",
            "depthwise_constraint",
        ],
    )?;
    channels_last(args)?;
    let n = spatial(&args.class);
    let filters = args.size(0, "filters", None)?;
    let kernel = args.sizes(1, "kernel_size", n, None)?;
    let strides = args.sizes(2, "strides", n, Some(1))?;
    let padding = args.string(3, "padding", "valid", &["valid", "same", "causal"])?;
    let dilation = args.sizes(usize::MAX, "dilation_rate", n, Some(1))?;
    let multiplier = args.size(usize::MAX, "depth_multiplier", Some(1))?;
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    let input = rank(args, inputs, n + 2)?;
    let cin = channels(args, input)?;
    let mut out = windows_out(args, input, &kernel, &strides, &dilation, &padding)?;
    out.push(Some(filters));
    let mut depthwise = kernel.clone();
    depthwise.push(cin);
    depthwise.push(multiplier);
    let pointwise = [cin, multiplier, filters];
    let dw = product(args, &depthwise)?;
    let pw = product(args, &pointwise)?;
    let mut count = sum(args, &[dw, pw])?;
    let mut formula = format!("{} + {}", times(&depthwise), times(&pointwise));
    if use_bias {
        count = sum(args, &[count, filters])?;
        formula.push_str(&format!(" + {filters}"));
    }
    Built::one(
        out,
        Weights {
            trainable: count,
            non_trainable: 0,
            formula,
        },
    )
}

pub fn depthwise(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        4,
        &[
            "kernel_size",
            "strides",
            "padding",
            "depth_multiplier",
            "data_format",
            "dilation_rate",
            "use_bias",
            "depthwise_constraint",
        ],
    )?;
    channels_last(args)?;
    let n = spatial(&args.class);
    let kernel = args.sizes(0, "kernel_size", n, None)?;
    let strides = args.sizes(1, "strides", n, Some(1))?;
    let padding = args.string(2, "padding", "valid", &["valid", "same", "causal"])?;
    let multiplier = args.size(3, "depth_multiplier", Some(1))?;
    let dilation = args.sizes(usize::MAX, "dilation_rate", n, Some(1))?;
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    let input = rank(args, inputs, n + 2)?;
    let cin = channels(args, input)?;
    let out_channels = cin * multiplier;
    let mut out = windows_out(args, input, &kernel, &strides, &dilation, &padding)?;
    out.push(Some(out_channels));
    let mut factors = kernel.clone();
    factors.push(cin);
    factors.push(multiplier);
    let kernel_count = product(args, &factors)?;
    let w = if use_bias {
        Weights {
            trainable: sum(args, &[kernel_count, out_channels])?,
            non_trainable: 0,
            formula: format!("{} + {}", times(&factors), times(&[cin, multiplier])),
        }
    } else {
        Weights {
            trainable: kernel_count,
            non_trainable: 0,
            formula: times(&factors),
        }
    };
    Built::one(out, w)
}
