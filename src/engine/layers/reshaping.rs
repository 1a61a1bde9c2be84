//! Reshaping: UpSampling, ZeroPadding, Cropping (1D/2D/3D), Flatten, Reshape, Permute,
//! RepeatVector.

use super::{Built, Dim, Registry, Shape, Weights, rank, show, single};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

fn spatial(class: &str) -> usize {
    if class.contains("1D") {
        1
    } else if class.contains("3D") {
        3
    } else {
        2
    }
}

/// Number of values in `dims`: unknown if one is unknown, an error if it overflows.
fn volume(args: &Args, dims: &[Dim]) -> Result<Dim, SyntaxError> {
    let mut total = 1u64;
    for d in dims {
        let Some(d) = d else { return Ok(None) };
        total = total
            .checked_mul(*d)
            .ok_or_else(|| error(args.pos, format!("{}: the size overflows", args.class)))?;
    }
    Ok(Some(total))
}

/// A dimension grown by `f`, refused when it would overflow.
fn grow(args: &Args, d: Dim, f: impl Fn(u64) -> Option<u64>) -> Result<Dim, SyntaxError> {
    match d {
        None => Ok(None),
        Some(d) => f(d).map(Some).ok_or_else(|| {
            error(
                args.pos,
                format!("{}: the output size overflows", args.class),
            )
        }),
    }
}

pub fn upsampling(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["size", "data_format", "interpolation"])?;
    let n = spatial(&args.class);
    let size = args.sizes(0, "size", n, Some(2))?;
    let input = rank(args, inputs, n + 2)?;
    let mut out = input.clone();
    for i in 0..n {
        out[i + 1] = grow(args, input[i + 1], |d| d.checked_mul(size[i]))?;
    }
    Built::one(out, Weights::none())
}

pub fn zero_padding(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["padding", "data_format"])?;
    let n = spatial(&args.class);
    let pads = args.pairs(0, "padding", n, 1)?;
    let input = rank(args, inputs, n + 2)?;
    let mut out = input.clone();
    for (i, (a, b)) in pads.iter().enumerate() {
        out[i + 1] = grow(args, input[i + 1], |d| d.checked_add(a.checked_add(*b)?))?;
    }
    Built::one(out, Weights::none())
}

pub fn cropping(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["cropping", "data_format"])?;
    let n = spatial(&args.class);
    let crops = args.pairs(0, "cropping", n, if n == 1 { 1 } else { 0 })?;
    let input = rank(args, inputs, n + 2)?;
    let mut out = input.clone();
    for (i, (a, b)) in crops.iter().enumerate() {
        out[i + 1] = match input[i + 1] {
            Some(d) if d > a + b => Some(d - a - b),
            Some(d) => {
                return Err(error(
                    args.pos,
                    format!(
                        "{}: cropping {a} + {b} leaves nothing of size {d}",
                        args.class
                    ),
                ));
            }
            None => None,
        };
    }
    Built::one(out, Weights::none())
}

pub fn flatten(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(0, &["data_format"])?;
    let input = single(args, inputs)?;
    let flat = volume(args, &input[1..])?;
    Built::one(vec![input[0], flat], Weights::none())
}

pub fn reshape(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["target_shape"])?;
    let input = single(args, inputs)?;
    let pos = args
        .value(0, "target_shape")
        .map(|(_, p)| p)
        .unwrap_or(args.pos);
    let target = args
        .int_list(0, "target_shape")?
        .ok_or_else(|| error(args.pos, "Reshape: `target_shape` is required"))?;
    let total = volume(args, &input[1..])?;
    let unknown = target.iter().filter(|d| **d == -1).count();
    if unknown > 1 || target.iter().any(|d| *d == 0 || *d < -1) {
        return Err(error(
            pos,
            "Reshape: `target_shape` takes positive sizes and at most one -1",
        ));
    }
    let known: u64 = target
        .iter()
        .filter(|d| **d > 0)
        .map(|d| *d as u64)
        .product();
    let mut out: Shape = vec![input[0]];
    for d in &target {
        if *d == -1 {
            out.push(match total {
                Some(t) if known > 0 && t % known == 0 => Some(t / known),
                Some(t) => {
                    return Err(error(
                        pos,
                        format!("Reshape: {t} values cannot be reshaped to {target:?}"),
                    ));
                }
                None => None,
            });
        } else {
            out.push(Some(*d as u64));
        }
    }
    if unknown == 0
        && let Some(t) = total
        && t != known
    {
        return Err(error(
            pos,
            format!(
                "Reshape: an input of {} ({t} values) cannot become {}",
                show(input),
                show(&out)
            ),
        ));
    }
    Built::one(out, Weights::none())
}

pub fn permute(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(1, &["dims"])?;
    let input = single(args, inputs)?;
    let dims = args
        .int_list(0, "dims")?
        .ok_or_else(|| error(args.pos, "Permute: `dims` is required"))?;
    let mut sorted = dims.clone();
    sorted.sort();
    if sorted != (1..=(input.len() as i64 - 1)).collect::<Vec<_>>() {
        return Err(error(
            args.pos,
            format!(
                "Permute: `dims` must be a permutation of 1..{}",
                input.len() - 1
            ),
        ));
    }
    let mut out = vec![input[0]];
    out.extend(dims.iter().map(|d| input[*d as usize]));
    Built::one(out, Weights::none())
}

pub fn repeat_vector(
    args: &Args,
    inputs: &[Shape],
    _: &dyn Registry,
) -> Result<Built, SyntaxError> {
    args.only(1, &["n"])?;
    let n = args.size(0, "n", None)?;
    let input = rank(args, inputs, 2)?;
    Built::one(vec![input[0], Some(n), input[1]], Weights::none())
}
