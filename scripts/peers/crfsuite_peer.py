#!/usr/bin/env python3
"""Side-by-side comparison of tweetner with a crfsuite peer on WNUT-16 dev.

The peer is a linear-chain CRF (python-crfsuite, from PyPI) with the usual
hand-made features of feature-based tweet NER: the word, its affixes and
shape, a window of neighbouring words, and matches against the WNUT-16
gazetteers. It is trained on WNUT-16 train, scored on dev with tweetner's
conlleval-identical scorer (and conlleval.pl itself when perl is there), and
timed tagging the dev file from tokens and from raw text on the same machine,
in the same run and with the same thread counts as `tweetner bench`.

The point is a fair reference number for speed and accuracy, not a tuned
competitor: the settings are conventional and fixed, nothing is selected on
dev. See scripts/peers/README.md for how to run it.
"""

import argparse
import json
import multiprocessing as mp
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pycrfsuite

# --------------------------------------------------------------------------
# Data


def read_conll(path):
    """Tweets as (tokens, tags) pairs from a `token<TAB>tag` file."""
    tweets, tokens, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if tokens:
                    tweets.append((tokens, tags))
                    tokens, tags = [], []
                continue
            fields = line.split("\t") if "\t" in line else line.split()
            tokens.append(fields[0])
            tags.append(fields[-1])
    if tokens:
        tweets.append((tokens, tags))
    return tweets


# A tweet tokenizer good enough for text that was written as space-joined
# tokens: URLs, mentions, hashtags, HTML entities and emoticons stay whole.
TOKEN_RE = re.compile(
    r"https?://\S+|www\.\S+"
    r"|[@#]\w+"
    r"|&\w+;"
    r"|[:;=8][-'^]?[)(\]\[DPpOo/\\|]"
    r"|\w+(?:['’]\w+)*"
    r"|\S"
)


def tokenize(text):
    return TOKEN_RE.findall(text)


# --------------------------------------------------------------------------
# Gazetteers

MAX_ENTRY_TOKENS = 6


def load_gazetteers(lexicon_dir):
    """Maps each lower-cased entry (a tuple-joined phrase) to the names of the
    lists containing it. Entries are split on whitespace; longer entries than
    MAX_ENTRY_TOKENS never match a tweet in practice and are skipped."""
    gaz = {}
    for path in sorted(Path(lexicon_dir).iterdir()):
        if path.name == "dictionaries.conf" or not path.is_file():
            continue
        name = path.name
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                words = line.strip().lower().split()
                if not words or len(words) > MAX_ENTRY_TOKENS:
                    continue
                key = " ".join(words)
                names = gaz.get(key)
                if names is None:
                    gaz[key] = (name,)
                elif name not in names:
                    gaz[key] = names + (name,)
    return gaz


def gazetteer_tags(lower, gaz):
    """Per token, the gazetteer features of every list entry covering it
    (`B:` on the entry's first token, `I:` inside)."""
    out = [[] for _ in lower]
    n = len(lower)
    for i in range(n):
        for length in range(1, min(MAX_ENTRY_TOKENS, n - i) + 1):
            names = gaz.get(" ".join(lower[i : i + length]))
            if names is None:
                continue
            for name in names:
                out[i].append("B:" + name)
                for j in range(i + 1, i + length):
                    out[j].append("I:" + name)
    return out


# --------------------------------------------------------------------------
# Features

SHAPE_TABLE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "X" * 26 + "x" * 26 + "d" * 10,
)


def shape(word):
    return word.translate(SHAPE_TABLE)


def short_shape(word):
    s = shape(word)
    out = []
    for c in s:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def token_kind(word):
    if word.startswith("@") and len(word) > 1:
        return "mention"
    if word.startswith("#") and len(word) > 1:
        return "hashtag"
    if word.startswith(("http", "www.")):
        return "url"
    if word.isdigit():
        return "number"
    if not any(c.isalnum() for c in word):
        return "punct"
    return "word"


def sentence_features(tokens, gaz):
    lower = [t.lower() for t in tokens]
    gz = gazetteer_tags(lower, gaz)
    n = len(tokens)
    feats = []
    for i, w in enumerate(tokens):
        lw = lower[i]
        core = lw.lstrip("#@")
        f = [
            "bias",
            "w=" + lw,
            "core=" + core,
            "p1=" + core[:1],
            "p2=" + core[:2],
            "p3=" + core[:3],
            "s1=" + core[-1:],
            "s2=" + core[-2:],
            "s3=" + core[-3:],
            "shape=" + shape(w),
            "sshape=" + short_shape(w),
            "kind=" + token_kind(w),
            "title=%d" % w.istitle(),
            "upper=%d" % w.isupper(),
            "digit=%d" % any(c.isdigit() for c in w),
            "len=%d" % min(len(w), 10),
        ]
        if i == 0:
            f.append("BOS")
        if i == n - 1:
            f.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                f.append("w[%d]=%s" % (off, lower[j]))
                if abs(off) == 1:
                    f.append("sshape[%d]=%s" % (off, short_shape(tokens[j])))
                    f.append("title[%d]=%d" % (off, tokens[j].istitle()))
                    f.extend("gaz[%d]=%s" % (off, g) for g in gz[j])
                    f.append("bigram[%d]=%s|%s" % (off, lw, lower[j]))
        f.extend("gaz=" + g for g in gz[i])
        feats.append(f)
    return feats


# --------------------------------------------------------------------------
# Training, tagging, scoring


def train(tweets, gaz, model_path):
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, tags in tweets:
        trainer.append(sentence_features(tokens, gaz), tags)
    trainer.set_params(
        {
            "c1": 0.1,
            "c2": 0.05,
            "max_iterations": 150,
            "feature.possible_transitions": True,
        }
    )
    trainer.train(str(model_path))


# Worker state: the gazetteer is inherited from the parent through fork, the
# model is opened once per worker before any timing starts.
_GAZ = None
_TAGGER = None


def _init_worker(model_path):
    global _TAGGER
    _TAGGER = pycrfsuite.Tagger()
    _TAGGER.open(str(model_path))


def _tag_tokens(batch):
    return [_TAGGER.tag(sentence_features(t, _GAZ)) if t else [] for t in batch]


def _tag_raw(batch):
    out = []
    for text in batch:
        tokens = tokenize(text)
        out.append(_TAGGER.tag(sentence_features(tokens, _GAZ)) if tokens else [])
    return out


def chunks(items, n):
    size = max(1, (len(items) + n - 1) // n)
    return [items[i : i + size] for i in range(0, len(items), size)]


def time_peer(init, init_arg, items, worker, threads, runs):
    """Median seconds per pass over `items` with `threads` processes (the
    peers' taggers run on one core; processes are their way to use more).
    `init(init_arg)` loads the model in each process before any timing."""
    if threads == 1:
        init(init_arg)
        worker(items)  # warm-up pass, untimed
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            worker(items)
            times.append(time.perf_counter() - t)
        return statistics.median(times)
    parts = chunks(items, threads * 4)
    with mp.get_context("fork").Pool(threads, init, (init_arg,)) as pool:
        pool.map(worker, parts)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            pool.map(worker, parts)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def write_pred(path, tweets, predicted):
    with open(path, "w", encoding="utf-8") as f:
        for (tokens, _), tags in zip(tweets, predicted):
            for tok, tag in zip(tokens, tags):
                f.write(f"{tok}\t{tag}\n")
            f.write("\n")


def score_with_tweetner(binary, gold, pred):
    out = subprocess.run(
        [binary, "eval", "--gold", str(gold), "--pred", str(pred), "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def score_with_perl(conlleval, tweets, predicted):
    """conlleval.pl's FB1 for the same predictions (None without perl)."""
    if shutil.which("perl") is None or not Path(conlleval).is_file():
        return None
    lines = []
    for (tokens, gold), tags in zip(tweets, predicted):
        for tok, g, p in zip(tokens, gold, tags):
            lines.append(f"{tok} {g} {p}")
        lines.append("")
    out = subprocess.run(
        ["perl", str(conlleval)],
        input="\n".join(lines) + "\n",
        check=True,
        capture_output=True,
        text=True,
    )
    m = re.search(r"FB1:\s+([0-9.]+)", out.stdout)
    return float(m.group(1)) if m else None


def tweetner_bench(binary, model, dev, input_kind, threads, runs):
    cmd = [binary, "bench", str(dev), "--model", str(model), "--input", input_kind,
           "--threads", str(threads), "--runs", str(runs), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def tweetner_f1(binary, model, dev):
    cmd = [binary, "eval", "--model", str(model), str(dev), "--format", "json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["f1"]


# --------------------------------------------------------------------------


def main():
    repo = Path(__file__).resolve().parents[2]
    shared = Path(os.environ.get("TWEETNER_SHARED", repo.parent / "shared"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tweetner", default=os.environ.get("TWEETNER_BIN",
                    str(repo / "target/release/tweetner")), help="tweetner release binary")
    ap.add_argument("--model", default=str(repo / "models/default"), help="tweetner model dir")
    ap.add_argument("--data", default=str(shared / "data/wnut16"), help="WNUT-16 directory")
    ap.add_argument("--conlleval", default=str(shared / "tools/conlleval.pl"))
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--runs", type=int, default=5, help="timed passes (median)")
    ap.add_argument("--work", default=str(repo / "runs/peers"), help="output directory")
    ap.add_argument("--spacy", action="store_true", help="also train and time a spaCy NER peer")
    ap.add_argument("--spacy-epochs", type=int, default=10, help="spaCy training epochs")
    args = ap.parse_args()
    # One core per process for every peer, so that --threads means the same
    # thing on both sides (numpy's BLAS would otherwise start its own threads).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

    global _GAZ
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    train_tweets = read_conll(data / "train.conll")
    dev_tweets = read_conll(data / "dev.conll")
    load_start = os.getloadavg()

    t = time.perf_counter()
    _GAZ = load_gazetteers(data / "lexicon")
    gaz_s = time.perf_counter() - t
    model_path = work / "crfsuite.model"
    t = time.perf_counter()
    train(train_tweets, _GAZ, model_path)
    train_s = time.perf_counter() - t
    print(f"peer: {len(_GAZ)} gazetteer entries loaded in {gaz_s:.1f} s; "
          f"trained on {len(train_tweets)} tweets in {train_s:.1f} s", file=sys.stderr)

    _init_worker(model_path)
    dev_tokens = [tokens for tokens, _ in dev_tweets]
    predicted = _tag_tokens(dev_tokens)
    pred_path = work / "crfsuite.dev.pred.conll"
    write_pred(pred_path, dev_tweets, predicted)
    peer = score_with_tweetner(args.tweetner, data / "dev.conll", pred_path)
    perl_f1 = score_with_perl(args.conlleval, dev_tweets, predicted)
    if perl_f1 is not None and abs(perl_f1 - round(peer["f1"], 2)) > 0.005:
        sys.exit(f"scorers disagree: tweetner {peer['f1']:.2f}, conlleval.pl {perl_f1:.2f}")
    ours_f1 = tweetner_f1(args.tweetner, args.model, data / "dev.conll")

    sp = None
    if args.spacy:
        import spacy_peer as sp  # noqa: E402 (optional dependency)

        sp_dir = str(work / "spacy-model")
        sp_train_s = sp.train(train_tweets, sp_dir, args.spacy_epochs)
        sp.init_worker(sp_dir)
        sp_pred = sp.tag_tokens(dev_tokens)
        sp_pred_path = work / "spacy.dev.pred.conll"
        write_pred(sp_pred_path, dev_tweets, sp_pred)
        sp_score = score_with_tweetner(args.tweetner, data / "dev.conll", sp_pred_path)
        print(f"spaCy: trained {args.spacy_epochs} epochs in {sp_train_s:.1f} s", file=sys.stderr)

    dev_raw = [" ".join(t) for t in dev_tokens]
    n_tokens = sum(len(t) for t in dev_tokens)
    rows = []
    for threads in [int(x) for x in args.threads.split(",")]:
        for kind, items, worker in (("conll", dev_tokens, _tag_tokens), ("raw", dev_raw, _tag_raw)):
            bench = tweetner_bench(args.tweetner, args.model, data / "dev.conll", kind,
                                   threads, args.runs)
            secs = time_peer(_init_worker, model_path, items, worker, threads, args.runs)
            row = {
                "input": "tokens" if kind == "conll" else "raw text",
                "threads": threads,
                "peer_tweets_per_s": len(items) / secs,
                "peer_tokens_per_s": n_tokens / secs,
                "tweetner_tweets_per_s": bench["tweets_per_s"],
                "tweetner_peak_rss_mib": bench.get("peak_rss_mib"),
            }
            if sp is not None:
                sp_worker = sp.tag_tokens if kind == "conll" else sp.tag_raw
                sp_secs = time_peer(sp.init_worker, sp_dir, items, sp_worker, threads, args.runs)
                row["spacy_tweets_per_s"] = len(items) / sp_secs
            rows.append(row)
    load_end = os.getloadavg()

    result = {
        "dev_tweets": len(dev_tweets),
        "dev_tokens": n_tokens,
        "runs": args.runs,
        "peer": {"name": "python-crfsuite + WNUT-16 gazetteers",
                 "pycrfsuite": getattr(pycrfsuite, "__version__", "?"),
                 "python": sys.version.split()[0],
                 "train_seconds": train_s, "dev_f1": peer["f1"],
                 "dev_precision": peer["precision"], "dev_recall": peer["recall"],
                 "dev_f1_conlleval_pl": perl_f1},
        "spacy": None if sp is None else {
            "version": sp.spacy.__version__, "epochs": args.spacy_epochs,
            "train_seconds": sp_train_s, "dev_f1": sp_score["f1"],
            "dev_precision": sp_score["precision"], "dev_recall": sp_score["recall"]},
        "tweetner": {"binary": args.tweetner, "model": args.model,
                     "dev_f1": ours_f1},
        "speed": rows,
        "load_average_start": load_start,
        "load_average_end": load_end,
        "cpus": os.cpu_count(),
    }
    (work / "result.json").write_text(json.dumps(result, indent=2) + "\n")

    print(f"WNUT-16 dev: {len(dev_tweets)} tweets, {n_tokens} tokens; median of {args.runs} passes; "
          f"{os.cpu_count()} CPUs")
    print(f"dev F1 (conlleval): tweetner {ours_f1:.2f}, crfsuite peer {peer['f1']:.2f} "
          f"(P {peer['precision']:.2f} / R {peer['recall']:.2f}"
          + (f", conlleval.pl {perl_f1:.2f}" if perl_f1 is not None else "") + ")")
    if sp is not None:
        print(f"dev F1 (conlleval): spaCy {sp.spacy.__version__} peer ({args.spacy_epochs} epochs) "
              f"{sp_score['f1']:.2f} (P {sp_score['precision']:.2f} / R {sp_score['recall']:.2f})")
    head = f"{'input':<9} {'threads':>7} {'tweetner tw/s':>14} {'crfsuite tw/s':>14} {'ratio':>7}"
    if sp is not None:
        head += f" {'spaCy tw/s':>11} {'ratio':>7}"
    print(head)
    for r in rows:
        ours = r["tweetner_tweets_per_s"]
        line = (f"{r['input']:<9} {r['threads']:>7} {ours:>14,.0f} "
                f"{r['peer_tweets_per_s']:>14,.0f} {ours / r['peer_tweets_per_s']:>6.2f}x")
        if "spacy_tweets_per_s" in r:
            line += f" {r['spacy_tweets_per_s']:>11,.0f} {ours / r['spacy_tweets_per_s']:>6.2f}x"
        print(line)
    print("ratio = tweetner tweets/s / peer tweets/s")
    fmt = lambda la: " ".join(f"{x:.2f}" for x in la)  # noqa: E731
    print(f"load average: start {fmt(load_start)}, end {fmt(load_end)}; details in {work / 'result.json'}")


if __name__ == "__main__":
    main()
