//! `examgrade summary`: the reference engine against what real Keras printed
//! (fixtures/keras/goldens, written by tools/keras-goldens/generate.sh).

use super::*;
use std::collections::HashSet;

fn snippets() -> Vec<PathBuf> {
    snippets_in("fixtures/keras")
}

fn snippets_in(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    v.sort();
    v
}

fn golden(snippet: &Path, suffix: &str) -> PathBuf {
    let name = snippet.file_stem().unwrap().to_str().unwrap();
    snippet
        .parent()
        .unwrap()
        .join(format!("goldens/{name}.{suffix}"))
}

fn summary(args: &[&str]) -> assert_cmd::assert::Assert {
    examgrade().arg("summary").args(args).assert()
}

#[test]
fn every_golden_summary_matches_real_keras_byte_for_byte() {
    let mut compared = 0;
    for snippet in snippets() {
        let path = snippet.to_str().unwrap();
        for version in ["2", "3"] {
            let text = golden(&snippet, &format!("keras{version}.txt"));
            let error = golden(&snippet, &format!("keras{version}.error"));
            if text.exists() {
                let out = summary(&[path, "--keras", version]).success();
                let got = String::from_utf8(out.get_output().stdout.clone()).unwrap();
                assert_eq!(got, read(&text), "{} (Keras {version})", snippet.display());
                compared += 1;
            } else {
                // Keras refused the model (an unbuilt Sequential in Keras 2): so must we.
                let said = read(&error);
                let message = said.trim().split_once(": ").unwrap().1;
                let out = summary(&[path, "--keras", version]).code(2);
                let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
                assert!(stderr.contains(message), "{}: {stderr}", snippet.display());
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 178, "89 snippets × 2 versions");
}

#[test]
fn every_golden_json_matches_real_keras_shapes_and_counts() {
    json_matches_goldens(snippets());
}

fn json_matches_goldens(snippets: Vec<PathBuf>) {
    for snippet in snippets {
        let path = snippet.to_str().unwrap();
        for version in ["2", "3"] {
            let golden = golden(&snippet, &format!("keras{version}.json"));
            if !golden.exists() {
                continue;
            }
            let expected: serde_json::Value = serde_json::from_str(&read(&golden)).unwrap();
            let out = summary(&[path, "--keras", version, "--format", "json"])
                .get_output()
                .clone();
            if out.status.code() == Some(2) {
                continue; // refused: held by the refusal snapshot
            }
            let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let what = format!("{} (Keras {version})", snippet.display());
            for key in [
                "name",
                "total_params",
                "trainable_params",
                "non_trainable_params",
            ] {
                assert_eq!(got[key], expected[key], "{what}: {key}");
            }
            let expected_layers = expected["layers"].as_array().unwrap();
            // Keras 3 lists `x + y` as an `Add` operation row in the summary, but an operation
            // is not in `model.layers`, which the JSON golden records.
            let got_layers: Vec<&serde_json::Value> = got["layers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|g| {
                    version == "2"
                        || !matches!(g["class"].as_str(), Some("Add" | "NotEqual"))
                        || expected_layers.iter().any(|e| e["name"] == g["name"])
                })
                .collect();
            assert_eq!(
                got_layers.len(),
                expected_layers.len(),
                "{what}: layer count"
            );
            for (g, e) in got_layers.iter().zip(expected_layers) {
                for key in [
                    "name",
                    "class",
                    "output_shape",
                    "params",
                    "trainable_params",
                    "non_trainable_params",
                ] {
                    assert_eq!(g[key], e[key], "{what}: layer {} {key}", e["name"]);
                }
            }
        }
    }
}

#[test]
fn seed_network_totals_and_receptive_field() {
    let out = summary(&["fixtures/keras/01_seed_2022_02_09.py", "--format", "json"]).success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["total_params"], 52163);
    assert_eq!(json["trainable_params"], 51907);
    assert_eq!(json["non_trainable_params"], 256);
    let layer = |name: &str| {
        json["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        layer("batchNorm")["receptive_field"],
        serde_json::json!([12, 12])
    );
    assert_eq!(layer("batchNorm")["formula"], "4 x 128");
    assert_eq!(layer("conv1")["formula"], "5 x 5 x 3 x 16 + 16");
    assert_eq!(layer("convt1")["formula"], "3 x 3 x 128 x 32 + 32");
    // The measured fields along the chain (research/keras-facts.md).
    let fields: Vec<serde_json::Value> = [
        "conv1",
        "mp1",
        "conv2",
        "mp2",
        "dropout",
        "conv3",
        "batchNorm",
    ]
    .iter()
    .map(|n| layer(n)["receptive_field"][0].clone())
    .collect();
    assert_eq!(fields, [5, 6, 10, 12, 12, 12, 12]);
}

#[test]
fn template_and_filled_forms_of_the_seed() {
    let out = summary(&["fixtures/keras/01_seed_2022_02_09.py", "--template"]).success();
    let template = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(template.contains(
        " conv1 (Conv2D)              [ADD SIZES]               [ADD PARAMS FORMULA] [ADD PARAMS]   \n"
    ));
    assert!(template.contains("Total params: [ADD PARAMS]\n"));
    assert!(!template.contains("1216"));
    let out = summary(&["fixtures/keras/01_seed_2022_02_09.py", "--filled"]).success();
    let filled = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(filled.contains(
        " conv1 (Conv2D)              (None, 128, 256, 16)      5 x 5 x 3 x 16 + 16 = 1216"
    ));
    assert!(
        filled.contains(" batchNorm (BatchNormalizat  (None, 32, 64, 128)       4 x 128 = 512")
    );
    assert!(
        filled
            .contains("Total params: 52163\nTrainable params: 51907\nNon-trainable params: 256\n")
    );
    // The template is Keras 2's layout, the one grade reads: with --keras 3 it is refused.
    let out = summary(&[
        "fixtures/keras/01_seed_2022_02_09.py",
        "--keras",
        "3",
        "--template",
    ])
    .code(2);
    assert!(out.get_output().stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.get_output().stderr.clone()).unwrap(),
        "error: fixtures/keras/01_seed_2022_02_09.py: --template is written in Keras 2's layout, \
         the one `grade` reads back; drop --keras 3 (Keras 3 prints its own layout only with \
         `summary --keras 3`)\n"
    );
}

#[test]
fn unsupported_code_is_an_error_at_its_line_and_column() {
    let cases = [
        (
            "unknown_layer",
            "line 6, column 10: unknown layer `CapsuleLayer`: the engine does not support it",
        ),
        (
            "unsupported_argument",
            "line 5, column 23: Conv2D: `padding` = 'full' is not supported (expected 'valid', 'same')",
        ),
        (
            "loop",
            "line 7, column 9: the code makes more than 10000 layers",
        ),
        (
            "nested_model_twice",
            "line 7, column 5: a model called as a layer a second time: the engine does not model a shared nested model",
        ),
        (
            "duplicate_names",
            "line 9, column 5: the name \"dense_1\" is used twice in the model: Keras refuses it (layer names must be unique)",
        ),
        (
            "custom_layer",
            "line 5, column 1: a `class` definition (`Scale`): custom layers and models are not supported",
        ),
        (
            "channels_first",
            "line 4, column 25: Conv2D: data_format='channels_first' is not supported",
        ),
        (
            "undefined_name",
            "line 5, column 25: `n_filters` is not defined",
        ),
    ];
    for (name, message) in cases {
        let file = format!("fixtures/keras/invalid/{name}.py");
        let out = summary(&[&file]).code(2).stdout("");
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr, format!("error: {file}: {message}\n"), "{name}");
    }
}

// ---- Receptive fields against a brute-force measurement ----

/// One layer of a 2-D chain, as the brute force sees it.
#[derive(Clone, Copy)]
enum Op {
    /// kernel, stride, dilation, same padding
    Conv([i64; 2], [i64; 2], [i64; 2], bool),
    Pool([i64; 2], [i64; 2], bool),
    /// kernel, stride, same padding
    ConvT([i64; 2], [i64; 2], bool),
    /// (top, left) padding and (bottom, right)
    Pad([i64; 2], [i64; 2]),
    Crop([i64; 2], [i64; 2]),
    Up([i64; 2]),
}

fn python(op: Op) -> String {
    let pad = |same: bool| if same { "'same'" } else { "'valid'" };
    match op {
        Op::Conv(k, s, d, same) => format!(
            "tfkl.Conv2D(2, ({}, {}), strides=({}, {}), dilation_rate=({}, {}), padding={})",
            k[0],
            k[1],
            s[0],
            s[1],
            d[0],
            d[1],
            pad(same)
        ),
        Op::Pool(k, s, same) => format!(
            "tfkl.MaxPooling2D(({}, {}), strides=({}, {}), padding={})",
            k[0],
            k[1],
            s[0],
            s[1],
            pad(same)
        ),
        Op::ConvT(k, s, same) => format!(
            "tfkl.Conv2DTranspose(2, ({}, {}), strides=({}, {}), padding={})",
            k[0],
            k[1],
            s[0],
            s[1],
            pad(same)
        ),
        Op::Pad(a, b) => format!(
            "tfkl.ZeroPadding2D((({}, {}), ({}, {})))",
            a[0], b[0], a[1], b[1]
        ),
        Op::Crop(a, b) => format!(
            "tfkl.Cropping2D((({}, {}), ({}, {})))",
            a[0], b[0], a[1], b[1]
        ),
        Op::Up(f) => format!("tfkl.UpSampling2D(({}, {}))", f[0], f[1]),
    }
}

/// For one layer: every (output pixel, input pixel) pair of the dependency, enumerated tap by
/// tap over the whole grid (not interval arithmetic), as TensorFlow pads.
fn edges(op: Op, n_in: [i64; 2], n_out: [i64; 2]) -> Vec<([i64; 2], [i64; 2])> {
    let mut pairs = Vec::new();
    let axis_taps = |axis: usize, o: i64| -> Vec<i64> {
        match op {
            Op::Conv(..) | Op::Pool(..) => {
                let (k, s, d, same) = match op {
                    Op::Conv(k, s, d, same) => (k, s, d[axis], same),
                    Op::Pool(k, s, same) => (k, s, 1, same),
                    _ => unreachable!(),
                };
                let extent = (k[axis] - 1) * d + 1;
                let left = if same {
                    ((n_out[axis] - 1) * s[axis] + extent - n_in[axis]).max(0) / 2
                } else {
                    0
                };
                (0..k[axis]).map(|t| o * s[axis] - left + t * d).collect()
            }
            Op::ConvT(k, s, same) => {
                let left = if same {
                    ((n_in[axis] - 1) * s[axis] + k[axis] - n_out[axis]).max(0) / 2
                } else {
                    0
                };
                // Forward enumeration: input i reaches outputs i·s − left + t.
                (0..n_in[axis])
                    .filter(|i| (0..k[axis]).any(|t| i * s[axis] - left + t == o))
                    .collect()
            }
            Op::Pad(a, _) => vec![o - a[axis]],
            Op::Crop(a, _) => vec![o + a[axis]],
            Op::Up(f) => vec![o / f[axis]],
        }
    };
    for r in 0..n_out[0] {
        for c in 0..n_out[1] {
            for i in axis_taps(0, r) {
                for j in axis_taps(1, c) {
                    if (0..n_in[0]).contains(&i) && (0..n_in[1]).contains(&j) {
                        pairs.push(([r, c], [i, j]));
                    }
                }
            }
        }
    }
    pairs
}

fn check_chain(input: [i64; 2], ops: &[Op]) {
    let mut src = format!(
        "import tensorflow as tf\ntfkl = tf.keras.layers\nx_in = tfkl.Input(shape=({}, {}, 1))\nx = x_in\n",
        input[0], input[1]
    );
    for op in ops {
        src.push_str(&format!("x = {}(x)\n", python(*op)));
    }
    src.push_str("model = tf.keras.Model(x_in, x)\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.py");
    std::fs::write(&file, &src).unwrap();
    let out = examgrade()
        .arg("summary")
        .arg(&file)
        .args(["--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let layers = json["layers"].as_array().unwrap();
    let size = |l: &serde_json::Value| -> [i64; 2] {
        let s = if l["output_shape"][0].is_array() {
            &l["output_shape"][0]
        } else {
            &l["output_shape"]
        };
        [s[1].as_i64().unwrap(), s[2].as_i64().unwrap()]
    };
    let sizes: Vec<[i64; 2]> = layers.iter().map(size).collect();
    for target in 1..layers.len() {
        // Walk the centre pixel's dependency back to the input, pixel by pixel.
        let centre = [sizes[target][0] / 2, sizes[target][1] / 2];
        let mut frontier: HashSet<[i64; 2]> = HashSet::from([centre]);
        for l in (1..=target).rev() {
            let pairs = edges(ops[l - 1], sizes[l - 1], sizes[l]);
            frontier = pairs
                .into_iter()
                .filter(|(o, _)| frontier.contains(o))
                .map(|(_, i)| i)
                .collect();
        }
        let (rows, cols): (Vec<i64>, Vec<i64>) = frontier.iter().map(|p| (p[0], p[1])).unzip();
        let measured = serde_json::json!([
            rows.iter().max().unwrap() - rows.iter().min().unwrap() + 1,
            cols.iter().max().unwrap() - cols.iter().min().unwrap() + 1
        ]);
        assert_eq!(
            layers[target]["receptive_field"], measured,
            "{src}layer {}",
            layers[target]["name"]
        );
    }
}

#[test]
fn receptive_fields_agree_with_a_brute_force_measurement() {
    use Op::*;
    check_chain(
        [32, 29],
        &[
            Conv([5, 3], [1, 1], [1, 1], true),
            Pool([2, 2], [2, 2], false),
            Conv([3, 3], [2, 2], [1, 1], true),
            Conv([3, 3], [1, 1], [2, 2], true),
            Pool([3, 3], [2, 2], true),
            ConvT([3, 3], [2, 2], true),
            ConvT([4, 3], [3, 2], false),
        ],
    );
    check_chain(
        [21, 17],
        &[
            Pad([1, 2], [0, 1]),
            Conv([3, 4], [3, 2], [1, 1], false),
            Up([2, 3]),
            Crop([1, 0], [2, 3]),
            Conv([2, 2], [1, 1], [1, 1], true),
            Pool([2, 3], [1, 2], true),
        ],
    );
    // Near the border the field is clipped: a big kernel on a small image.
    check_chain(
        [7, 9],
        &[
            Conv([5, 5], [1, 1], [1, 1], true),
            Conv([5, 5], [1, 1], [1, 1], true),
        ],
    );
}

#[test]
fn receptive_fields_agree_with_real_keras_gradients() {
    // fixtures/keras/goldens/*.rf.json: fields measured with tf-keras by gradient
    // (tools/keras-goldens/receptive.py), for every 2-D layer of every single-image-input model.
    let compared = receptive_fields_match(snippets());
    assert!(compared >= 150, "only {compared} receptive fields compared");
}

fn receptive_fields_match(snippets: Vec<PathBuf>) -> usize {
    let mut compared = 0;
    for snippet in snippets {
        let measured_file = golden(&snippet, "rf.json");
        if !measured_file.exists() {
            continue;
        }
        let measured: serde_json::Value = serde_json::from_str(&read(&measured_file)).unwrap();
        let out = summary(&[snippet.to_str().unwrap(), "--format", "json"])
            .get_output()
            .clone();
        if out.status.code() == Some(2) {
            continue; // refused: held by the refusal snapshot
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Layers without a field: the documented non-window layers, and what depends on them.
        let mut no_field: HashSet<String> = HashSet::new();
        for layer in json["layers"].as_array().unwrap() {
            let name = layer["name"].as_str().unwrap();
            let class = layer["class"].as_str().unwrap();
            let engine = &layer["receptive_field"];
            if engine.is_null() {
                let upstream_lost = layer["inbound"].as_array().unwrap().iter().any(|i| {
                    let producer = i.as_str().unwrap().split('[').next().unwrap();
                    no_field.contains(producer)
                });
                let non_window = matches!(
                    class,
                    "Sequential"
                        | "Functional"
                        | "RandomCrop"
                        | "Resizing"
                        | "Flatten"
                        | "Reshape"
                        | "GlobalAveragePooling2D"
                        | "GlobalMaxPooling2D"
                );
                if upstream_lost || non_window {
                    no_field.insert(name.to_string());
                    continue;
                }
            }
            let Some(expected) = measured.get(name) else {
                continue;
            };
            assert_eq!(engine, expected, "{}: {name} ({class})", snippet.display());
            compared += 1;
        }
    }
    compared
}

// ---- The real-world corpus (fixtures/keras/real, sources in its SOURCES.md) ----

/// What the engine does with each real-world snippet under each Keras version: the exact
/// summary real Keras printed, or a refusal at a line and column — never another summary.
/// The refusals are held in `fixtures/keras/real/refusals.txt`, so any change is seen.
#[test]
fn real_world_snippets_print_the_exact_summary_or_a_located_refusal() {
    let dir = "fixtures/keras/real";
    let (mut exact, mut refused) = (0, 0);
    let mut refusals = String::new();
    for snippet in snippets_in(dir) {
        let path = snippet.to_str().unwrap();
        let name = snippet.file_stem().unwrap().to_str().unwrap();
        for version in ["2", "3"] {
            let text = golden(&snippet, &format!("keras{version}.txt"));
            let keras_refused = golden(&snippet, &format!("keras{version}.error"));
            assert!(
                text.exists() || keras_refused.exists(),
                "{name}: no ground truth for Keras {version}"
            );
            let out = summary(&[path, "--keras", version]).get_output().clone();
            let stderr = String::from_utf8(out.stderr.clone()).unwrap();
            match out.status.code() {
                Some(0) => {
                    assert!(
                        text.exists(),
                        "{name}: Keras {version} refuses it, the engine printed a summary"
                    );
                    let got = String::from_utf8(out.stdout.clone()).unwrap();
                    assert_eq!(got, read(&text), "{name} (Keras {version})");
                    exact += 1;
                }
                Some(2) => {
                    let message = stderr
                        .trim_end()
                        .strip_prefix(&format!("error: {path}: "))
                        .unwrap_or(&stderr);
                    refusals.push_str(&format!("{name} keras{version}: {message}\n"));
                    refused += 1;
                }
                other => panic!("{name}: exit {other:?}: {stderr}"),
            }
        }
    }
    assert_eq!(refusals, read(&root().join(dir).join("refusals.txt")));
    assert_eq!(
        (exact, refused),
        (110, 18),
        "exact and refused runs (2 per snippet)"
    );
}

#[test]
fn real_world_json_and_receptive_fields_match_real_keras() {
    json_matches_goldens(snippets_in("fixtures/keras/real"));
    let compared = receptive_fields_match(snippets_in("fixtures/keras/real"));
    assert!(compared >= 100, "only {compared} receptive fields compared");
}
