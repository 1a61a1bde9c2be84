//! BatchNormalization (gamma and beta trainable, moving mean and variance not: `4 x C`) and
//! LayerNormalization (`2 x C`).

use super::{Built, Registry, Shape, Weights, product, single};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

/// The normalised axes' sizes multiplied (`axis=-1` by default; a list of axes is allowed).
fn axis_size(args: &Args, input: &Shape) -> Result<u64, SyntaxError> {
    let axes = args.int_list(usize::MAX, "axis")?.unwrap_or(vec![-1]);
    let sizes = axes_sizes(args, input, &axes)?;
    product(args, &sizes)
}

/// The sizes of `axes` of `input` (negative from the end), each known and not the batch.
fn axes_sizes(args: &Args, input: &Shape, axes: &[i64]) -> Result<Vec<u64>, SyntaxError> {
    let rank = input.len() as i64;
    let mut seen = Vec::new();
    for &axis in axes {
        let a = if axis < 0 { rank + axis } else { axis };
        if a <= 0 || a >= rank || seen.contains(&a) {
            return Err(error(
                args.pos,
                format!(
                    "{}: axis {axis} is out of range for rank {rank}",
                    args.class
                ),
            ));
        }
        seen.push(a);
    }
    seen.iter()
        .map(|a| {
            input[*a as usize].ok_or_else(|| {
                error(
                    args.pos,
                    format!("{}: the normalised axis must have a known size", args.class),
                )
            })
        })
        .collect()
}

/// Normalization: mean and variance per kept axis plus a count, all non-trainable
/// (`2 x C + 1`); `axis=None` keeps none (`2 + 1`).
pub fn normalization(
    args: &Args,
    inputs: &[Shape],
    _: &dyn Registry,
) -> Result<Built, SyntaxError> {
    args.only(1, &["axis", "mean", "variance", "invert"])?;
    if args.has(usize::MAX, "mean") || args.has(usize::MAX, "variance") {
        // Given statistics are constants, not weights: Keras counts no parameters then.
        let input = single(args, inputs)?;
        return Built::one(input.clone(), Weights::none());
    }
    let input = single(args, inputs)?;
    let axes = match args.value(0, "axis") {
        Some((crate::engine::value::Value::None, _)) => vec![],
        Some(_) => args.int_list(0, "axis")?.unwrap_or_default(),
        None => vec![-1],
    };
    let sizes = axes_sizes(args, input, &axes)?;
    let c = product(args, &sizes)?;
    let count = super::sum(args, &[product(args, &[2, c])?, 1])?;
    Built::one(
        input.clone(),
        Weights {
            trainable: 0,
            non_trainable: count,
            formula: format!("2 x {c} + 1"),
        },
    )
}

pub fn batch_norm(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        0,
        &[
            "axis",
            "momentum",
            "epsilon",
            "center",
            "scale",
            "beta_initializer",
            "gamma_initializer",
            "moving_mean_initializer",
            "moving_variance_initializer",
            "beta_regularizer",
            "gamma_regularizer",
            "beta_constraint",
            "gamma_constraint",
            "synchronized",
            "renorm",
            "fused",
        ],
    )?;
    let input = single(args, inputs)?;
    let c = axis_size(args, input)?;
    let center = args.bool(usize::MAX, "center", true)?;
    let scale = args.bool(usize::MAX, "scale", true)?;
    let k = 2 + u64::from(center) + u64::from(scale);
    Built::one(
        input.clone(),
        Weights {
            trainable: product(args, &[c, k - 2])?,
            non_trainable: product(args, &[c, 2])?,
            formula: format!("{k} x {c}"),
        },
    )
}

pub fn layer_norm(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        0,
        &[
            "axis",
            "epsilon",
            "center",
            "scale",
            "rms_scaling",
            "beta_initializer",
            "gamma_initializer",
            "beta_regularizer",
            "gamma_regularizer",
            "beta_constraint",
            "gamma_constraint",
        ],
    )?;
    let input = single(args, inputs)?;
    let c = axis_size(args, input)?;
    let k = u64::from(args.bool(usize::MAX, "center", true)?)
        + u64::from(args.bool(usize::MAX, "scale", true)?);
    Built::one(
        input.clone(),
        Weights {
            trainable: product(args, &[c, k])?,
            non_trainable: 0,
            formula: if k == 0 {
                "0".into()
            } else {
                format!("{k} x {c}")
            },
        },
    )
}
