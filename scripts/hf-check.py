#!/usr/bin/env python3
"""Compare a fine-tuned tweetner transformer directory, loaded by Python
`transformers`, with tweetner's own predictions.

    hf-check.py MODEL_DIR GOLD.conll PRED.conll

MODEL_DIR is a directory written by `tweetner train` for a transformer config
(it is a Hugging Face token-classification checkpoint). PRED.conll is
`tweetner tag --model MODEL_DIR --input-format conll --format conll` output
for GOLD.conll (the predicted tag is its last column).

Inputs are built the way tweetner builds them: every CoNLL token is split into
pieces on its own; a token with no piece (a lone control or format character)
becomes the unknown token, as does a special token spelled out in the text;
the pieces are wrapped in the model's special tokens; each word is labelled by
the argmax at its first piece. Tweets longer than the model's input are
skipped and counted (tweetner cuts them into windows; no WNUT-16 dev tweet is
that long at the default 128). Prints the token agreement and exits 1 below
99.9%.

Run it through scripts/hf-check.sh, which sets up the virtualenv.
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForTokenClassification, PreTrainedTokenizerFast

THRESHOLD = 99.9


def read_conll(path):
    """Sentences as lists of column lists (blank lines separate sentences)."""
    sentences, current = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        current.append(line.split())
    if current:
        sentences.append(current)
    return sentences


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    model_dir, gold_path, pred_path = argv[1:]
    torch.set_num_threads(2)
    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    model.eval()
    tok = PreTrainedTokenizerFast(tokenizer_file=str(Path(model_dir) / "tokenizer.json"))
    manifest = json.loads((Path(model_dir) / "tweetner-model.json").read_text())
    max_len = manifest["head"]["window"]["max_length"]
    id2label = model.config.id2label
    special = set(tok.all_special_ids) | {
        i for t, i in tok.get_vocab().items() if t in ("[CLS]", "[SEP]", "[PAD]", "[MASK]",
                                                        "<s>", "</s>", "<pad>", "<mask>")}
    unk = tok.convert_tokens_to_ids("[UNK]" if "[UNK]" in tok.get_vocab() else "<unk>")
    # The special tokens around one word are the prefix/suffix of every input.
    probe = tok("a", add_special_tokens=True)
    probe_word = tok("a", add_special_tokens=False)["input_ids"]
    ids = probe["input_ids"]
    start = next(i for i in range(len(ids)) if ids[i:i + len(probe_word)] == probe_word)
    prefix, suffix = ids[:start], ids[start + len(probe_word):]

    gold = read_conll(gold_path)
    pred = read_conll(pred_path)
    if len(gold) != len(pred):
        print(f"{gold_path}: {len(gold)} sentences, {pred_path}: {len(pred)}", file=sys.stderr)
        return 1
    agree = total = skipped = 0
    disagreements = []
    with torch.no_grad():
        for s, (g, p) in enumerate(zip(gold, pred)):
            words = [row[0] for row in g]
            if len(p) != len(words):
                print(f"sentence {s}: {len(words)} tokens but {len(p)} predictions", file=sys.stderr)
                return 1
            pieces, first = [], []
            for w in words:
                wp = tok(w, add_special_tokens=False)["input_ids"]
                wp = [unk if i in special else i for i in wp] or [unk]
                first.append(len(prefix) + len(pieces))
                pieces.extend(wp)
            input_ids = prefix + pieces + suffix
            if len(input_ids) > max_len:
                skipped += 1
                continue
            logits = model(torch.tensor([input_ids])).logits[0]
            labels = [id2label[int(logits[f].argmax())] for f in first]
            for w, (hf, row) in enumerate(zip(labels, p)):
                total += 1
                if hf == row[-1]:
                    agree += 1
                elif len(disagreements) < 10:
                    disagreements.append((s, w, words[w], hf, row[-1]))
    rate = 100.0 * agree / max(total, 1)
    print(f"tokens compared: {total}, agreeing: {agree} ({rate:.3f}%), "
          f"tweets skipped as longer than {max_len} pieces: {skipped}")
    for s, w, word, hf, tw in disagreements:
        print(f"  sentence {s} word {w} {word!r}: transformers {hf}, tweetner {tw}")
    return 0 if rate >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
