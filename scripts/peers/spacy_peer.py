"""Optional second peer for crfsuite_peer.py: a spaCy NER pipeline (blank
English, the default transition-based NER with its CNN token encoder, no
pretrained vectors) trained for a fixed number of epochs on WNUT-16 train.

Imported only with `--spacy`, so the crfsuite comparison needs nothing but
python-crfsuite.
"""

import random
import time

import spacy
from spacy.tokens import Doc
from spacy.training import Example, iob_to_biluo

_NLP = None


def _examples(nlp, tweets):
    out = []
    for tokens, tags in tweets:
        doc = Doc(nlp.vocab, words=tokens)
        out.append(Example.from_dict(doc, {"entities": iob_to_biluo(tags)}))
    return out


def train(tweets, model_dir, epochs, seed=1):
    """Trains and saves the pipeline; returns seconds spent."""
    start = time.perf_counter()
    random.seed(seed)
    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for _, tags in tweets:
        for tag in tags:
            if tag != "O":
                ner.add_label(tag.split("-", 1)[1])
    examples = _examples(nlp, tweets)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(epochs):
        random.shuffle(examples)
        losses = {}
        for batch in spacy.util.minibatch(examples, size=16):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
    nlp.to_disk(model_dir)
    return time.perf_counter() - start


def init_worker(model_dir):
    global _NLP
    _NLP = spacy.load(model_dir)


def _bio(doc):
    return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in doc]


def tag_tokens(batch):
    """Tokens given: the pipeline runs on Docs built from them."""
    docs = (Doc(_NLP.vocab, words=t) for t in batch)
    return [_bio(d) for d in _NLP.pipe(docs, batch_size=64)]


def tag_raw(batch):
    """Raw text: spaCy's own tokenizer runs first, as a user would run it."""
    return [_bio(d) for d in _NLP.pipe(batch, batch_size=64)]
