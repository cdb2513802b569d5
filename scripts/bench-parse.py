#!/usr/bin/env python3
"""Benchmark of `feedwire parse --json` against the libxml2 SAX floor.

    scripts/bench-parse.py FEEDWIRE XML_COUNT CORPUS_DIR [--runs N]

Measured in one run, interleaving the two programs so machine load hits
both alike:
  - CPU time (user + system, from wait4) on the 50 MB feed and on the
    1000-feed set (all files in one call), as throughput and as a ratio of
    feedwire's throughput to `xml_count --sax` (target >= 0.5);
  - feedwire's peak RSS on the 50 MB feed (target <= 64 MiB);
  - a 20-item feed end to end, process start included: whole-process wall
    time and CPU time against xml_count's (target <= 4x).
Medians are reported (minimum in brackets). Prints a table; exits 0.
Python standard library only.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import time


def run(argv):
    """Runs argv with stdout to /dev/null; returns (wall s, cpu s, maxrss KiB, exit code)."""
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err = proc.stderr.read()
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        sys.stderr.write("bench-parse: %s exited %d: %s\n" % (argv[0], proc.returncode, err.decode(errors="replace")[:500]))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode


def measure(pairs, runs):
    """pairs: {label: argv}; runs each argv `runs` times, interleaved."""
    results = {label: [] for label in pairs}
    for _ in range(runs):
        for label, argv in pairs.items():
            results[label].append(run(argv))
    return results


def med(values):
    return statistics.median(values)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("feedwire")
    ap.add_argument("xml_count")
    ap.add_argument("corpus")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--small-runs", type=int, default=40)
    ap.add_argument("--compare", help="another build of feedwire (e.g. dynamically linked), timed too for comparison")
    a = ap.parse_args()

    large = os.path.join(a.corpus, "large.rss.xml")
    small = os.path.join(a.corpus, "small.rss.xml")
    many = sorted(glob.glob(os.path.join(a.corpus, "many", "*.xml")))
    large_bytes = os.path.getsize(large)
    many_bytes = sum(os.path.getsize(f) for f in many)

    print("feedwire parse benchmark")
    print("  binary:  %s" % a.feedwire)
    print("  floor:   %s --sax (libxml2 SAX2 push parser, counting only)" % a.xml_count)
    print("  corpus:  %s (50 MB feed %d bytes; %d feeds, %d bytes)" % (a.corpus, large_bytes, len(many), many_bytes))
    print()

    rows = []
    ok = True
    for name, size, floor_argv, fw_argv in [
        ("50 MB feed", large_bytes, [a.xml_count, "--sax", large], [a.feedwire, "parse", "--json", large]),
        ("1000 feeds", many_bytes, [a.xml_count, "--sax", os.path.join(a.corpus, "many")], [a.feedwire, "parse", "--json"] + many),
    ]:
        r = measure({"floor": floor_argv, "feedwire": fw_argv}, a.runs)
        floor_cpu = med([x[1] for x in r["floor"]])
        fw_cpu = med([x[1] for x in r["feedwire"]])
        ratio = floor_cpu / fw_cpu
        rss = max(x[2] for x in r["feedwire"]) / 1024.0
        rows.append((name, size, floor_cpu, min(x[1] for x in r["floor"]), fw_cpu, min(x[1] for x in r["feedwire"]), ratio, rss))
        if ratio < 0.5:
            ok = False

    print("%-11s %10s %17s %17s %10s %10s %9s %9s" % ("input", "MB", "floor cpu s", "feedwire cpu s", "floor MB/s", "fw MB/s", "ratio", "[of min]"))
    for name, size, fc, fcmin, wc, wcmin, ratio, rss in rows:
        print("%-11s %10.1f %9.3f [%5.3f] %9.3f [%5.3f] %10.1f %10.1f %8.2fx %8.2fx" % (
            name, size / 1e6, fc, fcmin, wc, wcmin, size / 1e6 / fc, size / 1e6 / wc, ratio, fcmin / wcmin))
    print("  (ratio = feedwire throughput / floor throughput, of the medians; target >= 0.50x.")
    print("   [of min]: the same of the fastest runs; both move with other load on the machine)")
    print()
    peak = rows[0][7]
    print("peak RSS of feedwire on the 50 MB feed: %.1f MiB (target <= 64 MiB)%s" % (peak, "" if peak <= 64 else "  MISSED"))
    if peak > 64:
        ok = False
    print()

    r = measure({"floor": [a.xml_count, "--sax", small], "feedwire": [a.feedwire, "parse", "--json", small]}, a.small_runs)
    fw_wall, floor_wall = med([x[0] for x in r["feedwire"]]), med([x[0] for x in r["floor"]])
    fw_wmin, floor_wmin = min(x[0] for x in r["feedwire"]), min(x[0] for x in r["floor"])
    fw_cpu, floor_cpu = med([x[1] for x in r["feedwire"]]), med([x[1] for x in r["floor"]])
    print("20-item feed end to end (%s, %d bytes), %d runs each:" % (os.path.basename(small), os.path.getsize(small), a.small_runs))
    print("  whole-process wall: floor %.1f ms [%.1f], feedwire %.1f ms [%.1f] -> %.1fx (min %.1fx; target <= 4x)" % (
        floor_wall * 1e3, floor_wmin * 1e3, fw_wall * 1e3, fw_wmin * 1e3, fw_wall / floor_wall, fw_wmin / floor_wmin))
    print("  process CPU:        floor %.1f ms, feedwire %.1f ms" % (floor_cpu * 1e3, fw_cpu * 1e3))
    if fw_wall / floor_wall > 4:
        ok = False
    if a.compare:
        r = measure({"floor": [a.xml_count, "--sax", small], "other": [a.compare, "parse", "--json", small]}, a.small_runs)
        ot_wall, fl_wall = med([x[0] for x in r["other"]]), med([x[0] for x in r["floor"]])
        print("  comparison build %s: floor %.1f ms, feedwire %.1f ms [%.1f] -> %.1fx (process CPU %.1f ms)" % (
            a.compare, fl_wall * 1e3, ot_wall * 1e3, min(x[0] for x in r["other"]) * 1e3, ot_wall / fl_wall,
            med([x[1] for x in r["other"]]) * 1e3))
        r = measure({"floor": [a.xml_count, "--sax", large], "other": [a.compare, "parse", "--json", large]}, a.runs)
        fc, oc = med([x[1] for x in r["floor"]]), med([x[1] for x in r["other"]])
        print("  comparison build on the 50 MB feed: cpu %.3f s vs floor %.3f s -> %.2fx, peak RSS %.1f MiB" % (
            oc, fc, fc / oc, max(x[2] for x in r["other"]) / 1024.0))
    print()
    print("all targets met" if ok else "some targets missed (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
