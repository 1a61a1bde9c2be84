//! Layers: for each Keras layer class, the output shape and the weights it creates, exactly as
//! Keras computes them, with the parameter formula in the exam's notation (`5 x 5 x 3 x 16 + 16`).
//! One file per family; adding a layer is one entry in its family's `build`.

pub mod args;
mod attention;
mod conv;
mod core;
mod merge;
mod normalization;
mod pooling;
mod recurrent;
mod reshaping;
mod wrappers;

use super::python::{SyntaxError, error};
use super::value::{Args, LayerId};

/// One dimension: `None` for the batch or an unknown size.
pub type Dim = Option<u64>;
/// A tensor shape including the batch dimension.
pub type Shape = Vec<Dim>;

/// The weights a layer creates.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Weights {
    pub trainable: u64,
    pub non_trainable: u64,
    /// How the count is computed, in the exam's notation; `0` for layers without weights.
    pub formula: String,
}

impl Weights {
    pub fn none() -> Weights {
        Weights {
            trainable: 0,
            non_trainable: 0,
            formula: "0".into(),
        }
    }

    pub fn total(&self) -> u64 {
        self.trainable + self.non_trainable
    }
}

/// What building a layer on its inputs gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Built {
    pub outputs: Vec<Shape>,
    pub weights: Weights,
}

impl Built {
    fn one(shape: Shape, weights: Weights) -> Result<Built, SyntaxError> {
        Ok(Built {
            outputs: vec![shape],
            weights,
        })
    }
}

/// What a layer's build may need from the rest of the network: the arguments of a layer passed
/// to it (the layer inside `TimeDistributed` or `Bidirectional`).
pub trait Registry {
    fn args_of(&self, id: LayerId) -> &Args;
}

type Builder = fn(&Args, &[Shape], &dyn Registry) -> Result<Built, SyntaxError>;

/// Every supported class and its family's builder.
fn table() -> &'static [(&'static str, Builder)] {
    &[
        ("InputLayer", core::input_layer),
        ("Dense", core::dense),
        ("Activation", core::same_shape),
        ("ReLU", core::same_shape),
        ("LeakyReLU", core::same_shape),
        ("ELU", core::same_shape),
        ("Softmax", core::same_shape),
        ("PReLU", core::prelu),
        ("Dropout", core::same_shape),
        ("SpatialDropout1D", core::same_shape),
        ("SpatialDropout2D", core::same_shape),
        ("SpatialDropout3D", core::same_shape),
        ("GaussianNoise", core::same_shape),
        ("GaussianDropout", core::same_shape),
        ("Rescaling", core::same_shape),
        ("Resizing", core::resizing),
        ("RandomCrop", core::crop),
        ("CenterCrop", core::crop),
        ("RandomFlip", core::augmentation),
        ("RandomRotation", core::augmentation),
        ("RandomZoom", core::augmentation),
        ("RandomContrast", core::augmentation),
        ("RandomTranslation", core::augmentation),
        ("RandomBrightness", core::augmentation),
        ("Normalization", normalization::normalization),
        ("ConvLSTM1D", recurrent::conv_lstm),
        ("ConvLSTM2D", recurrent::conv_lstm),
        ("ConvLSTM3D", recurrent::conv_lstm),
        ("Embedding", core::embedding),
        ("Conv1D", conv::conv),
        ("Conv2D", conv::conv),
        ("Conv3D", conv::conv),
        ("Conv1DTranspose", conv::conv_transpose),
        ("Conv2DTranspose", conv::conv_transpose),
        ("Conv3DTranspose", conv::conv_transpose),
        ("SeparableConv1D", conv::separable),
        ("SeparableConv2D", conv::separable),
        ("DepthwiseConv1D", conv::depthwise),
        ("DepthwiseConv2D", conv::depthwise),
        ("MaxPooling1D", pooling::pooling),
        ("MaxPooling2D", pooling::pooling),
        ("MaxPooling3D", pooling::pooling),
        ("AveragePooling1D", pooling::pooling),
        ("AveragePooling2D", pooling::pooling),
        ("AveragePooling3D", pooling::pooling),
        ("GlobalAveragePooling1D", pooling::global),
        ("GlobalAveragePooling2D", pooling::global),
        ("GlobalAveragePooling3D", pooling::global),
        ("GlobalMaxPooling1D", pooling::global),
        ("GlobalMaxPooling2D", pooling::global),
        ("GlobalMaxPooling3D", pooling::global),
        ("UpSampling1D", reshaping::upsampling),
        ("UpSampling2D", reshaping::upsampling),
        ("UpSampling3D", reshaping::upsampling),
        ("ZeroPadding1D", reshaping::zero_padding),
        ("ZeroPadding2D", reshaping::zero_padding),
        ("ZeroPadding3D", reshaping::zero_padding),
        ("Cropping1D", reshaping::cropping),
        ("Cropping2D", reshaping::cropping),
        ("Cropping3D", reshaping::cropping),
        ("Flatten", reshaping::flatten),
        ("Reshape", reshaping::reshape),
        ("Permute", reshaping::permute),
        ("RepeatVector", reshaping::repeat_vector),
        ("BatchNormalization", normalization::batch_norm),
        ("LayerNormalization", normalization::layer_norm),
        ("Concatenate", merge::concatenate),
        ("Add", merge::elementwise),
        // `x + y` on two tensors: Keras 2's TFOpLambda `tf.__operators__.add`, Keras 3's `Add`
        // operation (internal name; `network` shows each version's class).
        ("TensorAdd", merge::elementwise),
        // Keras 3's mask of `Embedding(mask_zero=True)` (internal; a row in Keras 3 only).
        ("NotEqual", core::same_shape),
        ("Subtract", merge::elementwise),
        ("Multiply", merge::elementwise),
        ("Average", merge::elementwise),
        ("Maximum", merge::elementwise),
        ("Minimum", merge::elementwise),
        ("Dot", merge::dot),
        ("SimpleRNN", recurrent::rnn),
        ("LSTM", recurrent::rnn),
        ("GRU", recurrent::rnn),
        ("Bidirectional", wrappers::bidirectional),
        ("TimeDistributed", wrappers::time_distributed),
        ("MultiHeadAttention", attention::multi_head),
        ("Attention", attention::dot_product),
    ]
}

/// Every layer class the engine knows.
pub fn classes() -> impl Iterator<Item = &'static str> {
    table().iter().map(|(c, _)| *c)
}

/// Is `class` a layer the engine knows?
pub fn is_known(class: &str) -> bool {
    table().iter().any(|(c, _)| *c == class)
}

/// Build layer `args` on `inputs`.
pub fn build(args: &Args, inputs: &[Shape], registry: &dyn Registry) -> Result<Built, SyntaxError> {
    let Some((_, builder)) = table().iter().find(|(c, _)| *c == args.class) else {
        return Err(error(args.pos, format!("unknown layer `{}`", args.class)));
    };
    builder(args, inputs, registry)
}

// ---- helpers shared by the families ----

/// The single input of a one-input layer.
fn single<'a>(args: &Args, inputs: &'a [Shape]) -> Result<&'a Shape, SyntaxError> {
    match inputs {
        [one] => Ok(one),
        _ => Err(error(
            args.pos,
            format!("{} takes one input, got {}", args.class, inputs.len()),
        )),
    }
}

/// Input of rank `rank` (batch included).
fn rank<'a>(args: &Args, inputs: &'a [Shape], rank: usize) -> Result<&'a Shape, SyntaxError> {
    let s = single(args, inputs)?;
    if s.len() != rank {
        return Err(error(
            args.pos,
            format!(
                "{} expects an input of rank {rank} (batch included), got {}",
                args.class,
                show(s)
            ),
        ));
    }
    Ok(s)
}

/// The last (channel) dimension, which must be known.
fn channels(args: &Args, shape: &Shape) -> Result<u64, SyntaxError> {
    shape.last().copied().flatten().ok_or_else(|| {
        error(
            args.pos,
            format!(
                "{}: the last dimension of its input must be known",
                args.class
            ),
        )
    })
}

/// Product of counts with overflow checking.
fn product(args: &Args, factors: &[u64]) -> Result<u64, SyntaxError> {
    factors.iter().try_fold(1u64, |acc, f| {
        acc.checked_mul(*f).ok_or_else(|| {
            error(
                args.pos,
                format!("{}: parameter count overflows", args.class),
            )
        })
    })
}

fn sum(args: &Args, terms: &[u64]) -> Result<u64, SyntaxError> {
    terms.iter().try_fold(0u64, |acc, t| {
        acc.checked_add(*t).ok_or_else(|| {
            error(
                args.pos,
                format!("{}: parameter count overflows", args.class),
            )
        })
    })
}

/// `5 x 5 x 3 x 16`
fn times(factors: &[u64]) -> String {
    factors
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(" x ")
}

/// A shape as Python prints a tuple: `(None, 128, 256, 16)`, `(None,)`.
pub fn show(shape: &Shape) -> String {
    let dims: Vec<String> = shape
        .iter()
        .map(|d| d.map(|v| v.to_string()).unwrap_or_else(|| "None".into()))
        .collect();
    if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    }
}

/// `(batch, spatial sizes...)` after a window (kernel or pool) slides over every spatial axis;
/// the caller appends the channels.
fn windows_out(
    args: &Args,
    input: &Shape,
    kernel: &[u64],
    strides: &[u64],
    dilation: &[u64],
    padding: &str,
) -> Result<Shape, SyntaxError> {
    let mut out = vec![input[0]];
    for i in 0..kernel.len() {
        out.push(window_out(
            args,
            input[i + 1],
            kernel[i],
            strides[i],
            dilation[i],
            padding,
        )?);
    }
    Ok(out)
}

/// Output length of a convolution or pooling window along one axis (Keras
/// `conv_output_length`).
fn window_out(
    args: &Args,
    n: Dim,
    kernel: u64,
    stride: u64,
    dilation: u64,
    padding: &str,
) -> Result<Dim, SyntaxError> {
    let Some(n) = n else { return Ok(None) };
    let dilated = (kernel - 1) * dilation + 1;
    let out = match padding {
        "same" | "causal" => n.div_ceil(stride),
        _ => {
            if n < dilated {
                return Err(error(
                    args.pos,
                    format!(
                        "{}: the input size {n} is smaller than the window {dilated}: the output would be empty",
                        args.class
                    ),
                ));
            }
            (n - dilated) / stride + 1
        }
    };
    Ok(Some(out))
}
