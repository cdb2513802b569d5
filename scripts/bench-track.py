#!/usr/bin/env python3
"""Benchmark of the item store (issue 4): `make bench-track`.

Generates the 1000-feed corpus (../shared/bench/gen_corpus.py, seed 42, no
large file) once under .build/bench-track/, ingests it into an empty state
database on disk with one `feedwire ingest --feed-per-file` process, then
ingests it again unchanged, then once more with every document's bytes
changed but no item (the daemon's common case), and prints for each pass the CPU time of the
child (getrusage), the rows written, and the database size against the
corpus size. Targets: first pass <= 3 s CPU; unchanged pass <= 0.5 s CPU
with 0 rows written; database <= corpus on disk.
"""
import argparse
import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def disk_size(paths):
    total = 0
    for p in paths:
        if os.path.exists(p):
            total += os.stat(p).st_blocks * 512
    return total


def run_pass(binary, state, files, label):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic()
    proc = subprocess.run([binary, "ingest", "--state", state, "--feed-per-file", "--at", "2024-11-21T00:00:00Z",
                           "--stats"] + files, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit("%s: feedwire ingest exited %d" % (label, proc.returncode))
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    m = re.search(r"ingested (\d+) documents \((\d+) unchanged, (\d+) failed\), (\d+) events, rows written (\d+)",
                  proc.stderr)
    if not m:
        sys.stderr.write(proc.stderr)
        sys.exit("%s: no summary from feedwire ingest --stats" % label)
    docs, unchanged, failed, events, rows = map(int, m.groups())
    notes = [l for l in proc.stderr.splitlines() if "ingested" not in l]
    print("%-16s cpu %6.2f s (user %.2f + sys %.2f)  wall %6.2f s  documents %d (%d unchanged, %d failed)  "
          "events %d  rows written %d" % (label, user + system, user, system, wall, docs, unchanged, failed, events, rows))
    if notes:
        print("  %d note(s), e.g. %s" % (len(notes), notes[0]))
    return user + system, rows, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", default=os.path.join(ROOT, ".build", "bench-track"))
    a = ap.parse_args()
    corpus = os.path.join(a.work, "corpus")
    if not os.path.exists(os.path.join(corpus, "manifest.json")):
        os.makedirs(corpus, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py"), corpus,
                        "--seed", "42", "--no-large"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(glob.glob(os.path.join(corpus, "many", "*.xml")))
    corpus_bytes = sum(os.path.getsize(f) for f in files)
    corpus_disk = disk_size(files)
    state = os.path.join(a.work, "state.db")
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(state + suffix):
            os.remove(state + suffix)
    print("corpus: %d feeds, %.1f MB (%.1f MB on disk)" % (len(files), corpus_bytes / 1e6, corpus_disk / 1e6))
    first_cpu, _, failed1 = run_pass(a.binary, state, files, "first ingest")
    db_disk = disk_size([state, state + "-wal"])
    second_cpu, rows, failed2 = run_pass(a.binary, state, files, "unchanged again")
    # The daemon's usual case: the bytes changed (a new lastBuildDate, a
    # comment) but no item did. Every document is parsed and reconciled; only
    # each feed's document hash may be written.
    touched_dir = os.path.join(a.work, "touched")
    shutil.rmtree(touched_dir, ignore_errors=True)
    os.makedirs(touched_dir)
    touched = []
    for f in files:
        dest = os.path.join(touched_dir, os.path.basename(f))
        with open(f, "rb") as src, open(dest, "wb") as out:
            out.write(src.read() + b"<!-- fetched again -->\n")
        touched.append(dest)
    third_cpu, third_rows, failed3 = run_pass(a.binary, state, touched, "bytes changed")
    print("  (rows written by the bytes-changed pass: %d feeds' document hashes, no item rows)" % third_rows
          if third_rows <= len(files) else "  item rows were written although no item changed")
    print("database: %.1f MB on disk (%.0f %% of the corpus on disk)" % (db_disk / 1e6, 100.0 * db_disk / corpus_disk))
    ok = (first_cpu <= 3.0 and second_cpu <= 0.5 and rows == 0 and db_disk <= corpus_disk and not failed1 and not failed2
          and not failed3 and third_rows <= len(files))
    print("targets: first <= 3 s CPU %s; unchanged <= 0.5 s CPU %s; 0 rows written %s; database <= corpus %s" % (
        "met" if first_cpu <= 3.0 else "MISSED", "met" if second_cpu <= 0.5 else "MISSED",
        "met" if rows == 0 else "MISSED", "met" if db_disk <= corpus_disk else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
