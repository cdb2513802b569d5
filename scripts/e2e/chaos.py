#!/usr/bin/env python3
"""Crash safety of the whole daemon (issue 8, item 2): `kill -9` at random moments.

Drives `feedwire run` and `feedwire once` through the newsroom scenario
(../shared/tools/newsroom.py, live clock) against chat_sink.py, killing the
daemon with SIGKILL many times and restarting it each time:

* random-timer kills of `feedwire run` and `feedwire once` (during fetch,
  ingest, publishing, delivery — wherever the timer falls);
* deterministic crash points (`FEEDWIRE_CRASH_AT=name:N`, see
  Sources/FeedwireCore/Model/CrashPoint.swift): ingest-before-commit,
  publish-before-rename, delivery-before-mark, fetch-before-store. A crash
  point must kill the process exactly as SIGKILL does (exit by signal 9).

Each scenario step is: tick the newsroom, a few chaos rounds (a daemon that
is killed), then one `feedwire once` that is left to finish ("settle"), so
every revision a killed process fetched is fetched again by a survivor
before the newsroom moves on: the ground truth (`/_control/state`, "what a
client saw") stays the daemon's truth too.

Throughout, a reader thread reads the merged feed in a tight loop and
parses every read as XML. After every kill the database gets `PRAGMA
integrity_check`. At the end:

* integrity_check is ok (after every kill and at the end);
* every read of the merged feed was a complete, well-formed RSS document;
* no notification was lost: every `expected.new` (alert, not initial) and
  every `expected.updated` (alert) reached every target at least once;
* the only repeats are messages in flight at a kill: every accepted copy of
  an idempotency key but the last came from a process that was killed, and
  a killed process left at most one such copy per target; repeats carry
  the same key (no item revision reached a target under two keys);
* the outbox holds nothing pending or dead;
* `chat_sink.py summary --check` passes (same-key replays are deduplicated).

Prints the figures (kills, kills per kind, repeats, lost, integrity) and
exits non-zero when an assertion fails.

    scripts/e2e/chaos.py --short          # the CI version (scripts/checks/chaos.sh)
    scripts/e2e/chaos.py                  # make chaos: the whole scenario and more
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # no __pycache__ beside the scripts
sys.path.insert(0, HERE)
import harness  # noqa: E402  (scripts/e2e/harness.py, shared with the acceptance run)

CRASH_POINTS = ["fetch-before-store", "ingest-before-commit", "publish-before-rename", "delivery-before-mark"]
MATRIX_ROOM = "!chaos:example.org"


def log(msg: str) -> None:
    print(f"chaos: {msg}", flush=True)


# ---------------------------------------------------------------- merged feed reader

class MergedFeedReader(threading.Thread):
    """Reads the merged feed in a tight loop; every read must be a whole RSS document.

    The daemon replaces the file by rename (AtomicFileWriter), so a reader
    that opens it at any moment sees either the old or the new document,
    never a torn one. A read that does not parse is kept for the report.
    """

    def __init__(self, path: str, keep_dir: str):
        super().__init__(daemon=True, name="merged-feed-reader")
        self.path = path
        self.keep_dir = keep_dir
        self.stop = threading.Event()
        self.reads = 0
        self.absent = 0
        self.torn = 0
        self.versions = set()
        self.problems: list[str] = []
        self.seen_file = False

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with open(self.path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                if self.seen_file:
                    self._problem("the merged feed disappeared after it had been published")
                self.absent += 1
                time.sleep(0.001)
                continue
            self.seen_file = True
            self.reads += 1
            try:
                root = ET.fromstring(data)
                if root.tag != "rss" or root.find("channel") is None:
                    raise ValueError(f"root element <{root.tag}> is not <rss> with a <channel>")
                self.versions.add(hash(data))
            except (ET.ParseError, ValueError) as e:
                self.torn += 1
                name = os.path.join(self.keep_dir, f"torn-{self.torn}.xml")
                if self.torn <= 5:
                    with open(name, "wb") as out:
                        out.write(data)
                self._problem(f"read {self.reads}: not a complete document ({e}); {len(data)} bytes kept in {name}")

    def _problem(self, text: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(text)


# ---------------------------------------------------------------- daemon under fire

class Span:
    """One daemon process: its command, lifetime and how it ended."""

    def __init__(self, index: int, mode: str, kind: str, crash_at: str | None):
        self.index = index
        self.mode = mode            # run | once
        self.kind = kind            # timer-run, timer-once, crash:<point>, settle, final
        self.crash_at = crash_at
        self.start = 0.0
        self.end = 0.0
        self.returncode: int | None = None
        self.killed = False         # died by SIGKILL (ours or a crash point's)
        self.crash_reached = False  # the armed crash point fired

    def __repr__(self) -> str:
        return f"#{self.index} {self.mode} {self.kind} rc={self.returncode}"


class Daemon:
    """Starts `feedwire run|once`, kills it, and records every process's span."""

    def __init__(self, binary: str, config: str, workdir: str):
        self.binary = binary
        self.config = config
        self.logpath = os.path.join(workdir, "daemon.log")
        self.spans: list[Span] = []
        self.proc: subprocess.Popen | None = None

    def start(self, mode: str, kind: str, crash_at: str | None = None) -> Span:
        assert self.proc is None
        env = dict(os.environ)
        env.pop("FEEDWIRE_CRASH_AT", None)
        if crash_at:
            env["FEEDWIRE_CRASH_AT"] = crash_at
        span = Span(len(self.spans), mode, kind, crash_at)
        args = [self.binary, mode, "--config", self.config, "--log-level", "info"]
        if mode == "once":
            args += ["--max-wait", "6"]
        with open(self.logpath, "ab") as logf:
            logf.write(f"==== process {span.index}: {mode} {kind} {crash_at or ''}\n".encode())
            logf.flush()
            span.start = time.time()
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=env)
        self.spans.append(span)
        return span

    def wait(self, timeout: float) -> bool:
        """Waits for the process to end by itself; True when it did."""
        assert self.proc is not None
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        self._ended()
        return True

    def kill(self) -> None:
        """SIGKILL, then reap (so the next process never overlaps this one)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._ended()

    def stop(self) -> None:
        if self.proc is not None:
            self.kill()

    def _ended(self) -> None:
        span = self.spans[-1]
        span.end = time.time()
        span.returncode = self.proc.returncode
        span.killed = self.proc.returncode == -signal.SIGKILL
        self.proc = None

    def crash_point_messages(self) -> int:
        with open(self.logpath, "rb") as f:
            return f.read().count(b"crash point ")

    def span_at(self, t: float) -> Span | None:
        """The process that was (last) alive at wall time t: processes never overlap."""
        found = None
        for s in self.spans:
            if s.start <= t:
                found = s
            else:
                break
        return found


def integrity(db: str) -> str:
    """`PRAGMA integrity_check` on a read-only connection: it reads the WAL a
    killed daemon left but never checkpoints it, so the restarted daemon still
    does its own recovery."""
    if not os.path.exists(db):
        return "ok"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(r[0] for r in rows)
    finally:
        con.close()


def foreign_keys(db: str) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return len(con.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        con.close()


# ---------------------------------------------------------------- repeats and losses

class Accepted:
    """One request a target accepted (2xx), with its idempotency key and the process that sent it."""

    def __init__(self, rec: dict, target: str, key: str, span: Span | None):
        self.seq = int(rec.get("seq", 0))
        self.target = target
        self.key = key
        self.span = span


def accepted_requests(records: list[dict], targets: list, daemon: Daemon) -> tuple[list[Accepted], dict]:
    """Accepted requests, and the last request (any answer) each process sent to each target."""
    out = []
    last: dict[tuple[int, str], int] = {}
    for rec in records:
        t = harness._target_for(rec, targets)
        if t is None or rec.get("method") in ("GET", "DELETE"):
            continue
        span = daemon.span_at(harness.parse_time(rec["time"]))
        if span is not None:
            last[(span.index, t.name)] = max(last.get((span.index, t.name), 0), int(rec.get("seq", 0)))
        if not (200 <= int(rec.get("status", 0)) < 300):
            continue
        key = harness._key(rec) or f"(no key, request {rec.get('seq')})"
        out.append(Accepted(rec, t.name, key, span))
    return out, last


def repeats(accepted: list[Accepted], last: dict) -> dict:
    """Every accepted copy of a key but the last must come from a process that
    was killed with it in flight: the last request that process sent to that
    target (a worker sends nothing more to a target before it has recorded the
    answer), so one such message per kill and target."""
    by_key: dict[tuple[str, str], list[Accepted]] = collections.defaultdict(list)
    for a in accepted:
        by_key[(a.target, a.key)].append(a)
    count = 0
    seqs: set[int] = set()
    problems: list[str] = []
    per_kill: dict[tuple[int, str], list[str]] = collections.defaultdict(list)
    per_target = collections.Counter()
    for (target, key), copies in by_key.items():
        copies.sort(key=lambda a: a.seq)
        for first, again in zip(copies, copies[1:]):
            count += 1
            per_target[target] += 1
            seqs.update((first.seq, again.seq))
            sp = first.span
            if sp is None or not sp.killed:
                problems.append(f"{target}: key {key} accepted again (sink requests {first.seq}, {again.seq}); the process "
                                f"that sent it first ({sp}) was not killed")
            elif again.span is sp:
                problems.append(f"{target}: key {key} sent twice by one process ({sp}; sink requests {first.seq}, {again.seq})")
            elif last.get((sp.index, target)) != first.seq:
                problems.append(f"{target}: key {key} (sink request {first.seq}) was accepted and then repeated although it "
                                f"was not in flight when {sp} was killed (its last request there was {last.get((sp.index, target))}): "
                                f"the answer was recorded and lost")
            else:
                per_kill[(sp.index, target)].append(key)
    for (index, target), keys in sorted(per_kill.items()):
        if len(keys) > 1:
            problems.append(f"{target}: process #{index} was killed with {len(keys)} messages in flight (at most one "
                            f"per target): {', '.join(keys)}")
    return {"count": count, "per_target": dict(per_target), "seqs": seqs, "problems": problems,
            "kills_with_repeat": len({i for i, _ in per_kill})}


def losses(state: dict, dels: list, targets: list) -> tuple[list[str], list[str]]:
    """(lost, visible duplicates): per target, kind and story, the distinct
    idempotency keys delivered against the expected alerts. Fewer keys than
    expected alerts is a lost notification; more is a duplicate a reader sees
    (a repeat under the same key is not: the receiver drops it)."""
    index = harness.StoryIndex(state)
    want = collections.Counter()
    for e in harness.expected_alerts(state):
        want[(e["kind"], e.get("story") or e["item"])] += 1
    lost, visible = [], []
    for t in targets:
        got: dict[tuple[str, str], set] = collections.defaultdict(set)
        for d in dels:
            if d.target != t.name or d.kind not in ("new", "updated"):
                continue
            story = index.story(d)
            got[(d.kind, story or f"? {d.title!r} <{d.link}>")].add(d.key)
        for k in sorted(set(want) | set(got), key=str):
            n, keys = want.get(k, 0), got.get(k, set())
            if len(keys) < n:
                lost.append(f"{t.name}: {k[0]} {k[1]}: {n} expected, {len(keys)} delivered")
            elif len(keys) > n:
                visible.append(f"{t.name}: {k[0]} {k[1]}: {n} expected, delivered under {len(keys)} keys {sorted(keys)}")
    return lost, visible


def sink_check(servers, explained: set[int]) -> tuple[bool, str]:
    """`chat_sink.py summary --check`, with a same-key replay that the chaos
    accounting explained (in flight at a kill) counted as deduplicated: the
    sink lists Matrix txnId replays as deduplicated itself, but a repeated
    `webhook-id` only as a duplicate — a Standard Webhooks receiver drops it."""
    rc, text = servers.sink.summary_check()
    if rc == 0:
        return True, text
    p = subprocess.run([sys.executable, os.path.join(harness.TOOLS, "chat_sink.py"), "summary", servers.sink.log_path, "--json"],
                       capture_output=True, text=True, timeout=60)
    summary = json.loads(p.stdout)
    invalid = sum(s.get("invalid", 0) for s in summary["services"].values())
    left = [d for d in summary["duplicates"] if not d["deduplicated_by_server"]
            and not (d["kind"] == "webhook-id" and set(d["seqs"]) <= explained)]
    return invalid == 0 and not left, text


# ---------------------------------------------------------------- the run

class Chaos:
    def __init__(self, args, tmp: str, servers, conf):
        self.args = args
        self.tmp = tmp
        self.servers = servers
        self.conf = conf
        self.rng = random.Random(args.seed)
        self.daemon = Daemon(args.binary, conf.path, tmp)
        self.kills = collections.Counter()        # kind -> kills
        self.crash_unreached = collections.Counter()
        self.once_finished = 0
        self.crash_turn = 0
        self.misses = 0
        self.integrity_checks = 0
        self.integrity_problems: list[str] = []
        self.settle_problems: list[str] = []

    def after_kill(self, span: Span) -> None:
        self.integrity_checks += 1
        result = integrity(self.conf.state)
        fk = foreign_keys(self.conf.state) if os.path.exists(self.conf.state) else 0
        if result != "ok" or fk:
            self.integrity_problems.append(f"after {span}: integrity_check {result!r}, {fk} foreign key violations")

    def round(self, first_after_tick: bool) -> None:
        rng = self.rng
        roll = rng.random()
        # Crash points where work is waiting (right after a tick) are reached most reliably.
        if roll < (0.6 if first_after_tick else 0.3):
            # Round robin, moving on once a point was reached (or missed twice),
            # points never reached yet first: a short run has only ~8 of these
            # rounds, and rotating back to points already reached once left
            # delivery-before-mark unreached in a CI run.
            point = self.next_crash_point()
            mode = rng.choice(["run", "once"])
            # The N-th hit: any of the 7 fetches; the second target's delivery; else the first hit.
            n = {"fetch-before-store": rng.randint(1, 7), "delivery-before-mark": rng.randint(1, 2)}.get(point, 1)
            span = self.daemon.start(mode, f"crash:{point}", f"{point}:{n}")
            if not self.daemon.wait(6 if mode == "run" else 60):
                self.daemon.kill()
                self.missed(point)
                self.kills["timer-" + mode] += 1
                self.after_kill(span)
                return
            if span.killed:
                span.crash_reached = True
                self.crash_turn += 1
                self.misses = 0
                self.kills[f"crash:{point}"] += 1
                self.after_kill(span)
            else:
                self.missed(point)
                self.once_finished += 1
            return
        mode = "run" if roll < 0.8 else "once"
        span = self.daemon.start(mode, "timer-" + mode)
        delay = rng.uniform(0.05, 3.0) if mode == "run" else rng.uniform(0.02, 1.5)
        if self.daemon.wait(delay):
            self.once_finished += 1
            return
        self.daemon.kill()
        self.kills["timer-" + mode] += 1
        self.after_kill(span)

    def next_crash_point(self) -> str:
        for k in range(len(CRASH_POINTS)):
            point = CRASH_POINTS[(self.crash_turn + k) % len(CRASH_POINTS)]
            if not self.kills.get(f"crash:{point}"):
                return point
        return CRASH_POINTS[self.crash_turn % len(CRASH_POINTS)]

    def missed(self, point: str) -> None:
        self.crash_unreached[point] += 1
        self.misses += 1
        if self.misses >= 2:
            self.crash_turn += 1
            self.misses = 0

    def settle(self, why: str) -> None:
        """One `feedwire once` left to finish: every feed fetched and stored by a survivor."""
        span = self.daemon.start("once", why)
        if not self.daemon.wait(120):
            self.daemon.kill()
            self.settle_problems.append(f"{span}: did not finish within 120 s")
        elif span.returncode not in (0, 1):
            self.settle_problems.append(f"{span}: exit code {span.returncode}")

    def run(self) -> None:
        steps = self.args.steps
        for step in range(steps + 1):
            if step:
                self.servers.newsroom.tick()
            for r in range(self.args.rounds):
                self.round(first_after_tick=r == 0)
            self.settle("settle")
            log(f"step {step}/{steps}: {sum(self.kills.values())} kills so far")
        # Let everything due go out: twice, in case the last pass scheduled a short retry.
        self.settle("final")
        self.settle("final")


def outbox_counts(db: str) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return dict(con.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true", help="the CI version: the scripted steps, 3 kills per step")
    ap.add_argument("--steps", type=int, help="newsroom steps after step 0 (default 12 short, 40 long)")
    ap.add_argument("--rounds", type=int, help="kills per step (default 2 short, 4 long)")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("CHAOS_SEED", "0")) or None,
                    help="random seed (default: random, printed; CHAOS_SEED)")
    ap.add_argument("--binary", default=harness.feedwire_bin())
    ap.add_argument("--digest-threshold", type=int, default=1,
                    help="digest_threshold of the webhook target (default 1: two waiting messages make a digest, "
                         "so digests are in flight at kills too; the Matrix target keeps the default)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    args.steps = args.steps if args.steps is not None else (12 if args.short else 40)
    args.rounds = args.rounds if args.rounds is not None else (3 if args.short else 4)
    if args.seed is None:
        args.seed = random.randrange(1, 1 << 31)
    if not os.access(args.binary, os.X_OK):
        print(f"chaos: {args.binary} is not built; run swift build first", file=sys.stderr)
        return 2

    # SIGTERM (the check script's trap, make's interrupt) unwinds through the
    # `finally` below, which stops the daemon and both servers.
    harness.exit_on_sigterm()
    tmp = tempfile.mkdtemp(prefix="feedwire-chaos.")
    log(f"seed {args.seed}, {args.steps} steps x {args.rounds} kills, work in {tmp}")
    started = time.time()
    ok = False
    servers = harness.Servers(tmp, hang_seconds=2, seed=1)
    chaos = None
    reader = None
    try:
        base = servers.sink.base
        targets = [
            # A low digest threshold on the webhook: bursts after a restart become digests, which must replay too.
            harness.Target("hook", "webhook", base + "/generic/chaos", "/generic/chaos",
                           {"secret": harness.WEBHOOK_SECRET, "digest_threshold": args.digest_threshold}),
            harness.Target("room", "matrix", base + "/matrix", "/matrix/", {"token": harness.MATRIX_TOKEN, "room": MATRIX_ROOM}),
        ]
        conf = harness.write_config(tmp, servers, targets, formats=("rss",))
        reader = MergedFeedReader(conf.outputs[0].path, tmp)
        reader.start()
        chaos = Chaos(args, tmp, servers, conf)
        chaos.run()
        ok = report(chaos, reader, servers, conf, time.time() - started)
    finally:
        if chaos is not None:
            chaos.daemon.stop()
        if reader is not None:
            reader.stop.set()
            reader.join(5)
        servers.stop()
        if ok and not args.keep:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp} (daemon.log, sink.jsonl, state.db)")
    return 0 if ok else 1


def report(chaos: Chaos, reader: MergedFeedReader, servers, conf, elapsed: float) -> bool:
    reader.stop.set()
    reader.join(5)
    state = servers.newsroom.state()
    records = servers.sink.records()
    dels = harness.deliveries(records, conf.targets)
    rep = repeats(*accepted_requests(records, conf.targets, chaos.daemon))
    lost, visible = losses(state, dels, conf.targets)
    final_integrity = integrity(conf.state)
    outbox = outbox_counts(conf.state)
    sink_ok, sink_text = sink_check(servers, rep["seqs"])
    rejected = harness.rejected(records, conf.targets)
    output = harness.compare_output(conf.outputs[0], state)
    digests = len({(d.target, d.key) for d in dels if d.digest})
    crash_logged = chaos.daemon.crash_point_messages()
    crash_kills = sum(v for k, v in chaos.kills.items() if k.startswith("crash:"))

    kills = sum(chaos.kills.values())
    print()
    print(f"chaos: {kills} kills in {elapsed:.0f} s over {chaos.args.steps + 1} newsroom steps (seed {chaos.args.seed})")
    for kind in sorted(chaos.kills):
        print(f"  {kind:<30} {chaos.kills[kind]}")
    if chaos.crash_unreached:
        print("  crash points not reached in time (then killed by timer or finished): "
              + ", ".join(f"{k} {v}" for k, v in sorted(chaos.crash_unreached.items())))
    print(f"  `feedwire once` that finished before its timer: {chaos.once_finished}")
    print(f"expected alerts: {len(harness.expected_alerts(state))} per target "
          f"({sum(1 for e in harness.expected_alerts(state) if e['kind'] == 'new')} new, "
          f"{sum(1 for e in harness.expected_alerts(state) if e['kind'] == 'updated')} updated) x {len(conf.targets)} targets")
    print(f"repeats: {rep['count']} ({', '.join(f'{t} {n}' for t, n in sorted(rep['per_target'].items())) or 'none'}), "
          f"all with the same idempotency key, from {rep['kills_with_repeat']} kills")
    print(f"lost: {len(lost)}")
    print(f"visible duplicates (same item revision under two keys): {len(visible)}")
    print(f"integrity: {final_integrity} at the end; {chaos.integrity_checks} checks after kills, "
          f"{len(chaos.integrity_problems)} failed")
    print(f"digests sent: {digests}")
    print(f"merged feed: {reader.reads} reads, {len(reader.versions)} versions, {reader.torn} torn; "
          f"at the end {'= the live items' if not output else f'{len(output)} differences from the live items'}")
    print(f"outbox at the end: {outbox}")
    print(f"chat_sink summary --check (same-key replays deduplicated): {'ok' if sink_ok else 'FAILED'}")

    problems = []
    problems += [f"lost: {x}" for x in lost]
    problems += [f"visible duplicate: {x}" for x in visible]
    problems += [f"repeat: {x}" for x in rep["problems"]]
    problems += [f"integrity: {x}" for x in chaos.integrity_problems]
    if final_integrity != "ok":
        problems.append(f"integrity: final integrity_check {final_integrity!r}")
    problems += [f"merged feed: {x}" for x in reader.problems]
    problems += [f"merged feed at the end: {m}" for m in output]
    if reader.reads == 0:
        problems.append("merged feed: never read (was it ever written?)")
    if outbox.get("pending") or outbox.get("dead"):
        problems.append(f"outbox: {outbox.get('pending', 0)} pending and {outbox.get('dead', 0)} dead rows left")
    problems += [f"sink: {m}" for m in rejected]
    if not sink_ok:
        problems.append("sink: chat_sink.py summary --check failed:\n" + sink_text)
    problems += [f"settle: {x}" for x in chaos.settle_problems]
    never = [p for p in CRASH_POINTS if not chaos.kills.get(f"crash:{p}")]
    if never:
        problems.append(f"crash points: never reached in the wired daemon: {', '.join(never)}")
    if crash_logged != crash_kills:
        problems.append(f"crash points: {crash_kills} processes died at an armed crash point, {crash_logged} said so")
    if problems:
        print(f"\nchaos: FAILED ({len(problems)} problems)")
        for p in problems[:60]:
            print("  " + p)
        return False
    print("\nchaos: ok")
    return True


if __name__ == "__main__":
    sys.exit(main())
