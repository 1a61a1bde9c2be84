//! Attention: MultiHeadAttention (query, key, value and output projections, each with a bias
//! unless `use_bias=False`) and the parameter-free dot-product Attention.

use super::{Built, Registry, Shape, Weights, channels, product, sum};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

pub fn multi_head(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        2,
        &[
            "num_heads",
            "key_dim",
            "value_dim",
            "output_shape",
            "use_bias",
            "attention_axes",
            "flash_attention",
        ],
    )?;
    let h = args.size(0, "num_heads", None)?;
    let k = args.size(1, "key_dim", None)?;
    let v = args.size(usize::MAX, "value_dim", Some(k as i64))?;
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    let (query, value, key) = match inputs {
        [q, v] => (q, v, v),
        [q, v, k] => (q, v, k),
        _ => {
            return Err(error(
                args.pos,
                "MultiHeadAttention is called as layer(query, value) or layer(query, value, key)",
            ));
        }
    };
    let (dq, dv, dk) = (
        channels(args, query)?,
        channels(args, value)?,
        channels(args, key)?,
    );
    let output_dims: Vec<u64> = match args.int_list(usize::MAX, "output_shape")? {
        None => vec![dq],
        Some(list) => list.into_iter().map(|d| d.max(1) as u64).collect(),
    };
    let d_out = output_dims.iter().product::<u64>();
    let b = u64::from(use_bias);
    let terms = [
        product(args, &[dq, h, k])?,
        b * h * k,
        product(args, &[dk, h, k])?,
        b * h * k,
        product(args, &[dv, h, v])?,
        b * h * v,
        product(args, &[h, v, d_out])?,
        b * d_out,
    ];
    let count = sum(args, &terms)?;
    let formula = if use_bias {
        format!(
            "({dq} x {h} x {k} + {h} x {k}) + ({dk} x {h} x {k} + {h} x {k}) + ({dv} x {h} x {v} + {h} x {v}) + ({h} x {v} x {d_out} + {d_out})"
        )
    } else {
        format!("{dq} x {h} x {k} + {dk} x {h} x {k} + {dv} x {h} x {v} + {h} x {v} x {d_out}")
    };
    let mut out: Shape = query[..query.len() - 1].to_vec();
    out.extend(output_dims.iter().map(|d| Some(*d)));
    Built::one(
        out,
        Weights {
            trainable: count,
            non_trainable: 0,
            formula,
        },
    )
}

pub fn dot_product(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(0, &["use_scale", "score_mode", "causal"])?;
    let use_scale = args.bool(usize::MAX, "use_scale", false)?;
    let (query, value) = match inputs {
        [q, v] | [q, v, _] => (q, v),
        _ => {
            return Err(error(
                args.pos,
                "Attention is called on a list [query, value] or [query, value, key]",
            ));
        }
    };
    let mut out = query.clone();
    *out.last_mut().expect("rank >= 2") = *value.last().expect("rank >= 2");
    let w = if use_scale {
        Weights {
            trainable: 1,
            non_trainable: 0,
            formula: "1".into(),
        }
    } else {
        Weights::none()
    };
    Built::one(out, w)
}
