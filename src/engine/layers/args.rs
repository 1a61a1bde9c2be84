//! Reading a layer's constructor arguments the way Keras does: positional or keyword, ints or
//! tuples for sizes, defaults; an argument the engine does not know is an error, not ignored.

use crate::engine::python::{Pos, SyntaxError, error};
use crate::engine::value::{Args, Value};

/// Arguments every layer accepts that never change a shape or a parameter count.
const HARMLESS: [&str; 22] = [
    "name",
    "activation",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
    "dtype",
    "trainable",
    "seed",
    "recurrent_initializer",
    "recurrent_regularizer",
    "recurrent_constraint",
    "recurrent_activation",
    "dropout",
    "recurrent_dropout",
    "depthwise_initializer",
    "pointwise_initializer",
    "depthwise_regularizer",
    "pointwise_regularizer",
];

/// Largest size, stride, count or factor accepted: far beyond any exam, small enough that the
/// arithmetic on it cannot overflow.
pub const MAX_SIZE: u64 = 1 << 24;

/// Arguments that say the input shape of a first layer.
pub const INPUT_SHAPE_ARGS: [&str; 3] = ["input_shape", "batch_input_shape", "input_dim"];

impl Args {
    fn find(&self, index: usize, name: &str) -> Option<(&Value, Pos)> {
        if let Some((_, v, p)) = self.keywords.iter().find(|(k, _, _)| k == name) {
            return Some((v, *p));
        }
        if index != usize::MAX {
            return self.positional.get(index).map(|(v, p)| (v, *p));
        }
        None
    }

    /// Fail on positional arguments past `count` and keywords not in `known` (nor harmless).
    pub fn only(&self, count: usize, known: &[&str]) -> Result<(), SyntaxError> {
        if let Some((_, pos)) = self.positional.get(count) {
            return Err(error(
                *pos,
                format!(
                    "{} takes at most {count} positional argument(s)",
                    self.class
                ),
            ));
        }
        for (k, _, pos) in &self.keywords {
            if !known.contains(&k.as_str())
                && !HARMLESS.contains(&k.as_str())
                && !INPUT_SHAPE_ARGS.contains(&k.as_str())
            {
                return Err(error(
                    *pos,
                    format!(
                        "{}: argument `{k}` is not supported by the engine",
                        self.class
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn has(&self, index: usize, name: &str) -> bool {
        self.find(index, name).is_some()
    }

    pub fn value(&self, index: usize, name: &str) -> Option<(&Value, Pos)> {
        self.find(index, name)
    }

    fn wrong(&self, pos: Pos, name: &str, wanted: &str, got: &Value) -> SyntaxError {
        error(
            pos,
            format!(
                "{}: `{name}` must be {wanted}, not {}",
                self.class,
                got.describe()
            ),
        )
    }

    pub fn int(&self, index: usize, name: &str, default: Option<i64>) -> Result<i64, SyntaxError> {
        match self.find(index, name) {
            Some((Value::Int(i), _)) => Ok(*i),
            Some((Value::None, _)) | None => default
                .ok_or_else(|| error(self.pos, format!("{}: `{name}` is required", self.class))),
            Some((v, p)) => Err(self.wrong(p, name, "an integer", v)),
        }
    }

    /// A positive integer size.
    pub fn size(&self, index: usize, name: &str, default: Option<i64>) -> Result<u64, SyntaxError> {
        let v = self.int(index, name, default)?;
        let pos = self.find(index, name).map(|(_, p)| p).unwrap_or(self.pos);
        u64::try_from(v).ok().filter(|v| *v > 0).ok_or_else(|| {
            error(
                pos,
                format!("{}: `{name}` must be positive, not {v}", self.class),
            )
        })
    }

    pub fn float(&self, index: usize, name: &str, default: f64) -> Result<f64, SyntaxError> {
        match self.find(index, name) {
            Some((Value::Int(i), _)) => Ok(*i as f64),
            Some((Value::Float(f), _)) => Ok(*f),
            None => Ok(default),
            Some((v, p)) => Err(self.wrong(p, name, "a number", v)),
        }
    }

    pub fn bool(&self, index: usize, name: &str, default: bool) -> Result<bool, SyntaxError> {
        match self.find(index, name) {
            Some((Value::Bool(b), _)) => Ok(*b),
            None => Ok(default),
            Some((v, p)) => Err(self.wrong(p, name, "True or False", v)),
        }
    }

    pub fn string(
        &self,
        index: usize,
        name: &str,
        default: &str,
        allowed: &[&str],
    ) -> Result<String, SyntaxError> {
        match self.find(index, name) {
            None | Some((Value::None, _)) if !default.is_empty() => Ok(default.to_string()),
            Some((Value::Str(s), p)) => {
                let lower = s.to_lowercase();
                if allowed.is_empty() || allowed.contains(&lower.as_str()) {
                    Ok(lower)
                } else {
                    Err(error(
                        p,
                        format!(
                            "{}: `{name}` = '{s}' is not supported (expected {})",
                            self.class,
                            allowed
                                .iter()
                                .map(|a| format!("'{a}'"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                }
            }
            Some((Value::None, _)) | None => Ok(String::new()),
            Some((v, p)) => Err(self.wrong(p, name, "a string", v)),
        }
    }

    /// An int or a tuple/list of `n` ints (`kernel_size=3` or `(3, 3)`).
    pub fn ints(
        &self,
        index: usize,
        name: &str,
        n: usize,
        default: Option<i64>,
    ) -> Result<Vec<i64>, SyntaxError> {
        match self.find(index, name) {
            Some((Value::Int(i), _)) => Ok(vec![*i; n]),
            Some((v @ (Value::Tuple(_) | Value::List(_)), p)) => {
                let items = v.items().unwrap_or_default();
                if items.len() != n {
                    return Err(error(
                        p,
                        format!(
                            "{}: `{name}` needs {n} value(s), got {}",
                            self.class,
                            items.len()
                        ),
                    ));
                }
                items
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Ok(*i),
                        other => Err(self.wrong(p, name, "integers", other)),
                    })
                    .collect()
            }
            Some((Value::None, _)) | None => match default {
                Some(d) => Ok(vec![d; n]),
                None => Err(error(
                    self.pos,
                    format!("{}: `{name}` is required", self.class),
                )),
            },
            Some((v, p)) => Err(self.wrong(p, name, "an integer or a tuple", v)),
        }
    }

    /// Like [`Args::ints`] but every value must be positive.
    pub fn sizes(
        &self,
        index: usize,
        name: &str,
        n: usize,
        default: Option<i64>,
    ) -> Result<Vec<u64>, SyntaxError> {
        let pos = self.find(index, name).map(|(_, p)| p).unwrap_or(self.pos);
        self.ints(index, name, n, default)?
            .into_iter()
            .map(|v| {
                u64::try_from(v).ok().filter(|v| *v > 0).ok_or_else(|| {
                    error(
                        pos,
                        format!("{}: `{name}` values must be positive", self.class),
                    )
                })
            })
            .collect()
    }

    /// A nested padding/cropping spec: int, tuple of n ints (symmetric), or n pairs.
    pub fn pairs(
        &self,
        index: usize,
        name: &str,
        n: usize,
        default: i64,
    ) -> Result<Vec<(u64, u64)>, SyntaxError> {
        let pos = self.find(index, name).map(|(_, p)| p).unwrap_or(self.pos);
        let nonneg = |v: &Value| -> Result<u64, SyntaxError> {
            match v {
                Value::Int(i) if *i >= 0 => Ok(*i as u64),
                other => Err(self.wrong(pos, name, "non-negative integers", other)),
            }
        };
        let found = self.find(index, name);
        let items = found.and_then(|(v, _)| v.items());
        match found {
            None => Ok(vec![(default as u64, default as u64); n]),
            Some((Value::Int(_), _)) => {
                let v = nonneg(
                    self.find(index, name)
                        .map(|(v, _)| v)
                        .unwrap_or(&Value::None),
                )?;
                Ok(vec![(v, v); n])
            }
            Some(_) if n == 1 && items.as_ref().is_some_and(|i| i.len() == 2) => {
                let items = items.unwrap_or_default();
                Ok(vec![(nonneg(&items[0])?, nonneg(&items[1])?)])
            }
            Some(_) if items.as_ref().is_some_and(|i| i.len() == n) => items
                .unwrap_or_default()
                .iter()
                .map(|item| match (item, item.items()) {
                    (Value::Int(_), _) => {
                        let v = nonneg(item)?;
                        Ok((v, v))
                    }
                    (_, Some(p)) if p.len() == 2 => Ok((nonneg(&p[0])?, nonneg(&p[1])?)),
                    (other, _) => Err(self.wrong(pos, name, "integers or pairs", other)),
                })
                .collect(),
            Some((v, p)) => Err(self.wrong(p, name, &format!("an int, {n} ints or {n} pairs"), v)),
        }
    }

    /// An int or a list/tuple of ints; `None` when absent or `None`.
    pub fn int_list(&self, index: usize, name: &str) -> Result<Option<Vec<i64>>, SyntaxError> {
        match self.find(index, name) {
            None | Some((Value::None, _)) => Ok(None),
            Some((Value::Int(i), _)) => Ok(Some(vec![*i])),
            Some((v @ (Value::Tuple(_) | Value::List(_)), p)) => v
                .items()
                .unwrap_or_default()
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Ok(*i),
                    other => Err(self.wrong(p, name, "integers", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some((v, p)) => Err(self.wrong(p, name, "an integer or a list of integers", v)),
        }
    }

    /// A layer passed as an argument (TimeDistributed, Bidirectional).
    pub fn layer(&self, index: usize, name: &str) -> Result<usize, SyntaxError> {
        match self.find(index, name) {
            Some((Value::Layer(id), _)) => Ok(*id),
            Some((v, p)) => Err(self.wrong(p, name, "a layer", v)),
            None => Err(error(
                self.pos,
                format!("{}: `{name}` is required", self.class),
            )),
        }
    }
}
