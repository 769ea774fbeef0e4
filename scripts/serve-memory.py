#!/usr/bin/env python3
"""Memory of `tweetner serve` under the large-request attack of issue 16, and after it.

Starts the server with a model, measures its RSS at rest, then sends CLIENTS
concurrent clients each ROUNDS requests of 255 texts of ~2,000 one-character
tokens (the largest the default limits accept: 4,096 bytes per text), samples
the RSS every 50 ms while they run, and measures it again 2 s and 10 s after
the last answer. Prints one JSON object: the answers by status, peak RSS,
RSS after, and the time a /healthz probe took during the attack.

Usage: scripts/serve-memory.py [--model DIR] [--bin PATH] [--clients N]
                               [--rounds N] [-- SERVE_FLAGS...]
"""
import argparse
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--bin", default="target/release/tweetner")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("serve_flags", nargs="*")
    a = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [a.bin, "serve", "--model", a.model, "--addr", f"127.0.0.1:{port}", "--workers", "2"]
        + a.serve_flags,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/readyz", timeout=1).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        rest = rss_kib(server.pid)
        text = " ".join(["a"] * 2000)
        body = json.dumps({"texts": [text] * 255}).encode()
        statuses = {}
        lock = threading.Lock()

        def client():
            for _ in range(a.rounds):
                req = urllib.request.Request(url + "/v1/tag", data=body, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        r.read()
                        code = r.status
                except urllib.error.HTTPError as e:
                    e.read()
                    code = e.code
                except (urllib.error.URLError, ConnectionError, OSError) as e:
                    code = type(e).__name__
                with lock:
                    statuses[str(code)] = statuses.get(str(code), 0) + 1

        threads = [threading.Thread(target=client) for _ in range(a.clients)]
        peak = rest
        started = time.time()
        for t in threads:
            t.start()
        probe = None
        while any(t.is_alive() for t in threads):
            peak = max(peak, rss_kib(server.pid))
            if probe is None and time.time() - started > 1.0:
                t0 = time.time()
                urllib.request.urlopen(url + "/healthz", timeout=30).read()
                probe = time.time() - t0
            time.sleep(0.05)
        attack = time.time() - started
        time.sleep(2)
        after2 = rss_kib(server.pid)
        time.sleep(8)
        after10 = rss_kib(server.pid)
        print(json.dumps({
            "clients": a.clients, "rounds": a.rounds, "texts_per_request": 255,
            "statuses": statuses, "attack_s": round(attack, 1),
            "healthz_during_s": None if probe is None else round(probe, 3),
            "rss_mib": {"rest": rest // 1024, "peak": peak // 1024,
                        "after_2s": after2 // 1024, "after_10s": after10 // 1024},
            "serve_flags": a.serve_flags,
            "env": {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")},
        }))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
