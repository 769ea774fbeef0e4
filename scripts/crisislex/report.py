#!/usr/bin/env python3
"""Scores a CrisisLex replay (issue 13): for each CrisisLex T6 event, the
first trend event whose entity names it, against the event's onset, plus the
entities that trended in its window. Reads the replay JSONL (for the first
crisis tweet of each event) and `tweetner trends` events; prints a Markdown
table.

Onsets are the public record's times of the events, in UTC: the explosion,
the tornado's touchdown, the landfall; for the two floods, the day the
flooding made news (approximate, to the day).

usage: report.py REPLAY_JSONL TREND_EVENTS_JSONL
"""
import json
import sys
import time
from collections import defaultdict

EVENTS = [
    # name, onset (UTC), names that identify it, window start, window end
    ("Hurricane Sandy (landfall)", "2012-10-29 23:30", {"sandy", "hurricane sandy", "frankenstorm"},
     "2012-10-26", "2012-10-31"),
    ("Queensland floods", "2013-01-27 00:00", {"queensland", "bundaberg", "brisbane", "qld"},
     "2013-01-25", "2013-02-02"),
    ("Boston Marathon bombings", "2013-04-15 18:49", {"boston", "boston marathon", "watertown"},
     "2013-04-13", "2013-04-17"),
    ("West, Texas fertilizer plant explosion", "2013-04-18 00:50", {"west", "west texas", "waco", "texas"},
     "2013-04-17", "2013-04-20"),
    ("Moore, Oklahoma tornado", "2013-05-20 19:56", {"oklahoma", "moore", "okc", "oklahoma city"},
     "2013-05-18", "2013-05-31"),
    ("Alberta floods", "2013-06-20 12:00", {"alberta", "calgary", "high river", "yyc"},
     "2013-06-19", "2013-07-02"),
]


def ms(text):
    fmt = "%Y-%m-%d %H:%M" if " " in text else "%Y-%m-%d"
    return int(time.mktime(time.strptime(text, fmt)) - time.timezone) * 1000


def fmt(t):
    return time.strftime("%m-%d %H:%M", time.gmtime(t / 1000))


def hours(d):
    sign = "-" if d < 0 else "+"
    return f"{sign}{abs(d) / 3_600_000:.1f} h"


def main():
    replay, events_file = sys.argv[1], sys.argv[2]
    crisis_times = []
    background_span = []
    with open(replay, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            (background_span if r["source"] == "background" else crisis_times).append(r["created_at"])
    trends = []
    with open(events_file, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if "entity" in e and "detected_at" in e:
                trends.append(e)
    print("| event | onset (UTC) | first CrisisLex tweet in the window | first trend naming it | delay after onset | other entities trending in the window (first 6) |")
    print("|---|---|---|---|---|---|")
    for name, onset, names, w0, w1 in EVENTS:
        onset_ms, lo, hi = ms(onset), ms(w0), ms(w1)
        first_tweet = min((t for t in crisis_times if lo <= t < hi), default=None)
        in_window = [e for e in trends if lo <= to_ms(e["detected_at"]) < hi]
        in_window.sort(key=lambda e: to_ms(e["detected_at"]))
        hit = next((e for e in in_window if e["entity"].lower() in names
                    or any(v.lower() in names for v in e.get("variants", []))), None)
        others = []
        for e in in_window:
            label = f'{e["entity"]} ({e["type"]})'
            if label not in others and e is not hit:
                others.append(label)
        hit_text = (f'{hit["entity"]} ({hit["type"]}) at {fmt(to_ms(hit["detected_at"]))}, '
                    f'{hit.get("count", 0):.0f} vs baseline {hit.get("baseline", 0):.1f}' if hit else "none")
        delay = hours(to_ms(hit["detected_at"]) - onset_ms) if hit else "–"
        print(f"| {name} | {onset} | {fmt(first_tweet) if first_tweet else '–'} | {hit_text} | {delay} | "
              f"{', '.join(others[:6]) or '–'} |")
    per_day = defaultdict(int)
    for e in trends:
        per_day[time.strftime("%Y-%m-%d", time.gmtime(to_ms(e["detected_at"]) / 1000))] += 1
    print(f"\n{len(trends)} trend events in all; busiest days: "
          + ", ".join(f"{d} {n}" for d, n in sorted(per_day.items(), key=lambda x: -x[1])[:5]))


def to_ms(v):
    if isinstance(v, (int, float)):
        return int(v)
    return ms(v.replace("T", " ")[:16])


if __name__ == "__main__":
    main()
