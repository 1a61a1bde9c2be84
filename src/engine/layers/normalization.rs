//! BatchNormalization (gamma and beta trainable, moving mean and variance not: `4 x C`) and
//! LayerNormalization (`2 x C`).

use super::{Built, Registry, Shape, Weights, product, single};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

/// The normalised axis' size (`axis=-1` by default).
fn axis_size(args: &Args, input: &Shape) -> Result<u64, SyntaxError> {
    let axis = args.int(usize::MAX, "axis", Some(-1))?;
    let rank = input.len() as i64;
    let a = if axis < 0 { rank + axis } else { axis };
    if a <= 0 || a >= rank {
        return Err(error(
            args.pos,
            format!(
                "{}: axis {axis} is out of range for rank {rank}",
                args.class
            ),
        ));
    }
    input[a as usize].ok_or_else(|| {
        error(
            args.pos,
            format!("{}: the normalised axis must have a known size", args.class),
        )
    })
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
