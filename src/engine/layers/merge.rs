//! Merging layers: Concatenate (along `axis`) and the element-wise Add, Subtract, Multiply,
//! Average, Maximum, Minimum.

use super::{Built, Registry, Shape, Weights, show};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

fn at_least_two(args: &Args, inputs: &[Shape]) -> Result<(), SyntaxError> {
    if inputs.len() < 2 {
        return Err(error(
            args.pos,
            format!("{} needs a list of at least 2 inputs", args.class),
        ));
    }
    if args.class == "Subtract" && inputs.len() != 2 {
        return Err(error(args.pos, "Subtract takes exactly 2 inputs"));
    }
    Ok(())
}

pub fn concatenate(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["axis"])?;
    at_least_two(args, inputs)?;
    let rank = inputs[0].len() as i64;
    let axis = args.int(0, "axis", Some(-1))?;
    let a = if axis < 0 { rank + axis } else { axis };
    if a <= 0 || a >= rank || inputs.iter().any(|s| s.len() as i64 != rank) {
        return Err(error(
            args.pos,
            "Concatenate: inputs must have the same rank and a valid axis",
        ));
    }
    let a = a as usize;
    let mut out = inputs[0].clone();
    for s in &inputs[1..] {
        for i in 1..s.len() {
            if i == a {
                out[i] = match (out[i], s[i]) {
                    (Some(x), Some(y)) => Some(x.checked_add(y).ok_or_else(|| {
                        error(args.pos, "Concatenate: the output size overflows")
                    })?),
                    _ => None,
                };
            } else if out[i] != s[i] && out[i].is_some() && s[i].is_some() {
                return Err(error(
                    args.pos,
                    format!(
                        "Concatenate: shapes {} and {} differ outside axis {axis}",
                        show(&inputs[0]),
                        show(s)
                    ),
                ));
            }
        }
    }
    Built::one(out, Weights::none())
}

pub fn elementwise(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(0, &[])?;
    at_least_two(args, inputs)?;
    let first = &inputs[0];
    for s in &inputs[1..] {
        if s != first {
            return Err(error(
                args.pos,
                format!(
                    "{}: inputs {} and {} must have the same shape",
                    args.class,
                    show(first),
                    show(s)
                ),
            ));
        }
    }
    Built::one(first.clone(), Weights::none())
}

/// Dot: the batched dot product along `axes` (Keras' `Dot.compute_output_shape`: each input
/// loses its axis, the second also its batch; `(batch,)` becomes `(batch, 1)`).
pub fn dot(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["axes", "normalize"])?;
    let [x, y] = inputs else {
        return Err(error(args.pos, "Dot takes exactly 2 inputs"));
    };
    let axes = args
        .int_list(0, "axes")?
        .ok_or_else(|| error(args.pos, "Dot: `axes` is required"))?;
    let axes = match axes.as_slice() {
        [a] => [*a, *a],
        [a, b] => [*a, *b],
        _ => return Err(error(args.pos, "Dot: `axes` is an integer or a pair")),
    };
    let norm = |axis: i64, s: &Shape| -> Result<usize, SyntaxError> {
        let rank = s.len() as i64;
        let a = if axis < 0 { rank + axis } else { axis };
        if a <= 0 || a >= rank {
            return Err(error(
                args.pos,
                format!("Dot: axis {axis} is out of range for {}", show(s)),
            ));
        }
        Ok(a as usize)
    };
    let (ax, ay) = (norm(axes[0], x)?, norm(axes[1], y)?);
    if let (Some(p), Some(q)) = (x[ax], y[ay])
        && p != q
    {
        return Err(error(
            args.pos,
            format!(
                "Dot: sizes {p} and {q} along the axes differ ({} · {})",
                show(x),
                show(y)
            ),
        ));
    }
    let mut out: Shape = x.clone();
    out.remove(ax);
    let mut rest = y.clone();
    rest.remove(ay);
    rest.remove(0);
    out.extend(rest);
    if out.len() == 1 {
        out.push(Some(1));
    }
    Built::one(out, Weights::none())
}
