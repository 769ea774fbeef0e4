#!/usr/bin/env python3
"""Builds the CrisisLex replay stream (issue 13, "real" evaluation).

The CrisisLex T6/T26 tweets in ../shared/data/unlabeled/tweets.tsv carry
Twitter snowflake ids, so their real posting time is known to the
millisecond. Each crisis window (first to last crisis tweet, plus two days
before) is filled with background tweets from the other sources (no crisis
keywords), re-timed at random over the window with a diurnal rate, so that
a crisis entity has to stand out of ordinary chatter. Writes JSONL sorted by
time: {"id", "created_at" (epoch ms), "text", "source"}.

usage: prepare.py TWEETS_TSV OUT_JSONL [--background-per-hour N] [--seed S]
                  [--crisis-sources crisislex_t6[,crisislex_t26]]
"""
import argparse
import json
import math
import random
import time

SNOWFLAKE_EPOCH_MS = 1288834974657
DAY_MS = 86_400_000
GAP_MS = 7 * DAY_MS  # crisis tweets further apart than this start a new window
BACKGROUND_SOURCES = {"semeval_task4_2013_2017", "tweeteval_sentiment", "tweeteval_emoji",
                      "tweeteval_emotion", "tweeteval_irony", "sentiment140_100k"}


def snowflake_ms(tweet_id):
    return (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("out")
    ap.add_argument("--background-per-hour", type=float, default=150.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--crisis-sources", default="crisislex_t6",
                    help="comma-separated sources (crisislex_t6, crisislex_t26)")
    a = ap.parse_args()
    a.crisis_sources = set(a.crisis_sources.split(","))
    rng = random.Random(a.seed)
    crisis, background = [], []
    with open(a.tsv, encoding="utf-8") as f:
        next(f)
        for n, line in enumerate(f, start=2):
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) != 4 or not parts[3].strip():
                continue
            source, tid, _date, text = parts
            if source in a.crisis_sources and tid.isdigit() and int(tid) > 2**40:
                crisis.append((snowflake_ms(tid), tid, text, source))
            elif source in BACKGROUND_SOURCES:
                background.append(text)
    crisis.sort()
    windows = []
    for t, *_ in crisis:
        if windows and t - windows[-1][1] <= GAP_MS:
            windows[-1][1] = t
        else:
            windows.append([t, t])
    rng.shuffle(background)
    records = [{"id": tid, "created_at": t, "text": text, "source": source}
               for t, tid, text, source in crisis]
    used = 0
    for start, end in windows:
        start -= 2 * DAY_MS
        hours = (end - start) / 3_600_000
        n = int(hours * a.background_per_hour)
        for i in range(n):
            # Diurnal volume: rejection sampling against 1 + 0.6 sin(hour of day).
            while True:
                t = rng.randrange(start, end)
                hour = (t % DAY_MS) / 3_600_000
                if rng.random() < (1 + 0.6 * math.sin(2 * math.pi * (hour - 9) / 24)) / 1.6:
                    break
            text = background[used % len(background)]
            used += 1
            records.append({"id": f"bg{used}", "created_at": t, "text": text, "source": "background"})
    records.sort(key=lambda r: r["created_at"])
    with open(a.out, "w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    for start, end in windows:
        print("window", *(time.strftime("%Y-%m-%d %H:%M", time.gmtime(t / 1000)) for t in (start, end)))
    print(f"{len(crisis)} crisis tweets in {len(windows)} windows, {used} background tweets "
          f"({len(set(background))} distinct, reused when the windows need more) -> {a.out}")


if __name__ == "__main__":
    main()
