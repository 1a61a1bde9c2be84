//! Pooling: Max/Average Pooling 1D/2D/3D (strides default to the pool size) and the global
//! poolings (with `keepdims`).

use super::{Built, Registry, Shape, Weights, rank, windows_out};
use crate::engine::python::SyntaxError;
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

pub fn pooling(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(4, &["pool_size", "strides", "padding", "data_format"])?;
    let n = spatial(&args.class);
    let pool = args.sizes(0, "pool_size", n, Some(2))?;
    let strides = match args.value(1, "strides") {
        None | Some((crate::engine::value::Value::None, _)) => pool.clone(),
        Some(_) => args.sizes(1, "strides", n, None)?,
    };
    let padding = args.string(2, "padding", "valid", &["valid", "same"])?;
    let input = rank(args, inputs, n + 2)?;
    let mut out = windows_out(args, input, &pool, &strides, &vec![1; n], &padding)?;
    out.push(input[n + 1]);
    Built::one(out, Weights::none())
}

pub fn global(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(0, &["data_format", "keepdims"])?;
    let n = spatial(&args.class);
    let keepdims = args.bool(usize::MAX, "keepdims", false)?;
    let input = rank(args, inputs, n + 2)?;
    let out = if keepdims {
        let mut s = vec![input[0]];
        s.extend(std::iter::repeat_n(Some(1), n));
        s.push(input[n + 1]);
        s
    } else {
        vec![input[0], input[n + 1]]
    };
    Built::one(out, Weights::none())
}
