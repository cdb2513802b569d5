#!/usr/bin/env python3
"""The newsroom acceptance run (issue 8, item 1).

Drives the built binary through newsroom.py's whole built-in scenario and
compares what reached chat_sink.py and the merged feeds with the newsroom's
ground truth:

  phase 1  steps 0..ONCE_STEPS, one `feedwire once` per step on one state DB;
  phase 2  `feedwire run` (every feed every 1 s) while the newsroom ticks every
           TICK_SECONDS for RUN_STEPS more steps (random activity), then SIGTERM.

Asserts: every expected new item and real edit alerted exactly once per
target and nothing else (noise steps included), no request rejected by the
sink, `chat_sink.py summary --check` clean, every merged feed valid and equal
to the live items, tracker's 301 stored and logged with advice, digest
disabled after its 410, odd recovered after its 500s, council after its
hangs, the daemon exits 0 on SIGTERM. Prints the detection latency of the
run phase. Exit 0 when everything holds, 1 otherwise (every failure listed).

Usage: scripts/e2e/acceptance.py [--tmp DIR] [--run-steps N] [--tick-seconds S] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ONCE_STEPS = 13          # steps 0..13 with `feedwire once`
HANG_SECONDS = 4         # council's hang (steps 7-8), well over the feed timeout below
FEED_TIMEOUT = "2s"


class Run:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def mismatches(self, what: str, problems: list) -> None:
        self.check(not problems, f"{what}: {len(problems)} mismatch(es)" if problems else what)
        for p in problems[:60]:
            print(f"          {p}")
            self.failures.append(f"{what}: {p}")
        if len(problems) > 60:
            print(f"          … and {len(problems) - 60} more")


def status_by_feed(fw: h.Feedwire) -> dict:
    return {s["feed"]: s for s in fw.status()}


def faulty_feeds(state: dict) -> set:
    """Feeds the newsroom currently answers with an error, a hang or 410."""
    out = set()
    for name, f in state["feeds"].items():
        if f.get("fault") or f.get("status") not in ("ok", "moved"):
            out.add(name)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tmp", help="work directory (default: a new one under $TMPDIR, removed unless --keep)")
    ap.add_argument("--run-steps", type=int, default=10, help="steps ticked while `feedwire run` polls (default 10)")
    ap.add_argument("--tick-seconds", type=float, default=3.0, help="seconds between ticks in the run phase (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--once-steps", type=int, default=ONCE_STEPS,
                    help=f"last step of phase 1 (default {ONCE_STEPS}); -1 runs the whole scenario under `feedwire run`")
    ap.add_argument("--settle-seconds", type=float, default=20,
                    help="after the last tick, wait up to this long for the expected alerts (Discord's 30/min can hold a burst for a minute)")
    ap.add_argument("--restarts", type=int, default=1,
                    help="graceful restarts (SIGTERM, start again) spread over the run phase (default 1)")
    ap.add_argument("--sink-args", default="", help="extra chat_sink.py flags, e.g. \"--rate-limit 5:2 --fail-rate 0.1\"")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    h.exit_on_sigterm()

    binary = h.feedwire_bin()
    if not os.access(binary, os.X_OK):
        print(f"acceptance: {binary} is not built; run `swift build` (or set FEEDWIRE_BIN)", file=sys.stderr)
        return 2
    tmp = args.tmp or tempfile.mkdtemp(prefix="feedwire-acceptance.")
    os.makedirs(tmp, exist_ok=True)
    run = Run()
    fw = None
    started = time.monotonic()
    try:
        with h.Servers(tmp, hang_seconds=HANG_SECONDS, seed=args.seed, sink_args=shlex.split(args.sink_args)) as servers:
            conf = h.write_config(tmp, servers, targets=h.all_targets(servers.sink.port),
                                  daemon={"timeout": FEED_TIMEOUT, "connect_timeout": "1s"})
            fw = h.Feedwire(conf)
            news = servers.newsroom
            print(f"acceptance: work dir {tmp}, newsroom :{news.port}, sink :{servers.sink.port}, binary {binary}")

            # ---- phase 1: one `feedwire once` per step -------------------------------
            once_steps = args.once_steps
            print(f"phase 1: steps 0..{once_steps}, `feedwire once` per step")
            seen_fail = {"odd": False, "council": False}
            for step in range(once_steps + 1):
                if step:
                    news.tick()
                before = news.state(events=0)
                disabled = {n for n, f in status_by_feed(fw).items() if f.get("disabled")} if step else set()
                t0 = time.monotonic()
                p = fw.once()
                faulty = faulty_feeds(before)
                # exit 1 exactly when a feed it polled failed (a disabled feed is not polled)
                want_rc = 1 if faulty - disabled else 0
                ok_rc = p.returncode == want_rc
                run.check(ok_rc, f"step {step:2}: once exit {p.returncode} (want {want_rc}) in {time.monotonic() - t0:.1f}s"
                          + (f" (failing upstream: {', '.join(sorted(faulty))})" if faulty else ""))
                if not ok_rc:
                    print("          " + (p.stdout + p.stderr).strip().replace("\n", "\n          ")[-2000:])
                st = status_by_feed(fw)
                for name in seen_fail:
                    if name in faulty and st.get(name, {}).get("consecutiveErrors", 0) > 0:
                        seen_fail[name] = True
                if step == 6 and st:
                    run.check(st["odd"]["consecutiveErrors"] > 0, f"odd failing during its 500s (status: {st['odd'].get('error')})")
                if step == 7 and st:
                    run.check(st["council"]["consecutiveErrors"] > 0, f"council failing while it hangs (status: {st['council'].get('error')})")
            state = news.state()
            dels = h.deliveries(servers.sink.records(), conf.targets)
            run.mismatches(f"phase 1 alerts (steps 0..{once_steps}) on {len(conf.targets)} targets",
                           h.compare_alerts(state, dels, conf.targets))
            for o in conf.outputs if once_steps >= 0 else []:
                run.mismatches(f"phase 1 {o.name} = live items", h.compare_output(o, state))
            phase1_step = state["step"]

            # ---- phase 2: `feedwire run` -------------------------------------------------
            print(f"phase 2: `feedwire run` (1 s intervals), {args.run_steps} ticks every {args.tick_seconds:g}s")
            fw.start_run()
            lagging = []
            last_fault = -10
            time.sleep(2)
            restart_at = {args.run_steps * (i + 1) // (args.restarts + 1) for i in range(args.restarts)}
            for i in range(args.run_steps):
                if fw.proc.poll() is not None:
                    break
                if i in restart_at:
                    rc = fw.stop_run(signal.SIGTERM, timeout=20)
                    run.check(rc == 0, f"restart: `feedwire run` exits 0 on SIGTERM (exit {rc}), started again")
                    fw.start_run()
                r = news.tick()
                kinds = {}
                for e in r["events"]:
                    k = e["type"] if e["type"] != "noise" else "noise/" + e.get("kind", "?")
                    kinds[k] = kinds.get(k, 0) + 1
                print(f"  step {r['step']}: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())), flush=True)
                deadline = time.monotonic() + args.tick_seconds
                while time.monotonic() < deadline:
                    time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
                    st = status_by_feed(fw)
                    for name in seen_fail:
                        if st.get(name, {}).get("consecutiveErrors", 0) > 0:
                            seen_fail[name] = True
                # Just before the next tick (≥ 2 poll intervals later) the merged feeds show this step.
                # Not while a feed fails or just after (its items wait for the fault and the backoff to end).
                now_state = news.state(events=0)
                if faulty_feeds(now_state) - {"digest"}:
                    last_fault = r["step"]
                if args.tick_seconds >= 2.5 and r["step"] - last_fault > 2:
                    for o in conf.outputs:
                        lag = h.compare_output(o, now_state)
                        if lag:
                            lagging.append((r["step"], o.name, lag))
            run.check(fw.proc.poll() is None, "daemon still running after the run phase")
            if args.tick_seconds >= 2.5:
                run.mismatches(f"merged feeds show each step {args.tick_seconds:g}s after it (1 s polls)",
                               [h.Mismatch(p.kind, p.target, f"step {s}: {p.detail}") for s, _, ps in lagging for p in ps])

            # Let the last fetches' notifications arrive (bounded), then stop.
            def settled() -> bool:
                s = news.state(events=0)
                d = h.deliveries(servers.sink.records(), conf.targets)
                return not h.compare_alerts(s, d, conf.targets)
            h.wait_until(settled, timeout=args.settle_seconds, interval=0.5)
            time.sleep(1.5)   # anything late (a duplicate) would show now
            rc = fw.stop_run(signal.SIGTERM, timeout=20)
            run.check(rc == 0, f"`feedwire run` exits 0 on SIGTERM (exit {rc})")

            # ---- final checks ----------------------------------------------------------
            print("final checks")
            state = news.state()
            records = servers.sink.records()
            dels = h.deliveries(records, conf.targets)
            matches, problems = h.match_alerts(state, dels, conf.targets)
            n_exp = len(h.expected_alerts(state))
            folded = sum(1 for m in matches if m.folded)
            run.mismatches(f"alerts: {n_exp} expected (new + updated) × {len(conf.targets)} targets, "
                           f"{len(matches) - folded} delivered as expected + {folded} updates folded into a later message, "
                           f"steps 0..{state['step']}", problems)
            run.mismatches("no request refused or judged invalid by the sink", h.rejected(records, conf.targets))
            # The targets subscribe to new and updated only: any other message is a stray.
            run.mismatches("no message other than new/updated stories", [
                h.Mismatch("unexpected", d.target, f"{d.kind} message (sink seq {d.seq}): {str(d.title)[:160]}")
                for d in dels if d.kind not in ("new", "updated")])
            injected = [r for r in records if r.get("verdict") in ("rate_limited", "fault")]
            if injected:
                print(f"  info  {len(injected)} answers injected by the sink (429 / faults), retried by Feedwire")
            src, text = servers.sink.summary_check()
            run.check(src == 0, "chat_sink.py summary --check")
            if src:
                print("          " + text.strip().replace("\n", "\n          "))
            for o in conf.outputs:
                run.mismatches(f"{o.name} = live items (valid {o.format})", h.compare_output(o, state))

            st = status_by_feed(fw)
            tracker = st.get("tracker", {})
            run.check(tracker.get("url", "").endswith("/feeds/tracker-v2.rss") and tracker.get("configuredUrl", "").endswith("/feeds/tracker.rss"),
                      f"tracker's 301 stored (url {tracker.get('url')})")
            log = fw.log()
            moved = [l for l in log.splitlines() if "tracker" in l and re.search(r"moved|301|redirect", l, re.I)]
            advice = [l for l in moved if re.search(r"feeds\.conf|update|url\s*=", l, re.I)]
            run.check(bool(advice), "tracker's 301 logged with advice" + (f": {advice[0].strip()[:200]}" if advice else
                                                                          f" (log lines: {moved[:3]})"))
            digest = st.get("digest", {})
            run.check(bool(digest.get("disabled")), f"digest disabled after 410 ({digest.get('disabledReason')})")
            for name in ("odd", "council"):
                f = st.get(name, {})
                run.check(seen_fail[name] and f.get("consecutiveErrors") == 0 and f.get("outcome") not in (None, "error", "failed"),
                          f"{name} failed during its faults and recovered (outcome {f.get('outcome')}, errors {f.get('consecutiveErrors')})")
            gone = (state["feeds"]["digest"].get("requests") or {}).get("410", 0)
            run.check(gone == 1, f"digest not polled after its 410 ({gone} request(s) answered 410)")
            failing = {n: f.get("error") for n, f in st.items() if n != "digest" and f.get("consecutiveErrors")}
            run.check(not failing, "no feed failing at the end" + (f": {failing}" if failing else ""))

            # ---- latency of the run phase -------------------------------------------
            with open(os.path.join(tmp, "state.json"), "w", encoding="utf-8") as f:
                json.dump(state, f)
            stepped = state["clock"].get("stepped_at") or []
            lat = {}   # target -> (fetch→sink, step→sink)
            worst = []
            for m in matches:
                if m.expected.get("seen_step", 0) <= phase1_step or m.latency is None:
                    continue
                s = m.expected.get("seen_step")
                step_l = m.delivery.time - h.parse_time(stepped[s]) if s is not None and s < len(stepped) else None
                a, b = lat.setdefault(m.target, ([], []))
                a.append(m.latency)
                if step_l is not None:
                    b.append(step_l)
                worst.append((m.latency, m.target, m.expected["kind"], f"{m.expected['feed']}/{m.expected['item']}", s))
            seen_lat = [x for a, _ in lat.values() for x in a]
            step_lat = [x for _, b in lat.values() for x in b]
            print("detection latency, run phase (newsroom event → chat_sink receipt):")
            for target in [t.name for t in conf.targets] + ["all"]:
                a, b = (seen_lat, step_lat) if target == "all" else lat.get(target, ([], []))
                pa, pb = h.percentiles(a), h.percentiles(b)
                if pa and pb:
                    print(f"  {target:<8} fetch (seen_at) → sink: min {pa[0]:.3f}s median {pa[1]:.3f}s max {pa[2]:.3f}s | "
                          f"step (stepped_at) → sink: min {pb[0]:.3f}s median {pb[1]:.3f}s max {pb[2]:.3f}s  (n={len(a)})")
            for l, target, kind, item, s in sorted(worst, reverse=True)[:3]:
                print(f"  slowest: {l:.3f}s {target} {kind} {item} (step {s})")
            run.check(bool(seen_lat), "the run phase delivered alerts (latency measured)")
    except Exception as e:  # noqa: BLE001 — report, then fail
        import traceback
        traceback.print_exc()
        run.failures.append(f"harness error: {e}")
    finally:
        if fw:
            fw.kill()
    print(f"acceptance: {time.monotonic() - started:.0f}s")
    if run.failures:
        print(f"acceptance: FAILED ({len(run.failures)} failure(s)); work dir {tmp}; daemon log {os.path.join(tmp, 'feedwire.log')}")
        return 1
    print("acceptance: passed")
    if not args.keep and not args.tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
