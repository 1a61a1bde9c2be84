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
