#!/usr/bin/env python3
"""Throwaway numerical reference for crates/transformer: a float64 numpy
forward pass of a BERT or MPNet checkpoint, independent of the Rust code, that
writes a small JSON fixture (token ids, the first dims of every token's last
hidden state, and every token's full-vector L2 norm) for a few tweets.

Setup (numpy, safetensors and tokenizers from PyPI; no torch needed):

    python3 -m venv /tmp/encref-venv
    /tmp/encref-venv/bin/pip install numpy safetensors tokenizers
    /tmp/encref-venv/bin/python scripts/reference/encoder_reference.py \
        ~/.cache/tweetner/encoders/minilm crates/transformer/tests/fixtures/minilm_reference.json

Tweets are read from the shared WNUT data by (file, index) so the fixture can
name where each one came from. Words that the tokenizer turns into no piece at
all (a lone U+FE0F, say) get the unknown token, the same rule the Rust aligner
applies, so that no word disappears.
"""

import json
import math
import os
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

SHARED = os.environ.get(
    "TWEETNER_SHARED",
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"),
)
# (file under the shared data dir, 0-based tweet index): an `&lt; 3` + URL
# tweet, a long-hashtag tweet, and an emoji tweet with lone U+FE0F words.
TWEETS = [
    ("wnut16/train.conll", 125),
    ("wnut16/train.conll", 1136),
    ("extra/wnut17/emerging.dev.conll", 403),
]
FIRST_DIMS = 8


def read_tweets(path):
    tweets, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if cur:
                    tweets.append(cur)
                    cur = []
                continue
            cur.append(line.split("\t")[0])
    if cur:
        tweets.append(cur)
    return tweets


def unk_id(tok_json):
    model = tok_json["model"]
    return model["vocab"][model["unk_token"]]


def encode(tok, unk, words):
    """Pieces of `words` (pre-tokenized), zero-piece words mapped to unk, with specials."""
    enc = tok.encode(words, is_pretokenized=True, add_special_tokens=False)
    by_word = [[] for _ in words]
    for piece, wid in zip(enc.ids, enc.word_ids):
        by_word[wid].append(piece)
    pieces = []
    for ids in by_word:
        pieces.extend(ids if ids else [unk])
    # The post-processor's specials around a one-word probe give prefix/suffix.
    probe = tok.encode(["a"], is_pretokenized=True, add_special_tokens=True)
    first = probe.word_ids.index(0)
    prefix = probe.ids[:first]
    suffix = probe.ids[first + 1 :]
    return prefix + pieces + suffix


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def dense(x, w, b):
    # Checkpoint linears are [out, in].
    return x @ w.T + b


def mpnet_bucket(rel, num_buckets, max_distance=128):
    """Bucket of a relative position (memory - context), MPNet/T5-style bidirectional."""
    half = num_buckets // 2
    ret = half if -rel < 0 else 0
    n = abs(rel)
    max_exact = half // 2
    if n < max_exact:
        return ret + n
    large = max_exact + int(
        math.log(n / max_exact) / math.log(max_distance / max_exact) * (half - max_exact)
    )
    return ret + min(large, half - 1)


def forward(cfg, w, ids):
    arch = cfg["model_type"]
    t = len(ids)
    h = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    dh = h // heads
    eps = cfg["layer_norm_eps"]
    p = "embeddings."
    x = w[p + "word_embeddings.weight"][ids]
    if arch == "bert":
        x = x + w[p + "position_embeddings.weight"][np.arange(t)]
        x = x + w[p + "token_type_embeddings.weight"][np.zeros(t, dtype=int)]
        bias = np.zeros((heads, t, t))
    else:
        pad = cfg["pad_token_id"]
        x = x + w[p + "position_embeddings.weight"][np.arange(t) + pad + 1]
        table = w["encoder.relative_attention_bias.weight"]  # [buckets, heads]
        nb = cfg.get("relative_attention_num_buckets", 32)
        buckets = np.array([[mpnet_bucket(k - q, nb) for k in range(t)] for q in range(t)])
        bias = table[buckets].transpose(2, 0, 1)  # [heads, t, t]
    x = layer_norm(x, w[p + "LayerNorm.weight"], w[p + "LayerNorm.bias"], eps)
    for i in range(cfg["num_hidden_layers"]):
        L = f"encoder.layer.{i}."
        if arch == "bert":
            names = dict(
                q=L + "attention.self.query", k=L + "attention.self.key",
                v=L + "attention.self.value", o=L + "attention.output.dense",
                ln1=L + "attention.output.LayerNorm",
            )
        else:
            names = dict(
                q=L + "attention.attn.q", k=L + "attention.attn.k",
                v=L + "attention.attn.v", o=L + "attention.attn.o",
                ln1=L + "attention.LayerNorm",
            )
        lin = lambda n, v: dense(v, w[names[n] + ".weight"], w[names[n] + ".bias"])
        split = lambda v: v.reshape(t, heads, dh).transpose(1, 0, 2)
        q, k, v = split(lin("q", x)), split(lin("k", x)), split(lin("v", x))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(dh) + bias
        ctx = (softmax(scores) @ v).transpose(1, 0, 2).reshape(t, h)
        ln1 = names["ln1"]
        x = layer_norm(lin("o", ctx) + x, w[ln1 + ".weight"], w[ln1 + ".bias"], eps)
        inter = gelu(dense(x, w[L + "intermediate.dense.weight"], w[L + "intermediate.dense.bias"]))
        out = dense(inter, w[L + "output.dense.weight"], w[L + "output.dense.bias"])
        x = layer_norm(out + x, w[L + "output.LayerNorm.weight"], w[L + "output.LayerNorm.bias"], eps)
    return x


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: encoder_reference.py CHECKPOINT_DIR OUT.json")
    ckpt, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(ckpt, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(ckpt, "tokenizer.json")) as f:
        tok_json = json.load(f)
    tok = Tokenizer.from_file(os.path.join(ckpt, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    unk = unk_id(tok_json)
    weights = {k: v.astype(np.float64) for k, v in load_file(os.path.join(ckpt, "model.safetensors")).items()}
    cases = []
    for rel, idx in TWEETS:
        words = read_tweets(os.path.join(SHARED, "data", rel))[idx]
        ids = encode(tok, unk, words)
        hidden = forward(cfg, weights, ids)
        cases.append({
            "source": f"{rel}#{idx}",
            "words": words,
            "input_ids": [int(i) for i in ids],
            "first_dims": [[round(float(v), 7) for v in row[:FIRST_DIMS]] for row in hidden],
            "l2_norms": [round(float(np.linalg.norm(row)), 6) for row in hidden],
        })
        print(f"{rel}#{idx}: {len(words)} words, {len(ids)} ids", file=sys.stderr)
    doc = {
        "model_type": cfg["model_type"],
        "hidden_size": cfg["hidden_size"],
        "generator": "scripts/reference/encoder_reference.py (float64 numpy forward pass)",
        "cases": cases,
    }
    if cfg["model_type"] == "mpnet":
        # Bucket of every relative position a 512-token window can see, so the
        # Rust bucket function is checked beyond the short fixture tweets.
        nb = cfg.get("relative_attention_num_buckets", 32)
        doc["relative_buckets"] = {
            "min_relative_position": -511,
            "buckets": [mpnet_bucket(r, nb) for r in range(-511, 512)],
        }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
