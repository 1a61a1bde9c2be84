//! Writes `fixtures/2022-02-09/`: a synthetic Microsoft Forms export of the seed exam
//! (shared/seeds/000_e0e2576b91f6a53c.txt) as Forms downloads it (.xlsx) and as teachers save
//! it from Excel (CSV in UTF-8, UTF-8 with BOM and `;`, Windows-1252, UTF-16LE "Unicode text").
//! No real person's data: names and e-mails are made up; the generator is deterministic.
//!
//! Run: `cargo run --example make_fixtures` (from the repository root).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use std::fs;
use std::path::Path;

const DAY: (u16, u8, u8) = (2022, 2, 9);

/// Question titles as the form shows them, in form order, with their kind and points.
const QUESTIONS: [(&str, &str, u32); 9] = [
    (
        "One of your friends shows up with a brand new model she has invented, but which she is not able to train. You suspect this could be due to VANISHING/EXPLODING GRADIENTS, what would you look at to check THIS hypothesis?",
        "checkbox",
        3,
    ),
    (
        "In Recurrent Neural Networks (RNN), what is the Vanishing Gradient due to? How this is fixed by Long Short-Term Memories (LSTM)? Why does this fix the problem?",
        "text",
        3,
    ),
    (
        "Fill in the missing numbers in the console output below. In particular, replace [ADD SIZES] with the tuple indicating the output shape in the form [WIDTH, HEIGHT, CHANNELS]. Remember that the first size is None because is the minibatch size used during training",
        "text",
        5,
    ),
    (
        "What is the receptive field of a pixel at the center of the output of batchNorm layer?",
        "choice",
        1,
    ),
    (
        "Select all the tasks for which a neural network expert (like you are expected to be) would train and use this network for:",
        "checkbox",
        1,
    ),
    (
        "Consider the Inception Net module. Which of the following statements are true?",
        "checkbox",
        1,
    ),
    (
        "What are GANs? *Briefly* describe their training process.",
        "text",
        2,
    ),
    (
        "What are Neural Turing Machines? How does attention work in this kind of models?",
        "text",
        2,
    ),
    (
        "What is the Transformer? How does attention work in this model?",
        "text",
        2,
    ),
];

const Q1_OPTIONS: [&str; 12] = [
    "The activation functions used for neurons",
    "The output values of neurons during training",
    "The distribution of the weights during training",
    "The initialization of the weights",
    "The depth of the network",
    "The balance of classes",
    "The gradient descent algorithm used",
    "The average gradient norm during training",
    "The value of the learning rate",
    "Whether the model contains Convolutional layers",
    "Whether the model contains Recurrent Layers",
    "The loss function used",
];
const Q1_KEY: [usize; 6] = [0, 1, 2, 3, 4, 7];

const RF_OPTIONS: [&str; 7] = [
    "6 x 8", "9 x 9", "10 x 10", "4 x 4", "8 x 8", "12 x 12", "5 x 5",
];
const RF_KEY: usize = 5;

const TASK_OPTIONS: [&str; 9] = [
    "determining how many persons appears in the image",
    "determining the image regions covered by cars, by persons and anything else",
    "determining whether it is winter or summer, whether it is raining or not",
    "determining which pixels contain a human, a car and what is the temperature in there",
    "determining where cars are parked in the image",
    "determining where there are empty parking slots",
    "tracking persons, cars and buses moving in the scene",
    "determining the locations of: each person, each dog, each car in the scene.",
    "determining all the pixels covered by road, sky or others",
];
const TASK_KEY: [usize; 2] = [1, 8];

const INCEPTION_OPTIONS: [&str; 5] = [
    "it uses multiple convolutional filters of different sizes in parallel",
    "it was the first to introduce skip connections",
    "it has been the first module used for semantic segmentation",
    "it was the first learnable upsampling filter",
    "it leverages 1x1 convolutions to reduce the computational burden",
];
const INCEPTION_KEY: [usize; 2] = [0, 4];

const RNN_ANSWERS: [&str; 5] = [
    "The vanishing gradient is due to backpropagation through time: the gradient is a product of many Jacobians, and when their norm is below 1 it shrinks exponentially with the number of time steps. LSTM adds a cell state with an additive update controlled by the forget gate, so the gradient flows through the constant error carousel without being multiplied by the weights at each step.",
    "It is caused by the repeated multiplication of the recurrent weight matrix and the derivative of tanh/sigmoid, which are smaller than one.\nLSTMs fix it with gates (input, forget, output) and a memory cell.\nThe cell state is updated by addition, so the gradient does not vanish.",
    "Because the network is too deep. LSTM uses ReLU so the gradient is 1.",
    "Il gradiente svanisce perché si moltiplicano tante derivate minori di uno durante la backpropagation through time. Le LSTM usano una cella di memoria con aggiornamento additivo e il forget gate.",
    "vanishing gradient happens with sigmoid. lstm has gates",
];
const GAN_ANSWERS: [&str; 4] = [
    "GANs are generative models made of two networks: a generator that maps random noise to samples and a discriminator that tells real samples from generated ones. They are trained in a minimax game, alternating gradient steps: the discriminator maximises its classification accuracy, the generator minimises it (tries to fool the discriminator).",
    "Generative Adversarial Networks. Two nets, generator and discriminator, trained together; at the end we keep the generator to produce new images.",
    "A GAN is a network used for classification with adversarial examples.",
    "=GANs: generator vs discriminator, trained alternately (minimax game)",
];
const NTM_ANSWERS: [&str; 4] = [
    "Neural Turing Machines are RNN controllers coupled with an external memory matrix. The controller reads and writes the memory through differentiable heads: attention weights over all memory locations, computed by content-based addressing (cosine similarity with a key) combined with location-based addressing (interpolation, shift, sharpening).",
    "An NTM is a neural network with a memory. Attention is used to decide where to read and write, with soft weights on every location so that everything stays differentiable.",
    "They are Turing machines implemented with neurons, attention is not used.",
    "",
];
const TRANSFORMER_ANSWERS: [&str; 4] = [
    "The Transformer is an encoder-decoder architecture based only on attention, without recurrence. It uses scaled dot-product self-attention: queries, keys and values are linear projections of the inputs, weights are softmax(QK^T/sqrt(d)) and the output is the weighted sum of the values, with multiple heads in parallel and positional encodings.",
    "A model made of stacked self-attention and feed-forward layers.\n\nAttention: each token compares its query with the keys of all tokens, a softmax gives the weights and the values are averaged.",
    "The transformer is a CNN for images.",
    "It is the model behind BERT and GPT; multi-head attention.",
];

/// A tiny deterministic generator (xorshift64*), so the fixtures never change by accident.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a respondent ticked / typed, question by question (form order).
#[derive(Clone)]
struct Answers {
    q1: Vec<usize>,
    rnn: String,
    summary: String,
    rf: Option<usize>,
    tasks: Vec<usize>,
    inception: Vec<usize>,
    gans: String,
    ntm: String,
    transformer: String,
    /// Override the q1 cell verbatim (an option text edited mid-collection).
    q1_raw: Option<String>,
}

struct Row {
    id: u32,
    start: (u8, u8, u8),
    done: (u8, u8, u8),
    email: String,
    name: String,
    answers: Answers,
}

fn checkbox_cell(options: &[&str], ticked: &[usize]) -> String {
    ticked.iter().map(|&i| format!("{};", options[i])).collect()
}

/// The seed network's model.summary() as a student fills in the template (Keras 2 layout).
fn summary_answer(variant: usize) -> String {
    let rows_ok: [(&str, &str, &str, &str); 11] = [
        ("input (InputLayer)", "[(None, 128, 256, 3)]", "0", "0"),
        (
            "conv1 (Conv2D)",
            "(None, 128, 256, 16)",
            "5 x 5 x 3 x 16 + 16",
            "1216",
        ),
        ("mp1 (MaxPooling2D)", "(None, 64, 128, 16)", "0", "0"),
        (
            "conv2 (Conv2D)",
            "(None, 64, 128, 32)",
            "3 x 3 x 16 x 32 + 32",
            "4640",
        ),
        ("mp2 (MaxPooling2D)", "(None, 32, 64, 32)", "0", "0"),
        ("dropout (Dropout)", "(None, 32, 64, 32)", "0", "0"),
        (
            "conv3 (Conv2D)",
            "(None, 32, 64, 128)",
            "1 x 1 x 32 x 128 + 128",
            "4224",
        ),
        (
            "batchNorm (BatchNormalization)",
            "(None, 32, 64, 128)",
            "4 x 128",
            "512",
        ),
        (
            "convt1 (Conv2DTranspose)",
            "(None, 64, 128, 32)",
            "3 x 3 x 128 x 32 + 32",
            "36896",
        ),
        (
            "convt2 (Conv2DTranspose)",
            "(None, 128, 256, 16)",
            "3 x 3 x 32 x 16 + 16",
            "4624",
        ),
        (
            "output (Conv2DTranspose)",
            "(None, 128, 256, 3)",
            "1 x 1 x 16 x 3 + 3",
            "51",
        ),
    ];
    let mut out = String::from(
        "Model: \"model\"\n_________________________________________________________________\n Layer (type)                Output Shape              Param #\n=================================================================\n",
    );
    let totals = match variant {
        // Untouched template.
        2 => {
            for (layer, _, _, _) in rows_ok {
                out.push_str(&format!(
                    " {layer:<28}[ADD SIZES]   [ADD PARAMS FORMULA] [ADD PARAMS]\n\n"
                ));
            }
            ("[ADD PARAMS]", "[ADD PARAMS]", "[ADD PARAMS]")
        }
        // A pooling mistake carried forward, and BatchNorm counted as 2 x 128.
        1 => {
            let wrong: [(&str, &str, &str); 11] = [
                ("[(None, 128, 256, 3)]", "0", "0"),
                ("(None, 128, 256, 16)", "5*5*3*16+16", "1216"),
                ("(None, 128, 256, 16)", "0", "0"),
                ("(None, 128, 256, 32)", "3*3*16*32+32", "4640"),
                ("(None, 64, 128, 32)", "0", "0"),
                ("(None, 64, 128, 32)", "0", "0"),
                ("(None, 64, 128, 128)", "(1*1*32+1)*128", "4224"),
                ("(None, 64, 128, 128)", "2*128", "256"),
                ("(None, 128, 256, 32)", "3*3*128*32+32", "36896"),
                ("(None, 256, 512, 16)", "3*3*32*16+16", "4624"),
                ("(None, 256, 512, 3)", "1*1*16*3+3", "51"),
            ];
            for ((layer, _, _, _), (shape, formula, count)) in rows_ok.iter().zip(wrong) {
                out.push_str(&format!(" {layer:<28}{shape:<26}{formula} = {count}\n\n"));
            }
            ("51907", "51907", "0")
        }
        _ => {
            for (layer, shape, formula, count) in rows_ok {
                out.push_str(&format!(" {layer:<28}{shape:<26}{formula} = {count}\n\n"));
            }
            ("52,163", "51,907", "256")
        }
    };
    out.push_str(&format!(
        "=================================================================\nTotal params: {}\nTrainable params: {}\nNon-trainable params: {}\n_________________________________________________________________",
        totals.0, totals.1, totals.2
    ));
    out
}

fn perfect() -> Answers {
    Answers {
        q1: Q1_KEY.to_vec(),
        rnn: RNN_ANSWERS[0].into(),
        summary: summary_answer(0),
        rf: Some(RF_KEY),
        tasks: TASK_KEY.to_vec(),
        inception: INCEPTION_KEY.to_vec(),
        gans: GAN_ANSWERS[0].into(),
        ntm: NTM_ANSWERS[0].into(),
        transformer: TRANSFORMER_ANSWERS[0].into(),
        q1_raw: None,
    }
}

fn blank() -> Answers {
    Answers {
        q1: vec![],
        rnn: String::new(),
        summary: String::new(),
        rf: None,
        tasks: vec![],
        inception: vec![],
        gans: String::new(),
        ntm: String::new(),
        transformer: String::new(),
        q1_raw: None,
    }
}

fn random_ticks(rng: &mut Rng, n: usize, key: &[usize]) -> Vec<usize> {
    let mut ticked: Vec<usize> = (0..n)
        .filter(|i| {
            if key.contains(i) {
                rng.chance(80)
            } else {
                rng.chance(15)
            }
        })
        .collect();
    // Click order is not option order.
    if rng.chance(50) {
        ticked.reverse();
    }
    ticked
}

fn random_answers(rng: &mut Rng) -> Answers {
    Answers {
        q1: random_ticks(rng, Q1_OPTIONS.len(), &Q1_KEY),
        rnn: RNN_ANSWERS[rng.pick(RNN_ANSWERS.len())].into(),
        summary: summary_answer(rng.pick(3) % 2),
        rf: if rng.chance(60) {
            Some(RF_KEY)
        } else {
            Some(rng.pick(RF_OPTIONS.len()))
        },
        tasks: random_ticks(rng, TASK_OPTIONS.len(), &TASK_KEY),
        inception: random_ticks(rng, INCEPTION_OPTIONS.len(), &INCEPTION_KEY),
        gans: GAN_ANSWERS[rng.pick(3)].into(),
        ntm: NTM_ANSWERS[rng.pick(NTM_ANSWERS.len())].into(),
        transformer: TRANSFORMER_ANSWERS[rng.pick(TRANSFORMER_ANSWERS.len())].into(),
        q1_raw: None,
    }
}

const FIRST: [&str; 22] = [
    "Giulia",
    "Marco",
    "Zoë",
    "Niccolò",
    "Chiara",
    "Luca",
    "Francesca",
    "Matteo",
    "Sofia",
    "Alessandro",
    "Martina",
    "Lorenzo",
    "José",
    "Anaïs",
    "Jürgen",
    "Søren",
    "François",
    "Ilaria",
    "Pietro",
    "Beatrice",
    "Andrea",
    "Noémie",
];
const LAST: [&str; 11] = [
    "Rossi",
    "Bianchi",
    "Ferrari-Núñez",
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "D'Amico",
    "Müller",
    "Lefèvre",
    "Gallo",
];

fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'à' | 'á' => Some('a'),
            'è' | 'é' | 'ë' => Some('e'),
            'ì' | 'í' | 'ï' => Some('i'),
            'ò' | 'ó' | 'ö' | 'ø' => Some('o'),
            'ù' | 'ú' | 'ü' => Some('u'),
            'ç' => Some('c'),
            'ñ' => Some('n'),
            'Z' => Some('z'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            '-' => Some('-'),
            _ => None,
        })
        .collect()
}

fn rows() -> Vec<Row> {
    let mut rng = Rng(0x2022_0209_0000_0001);
    let mut rows = Vec::new();
    let primary = 43;
    for n in 1..=primary {
        let first = FIRST[(n - 1) % FIRST.len()];
        let last = LAST[(n * 7) % LAST.len()];
        let name = format!("{first} {last}");
        let email = format!(
            "{}.{}{n:02}@studenti.example.edu",
            ascii(first),
            ascii(last)
        );
        let mut a = match n {
            1 => perfect(),
            2 => blank(),
            // everything ticked
            3 => Answers {
                q1: (0..Q1_OPTIONS.len()).collect(),
                tasks: (0..TASK_OPTIONS.len()).collect(),
                inception: (0..INCEPTION_OPTIONS.len()).collect(),
                ..perfect()
            },
            // one extra
            4 => Answers {
                q1: [&Q1_KEY[..], &[5]].concat(),
                tasks: vec![1, 8, 4],
                inception: vec![0, 4, 1],
                ..perfect()
            },
            // one missing
            5 => Answers {
                q1: Q1_KEY[..5].to_vec(),
                tasks: vec![8],
                inception: vec![4],
                rf: Some(2),
                ..perfect()
            },
            // click order shuffled
            6 => Answers {
                q1: vec![7, 4, 0, 3, 1, 2],
                tasks: vec![8, 1],
                inception: vec![4, 0],
                ..perfect()
            },
            // multi-line free text and the untouched summary template
            11 => Answers {
                rnn: RNN_ANSWERS[1].into(),
                transformer: TRANSFORMER_ANSWERS[1].into(),
                summary: summary_answer(2),
                ..random_answers(&mut rng)
            },
            // a free-text cell starting with `=`
            13 => Answers {
                gans: GAN_ANSWERS[3].into(),
                ..random_answers(&mut rng)
            },
            // an option text edited after this response was submitted
            15 => Answers {
                q1_raw: Some(
                    "The activation functions used for neurons;The average gradient-norm during training;The loss function used;"
                        .into(),
                ),
                ..random_answers(&mut rng)
            },
            _ => random_answers(&mut rng),
        };
        if n == 9 || n == 10 {
            a.rnn = RNN_ANSWERS[3].into();
        }
        let minute = (n * 3 % 50) as u8;
        let (email, name) = if n == 9 || n == 10 || n == 27 {
            ("anonymous".to_string(), String::new())
        } else {
            (email, name)
        };
        rows.push(Row {
            id: n as u32,
            start: (9, 30 + (n % 20) as u8, 5),
            done: (10, minute, (n * 13 % 60) as u8),
            email,
            name,
            answers: a,
        });
    }
    // Resubmissions. Respondent 7 submits again later, e-mail in other case: the later one counts.
    let r7 = &rows[6];
    rows.push(Row {
        id: 44,
        start: (10, 40, 0),
        done: (11, 5, 12),
        email: r7.email.to_uppercase(),
        name: r7.name.clone(),
        answers: perfect(),
    });
    // Respondent 8's other submission is exported later but completed earlier: row 8 counts.
    let r8 = &rows[7];
    rows.push(Row {
        id: 45,
        start: (9, 0, 0),
        done: (9, 20, 44),
        email: r8.email.replace("studenti", "Studenti"),
        name: r8.name.clone(),
        answers: blank(),
    });
    // A third submission of respondent 7, earlier than both.
    let r7 = &rows[6];
    rows.push(Row {
        id: 46,
        start: (9, 1, 0),
        done: (9, 10, 0),
        email: r7.email.clone(),
        name: r7.name.clone(),
        answers: Answers {
            rf: Some(0),
            ..blank()
        },
    });
    rows
}

/// Forms cuts titles over 200 characters to 195 and appends ` ...` (FORMAT.md §1.5).
fn forms_title(title: &str) -> String {
    if title.chars().count() > 200 {
        format!("{} ...", title.chars().take(195).collect::<String>())
    } else {
        title.to_string()
    }
}

fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Total points",
        "Quiz feedback",
        "Grade posted time",
        "Last modified time",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (i, (title, _, _)) in QUESTIONS.iter().enumerate() {
        let t = forms_title(title);
        h.push(t.clone());
        // One triple in the order `<Q>, Feedback - <Q>, Points - <Q>`, as in a real 2024 export.
        if i == 3 {
            h.push(format!("Feedback - {t}"));
            h.push(format!("Points - {t}"));
        } else {
            h.push(format!("Points - {t}"));
            h.push(format!("Feedback - {t}"));
        }
    }
    h
}

/// Forms' own auto-grading: all-or-nothing on checkboxes, right/wrong on choices, nothing
/// on free text until a teacher grades it.
fn forms_points(a: &Answers) -> [Option<u32>; 9] {
    let exact = |ticked: &[usize], key: &[usize]| {
        let mut t = ticked.to_vec();
        t.sort();
        let mut k = key.to_vec();
        k.sort();
        t == k
    };
    let cb = |ticked: &[usize], key: &[usize], pts: u32| {
        (!ticked.is_empty()).then(|| if exact(ticked, key) { pts } else { 0 })
    };
    [
        if a.q1_raw.is_some() {
            Some(0)
        } else {
            cb(&a.q1, &Q1_KEY, 3)
        },
        None,
        None,
        a.rf.map(|r| if r == RF_KEY { 1 } else { 0 }),
        cb(&a.tasks, &TASK_KEY, 1),
        cb(&a.inception, &INCEPTION_KEY, 1),
        None,
        None,
        None,
    ]
}

/// A cell: text, or a date-time to be written as an Excel serial.
enum Cell {
    Text(String),
    Number(u32),
    Time((u8, u8, u8)),
    Empty,
}

fn cells(row: &Row) -> Vec<Cell> {
    let a = &row.answers;
    let points = forms_points(a);
    let total: u32 = points.iter().flatten().sum();
    let answers = [
        a.q1_raw
            .clone()
            .unwrap_or_else(|| checkbox_cell(&Q1_OPTIONS, &a.q1)),
        a.rnn.clone(),
        a.summary.clone(),
        a.rf.map(|r| RF_OPTIONS[r].to_string()).unwrap_or_default(),
        checkbox_cell(&TASK_OPTIONS, &a.tasks),
        checkbox_cell(&INCEPTION_OPTIONS, &a.inception),
        a.gans.clone(),
        a.ntm.clone(),
        a.transformer.clone(),
    ];
    let text = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    };
    let mut out = vec![
        Cell::Number(row.id),
        Cell::Time(row.start),
        Cell::Time(row.done),
        text(&row.email),
        text(&row.name),
        Cell::Number(total),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ];
    for (i, answer) in answers.iter().enumerate() {
        out.push(text(answer));
        let p = points[i].map(Cell::Number).unwrap_or(Cell::Empty);
        // Same column order as `header()`: question 4's Feedback comes before its Points.
        if i == 3 {
            out.push(Cell::Empty);
            out.push(p);
        } else {
            out.push(p);
            out.push(Cell::Empty);
        }
    }
    out
}

fn time_text((h, m, s): (u8, u8, u8)) -> String {
    format!("{}/{}/{} {h}:{m:02}:{s:02}", DAY.1, DAY.2, DAY.0 % 100)
}

fn write_xlsx(path: &Path, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    let mut book = Workbook::new();
    // A fixed creation time keeps the file byte-identical across runs.
    let created = ExcelDateTime::from_ymd(2022, 2, 9)?.and_hms(12, 0, 0)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date = Format::new().set_num_format("m/d/yy h:mm:ss");
    let sheet = book.add_worksheet();
    sheet.set_name("Sheet1")?;
    for (c, h) in header().iter().enumerate() {
        sheet.write_string(0, c as u16, h)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in cells(row).iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Time((h, m, s)) => {
                    let t = ExcelDateTime::from_ymd(DAY.0, DAY.1, DAY.2)?.and_hms(
                        u16::from(*h),
                        *m,
                        *s,
                    )?;
                    sheet.write_datetime_with_format(r, c, &t, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    book.save(path)?;
    Ok(())
}

/// The export as Excel writes CSV text: every time as displayed, quoted where needed.
fn csv_text(rows: &[Row], delimiter: u8, crlf: bool) -> String {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    w.write_record(header()).unwrap();
    for row in rows {
        let record: Vec<String> = cells(row)
            .into_iter()
            .map(|c| match c {
                Cell::Text(s) => s,
                Cell::Number(n) => n.to_string(),
                Cell::Time(t) => time_text(t),
                Cell::Empty => String::new(),
            })
            .collect();
        w.write_record(&record).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new("fixtures/2022-02-09");
    fs::create_dir_all(dir)?;
    let rows = rows();
    write_xlsx(&dir.join("responses.xlsx"), &rows)?;
    // "CSV UTF-8 (Comma delimited)" from a US Excel: BOM-less here, LF line ends.
    fs::write(dir.join("responses-utf8.csv"), csv_text(&rows, b',', false))?;
    // Italian Excel "CSV UTF-8": BOM, `;` (the list separator with a decimal comma), CRLF.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(csv_text(&rows, b';', true).into_bytes());
    fs::write(dir.join("responses-utf8-bom-semicolon.csv"), bom)?;
    // "CSV (Comma delimited)": the ANSI code page, Windows-1252.
    let text = csv_text(&rows, b',', true);
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(
        !unmappable,
        "every fixture character must exist in Windows-1252"
    );
    fs::write(dir.join("responses-cp1252.csv"), bytes)?;
    // "Unicode text": UTF-16LE with BOM, tab-separated.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in csv_text(&rows, b'\t', true).encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    fs::write(dir.join("responses-utf16.txt"), utf16)?;
    println!("wrote {} rows to {}", rows.len(), dir.display());
    Ok(())
}
