#!/usr/bin/env python3
"""End-to-end harness for Feedwire against ../shared/tools (stdlib only).

Shared by the acceptance run (acceptance.py) and the crash/chaos run: it
starts the two test servers, writes a feeds.conf for them, runs the built
binary, reads the newsroom's ground truth and the chat sink's log, and
compares them. Every comparison returns a list of `Mismatch` values (empty =
all good) instead of raising, so a caller decides what is fatal and can
print every problem at once.

Stable API (keep it small; callers `git merge acceptance` to reuse it).
Servers and the daemon write `<name>.pid` files in the work directory
while running, for a shell trap (scripts/checks/acceptance.sh):

    exit_on_sigterm()                                       # SIGTERM → SystemExit, so cleanup runs
    with Servers(tmp, hang_seconds=3) as servers:          # newsroom + chat_sink on port 0
        conf = write_config(tmp, servers)                   # -> Config; targets: default_targets()
        # write_config(tmp, servers, targets=all_targets(servers.sink.port))   # all nine services
        fw = Feedwire(conf)                                 # FEEDWIRE_BIN or .build/debug/feedwire
        fw.once()                                           # CompletedProcess (check rc yourself)
        servers.newsroom.tick()                             # advance one step
        fw.start_run(); ...; rc = fw.stop_run()             # SIGTERM, exit code; fw.kill() for cleanup
        fw.status()                                         # `feedwire status --json` rows
        state = servers.newsroom.state()                    # /_control/state (dict)
        records = servers.sink.records()                    # the sink's log, one dict per request
        dels = deliveries(records, conf.targets)            # -> [Delivery] (digests expanded)
        matches, problems = match_alerts(state, dels, conf.targets)   # Match.latency, Match.folded
        problems += rejected(records, conf.targets)         # refused / invalid requests
        target_for(rec, conf.targets); idempotency_key(rec) # per sink record
        problems += compare_output(conf.outputs[0], state)  # merged feed vs live items
        rc, text = servers.sink.summary_check()             # `chat_sink.py summary --check`

Matching rules (tools/README.md, "Ground truth"): a notification is tied
to a newsroom *story* by canonical link (utm_* stripped; a drifted item is
known by every entry of `links`), falling back to the whitespace-normalised
title. Each `expected.new` entry with `alert: true` and not `initial` needs
exactly one "new" per target and story; each `expected.updated` entry with
`alert: true` one "updated" message per target, or is covered by a later
message for the story (Feedwire folds pending updates: `Match.folded`);
anything else delivered is `duplicated` or `unexpected`.

Environment: FEEDWIRE_BIN (binary), FEEDWIRE_TOOLS (default ../shared/tools).
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any, Dict, Iterable, List, Optional, Tuple

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.environ.get("FEEDWIRE_TOOLS") or os.path.abspath(os.path.join(ROOT, "..", "shared", "tools"))

#: The seven newsroom feeds: (name, path on the newsroom).
NEWSROOM_FEEDS: List[Tuple[str, str]] = [
    ("wire", "/feeds/wire.rss"),
    ("europe", "/feeds/europe.atom"),
    ("kyiv", "/feeds/kyiv.rss"),
    ("council", "/feeds/council.rdf"),
    ("tracker", "/feeds/tracker.rss"),
    ("odd", "/feeds/odd.rss"),
    ("digest", "/feeds/digest.json"),
]

#: Standard Webhooks secret the sink verifies (`chat_sink.py --secret`).
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


# --------------------------------------------------------------------------
# Servers


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def exit_on_sigterm() -> None:
    """Turns SIGTERM into SystemExit, so `with Servers(...)` and `finally`
    blocks stop the servers and the daemon when a CI runner cancels us."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class Tool:
    """One ../shared/tools server on 127.0.0.1, port 0; stopped with SIGTERM."""

    def __init__(self, script: str, args: List[str], stderr_path: str):
        self.script = script
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(TOOLS, script), "--port", "0"] + args,
            stdout=subprocess.PIPE, stderr=self._stderr, start_new_session=True)
        # A pid file beside the logs lets a shell trap stop a server whose Python parent was killed.
        self.pid_path = os.path.splitext(stderr_path)[0] + ".pid"
        with open(self.pid_path, "w") as f:
            f.write(f"{self.proc.pid}\n")
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"{script} did not print a port (stderr in {stderr_path})")
        self.port = int(line)
        self.base = f"http://127.0.0.1:{self.port}"

    def get_json(self, path: str, timeout: float = 30) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=timeout) as r:
            return json.loads(r.read())

    def post_json(self, path: str, body: Any = None, timeout: float = 30) -> Any:
        data = json.dumps(body if body is not None else {}).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()
        _unlink(self.pid_path)


class Newsroom(Tool):
    """newsroom.py on the live clock (no --epoch) with the built-in scenario."""

    def __init__(self, tmp: str, hang_seconds: float = 3, seed: int = 1, extra: Optional[List[str]] = None):
        super().__init__("newsroom.py", ["--hang-seconds", str(hang_seconds), "--seed", str(seed)] + (extra or []),
                         os.path.join(tmp, "newsroom.stderr"))

    def feed_url(self, path: str) -> str:
        return self.base + path

    def tick(self, n: int = 1) -> Dict[str, Any]:
        """Advances n steps; returns {"step", "time", "events"}."""
        return self.post_json(f"/_control/tick?n={n}")

    def state(self, **params: Any) -> Dict[str, Any]:
        """Ground truth (`GET /_control/state`); params become the query (feed may be a list)."""
        q = urllib.parse.urlencode(params, doseq=True)
        return self.get_json("/_control/state" + ("?" + q if q else ""))

    def step(self) -> int:
        return int(self.get_json("/_control/health")["step"])


class ChatSink(Tool):
    """chat_sink.py with a JSON Lines log and a Standard Webhooks secret."""

    def __init__(self, tmp: str, secret: str = WEBHOOK_SECRET, extra: Optional[List[str]] = None):
        self.log_path = os.path.join(tmp, "sink.jsonl")
        super().__init__("chat_sink.py", ["--log", self.log_path, "--secret", secret, "--matrix-token", MATRIX_TOKEN] + (extra or []),
                         os.path.join(tmp, "sink.stderr"))

    def records(self) -> List[Dict[str, Any]]:
        """Every request the sink recorded so far (from the log file, in order)."""
        out = []
        try:
            with open(self.log_path, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line:
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def summary_check(self) -> Tuple[int, str]:
        """`chat_sink.py summary LOG --check`: (exit code, printed text)."""
        p = subprocess.run([sys.executable, os.path.join(TOOLS, "chat_sink.py"), "summary", self.log_path, "--check"],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr


class Servers:
    """Both servers as a context manager; stops them on exit (also on errors)."""

    def __init__(self, tmp: str, hang_seconds: float = 3, seed: int = 1,
                 newsroom_args: Optional[List[str]] = None, sink_args: Optional[List[str]] = None):
        self.tmp = tmp
        self.newsroom = Newsroom(tmp, hang_seconds, seed, newsroom_args)
        try:
            self.sink = ChatSink(tmp, extra=sink_args)
        except BaseException:
            self.newsroom.stop()
            raise

    def __enter__(self) -> "Servers":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        self.sink.stop()
        self.newsroom.stop()


# --------------------------------------------------------------------------
# Configuration


@dataclasses.dataclass
class Target:
    """One [[notify]] target and the sink path prefix its requests arrive on."""
    name: str
    type: str            # webhook | discord | slack | ...
    url: str
    path_prefix: str     # e.g. /generic/acc
    extra: Dict[str, Any] = dataclasses.field(default_factory=dict)   # more TOML keys (secret, events, ...)


@dataclasses.dataclass
class Output:
    name: str
    path: str
    format: str          # rss | atom | json


@dataclasses.dataclass
class Config:
    path: str            # feeds.conf
    state: str           # state database
    out_dir: str
    targets: List[Target]
    outputs: List[Output]
    feeds: List[Tuple[str, str]]   # (name, url)


def default_targets(sink_port: int) -> List[Target]:
    """A signed generic webhook, a Discord target and a Slack target (new + updated)."""
    base = f"http://127.0.0.1:{sink_port}"
    return [
        Target("hook", "webhook", base + "/generic/acc", "/generic/acc", {"secret": WEBHOOK_SECRET}),
        Target("discord", "discord", base + "/discord/1234567/acc-token", "/discord/1234567/acc-token"),
        Target("slack", "slack", base + "/slack/T000/B000/acc", "/slack/T000/B000/acc"),
    ]


#: The Matrix access token the sink requires (`chat_sink.py --matrix-token`, set by ChatSink).
MATRIX_TOKEN = "acc-matrix-token"


def all_targets(sink_port: int) -> List[Target]:
    """`default_targets` plus Matrix, Telegram, ntfy, Google Chat, Teams and
    Mattermost: every service Feedwire supports. ntfy's documented 12/min
    is raised (`rate`) so a test burst does not wait a minute."""
    base = f"http://127.0.0.1:{sink_port}"
    return default_targets(sink_port) + [
        Target("matrix", "matrix", base + "/matrix", "/matrix/", {"token": MATRIX_TOKEN, "room": "!acc:example.org"}),
        Target("telegram", "telegram", base + "/telegram", "/telegram/", {"token": "123456:acc", "chat_id": "424242"}),
        Target("ntfy", "ntfy", base + "/ntfy/acc-topic", "/ntfy/", {"rate": "5/1s"}),
        Target("gchat", "gchat", base + "/gchat/ACCSPACE?key=acc-key&token=acc-token", "/gchat/", {}),
        Target("teams", "teams", base + "/teams/acc", "/teams/", {}),
        Target("mattermost", "mattermost", base + "/mattermost/acc", "/mattermost/", {}),
    ]


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return json.dumps(str(v))   # a JSON string is a valid TOML basic string


def write_config(tmp: str, servers: Servers, targets: Optional[List[Target]] = None,
                 formats: Iterable[str] = ("rss", "atom", "json"), interval: str = "1s",
                 daemon: Optional[Dict[str, Any]] = None) -> Config:
    """Writes tmp/feeds.conf: the seven newsroom feeds, one merged output per
    format (`merged-rss` → out/merged.rss …) and the targets; returns a Config."""
    targets = targets if targets is not None else default_targets(servers.sink.port)
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir, exist_ok=True)
    state = os.path.join(tmp, "state.db")
    d = {"state": state, "allow_networks": ["127.0.0.0/8"], "min_interval": "1s", "interval": interval,
         "timeout": "5s", "connect_timeout": "2s", "jitter": 0, "shutdown_grace": "5s", "log_level": "info"}
    d.update(daemon or {})
    lines = ["[daemon]"] + [f"{k} = {_toml(v)}" for k, v in d.items()]
    feeds = [(name, servers.newsroom.feed_url(path)) for name, path in NEWSROOM_FEEDS]
    for name, url in feeds:
        lines += ["", "[[feed]]", f"name = {_toml(name)}", f"url = {_toml(url)}", f"interval = {_toml(interval)}"]
    outputs = []
    for fmt in formats:
        o = Output(f"merged-{fmt}", os.path.join(out_dir, f"merged.{fmt}"), fmt)
        outputs.append(o)
        lines += ["", "[[output]]", f"name = {_toml(o.name)}", f"path = {_toml(o.path)}", f"format = {_toml(fmt)}",
                  'title = "Merged"', "max_items = 500"]
    for t in targets:
        lines += ["", "[[notify]]", f"name = {_toml(t.name)}", f"type = {_toml(t.type)}", f"url = {_toml(t.url)}"]
        lines += [f"{k} = {_toml(v)}" for k, v in t.extra.items()]
    path = os.path.join(tmp, "feeds.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return Config(path, state, out_dir, targets, outputs, feeds)


# --------------------------------------------------------------------------
# The binary


def feedwire_bin() -> str:
    return os.environ.get("FEEDWIRE_BIN") or os.path.join(ROOT, ".build", "debug", "feedwire")


class Feedwire:
    """Runs the built binary on one Config; stdout/stderr of every run are
    appended to tmp/feedwire.log (read it with `log()`)."""

    def __init__(self, conf: Config, binary: Optional[str] = None, env: Optional[Dict[str, str]] = None):
        self.conf = conf
        self.binary = binary or feedwire_bin()
        self.env = dict(os.environ, **(env or {}))
        self.log_path = os.path.join(os.path.dirname(conf.path), "feedwire.log")
        self.pid_path = os.path.join(os.path.dirname(conf.path), "feedwire.pid")
        self.proc: Optional[subprocess.Popen] = None
        self._log = None

    def _cmd(self, *args: str) -> List[str]:
        return [self.binary, *args, "--config", self.conf.path]

    def once(self, timeout: float = 60) -> subprocess.CompletedProcess:
        """`feedwire once`; output also goes to the log. Exit code 1 = some feed failed (expected at error steps)."""
        p = subprocess.run(self._cmd("once"), capture_output=True, text=True, timeout=timeout, env=self.env)
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(f"--- once rc={p.returncode}\n{p.stdout}{p.stderr}")
        return p

    def start_run(self, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        """Starts `feedwire run` in the background (its output goes to the log)."""
        self._log = open(self.log_path, "a", encoding="utf-8")
        self._log.write("--- run\n")
        self._log.flush()
        self.proc = subprocess.Popen(self._cmd("run"), stdout=self._log, stderr=subprocess.STDOUT,
                                     env=dict(self.env, **(env or {})), start_new_session=True)
        with open(self.pid_path, "w") as f:
            f.write(f"{self.proc.pid}\n")
        return self.proc

    def stop_run(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Signals the daemon and waits; returns its exit code (-9 if it had to be killed)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                rc = -9
                self._close()
                return rc
        rc = self.proc.returncode
        self._close()
        return rc

    def _close(self) -> None:
        _unlink(self.pid_path)
        if self._log:
            self._log.write(f"--- run exited rc={self.proc.returncode if self.proc else None}\n")
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL the daemon if running (cleanup; never raises)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._close()

    def status(self) -> List[Dict[str, Any]]:
        """`feedwire status --json`: one dict per feed."""
        p = subprocess.run(self._cmd("status", "--json"), capture_output=True, text=True, timeout=30, env=self.env)
        if p.returncode != 0:
            raise RuntimeError(f"feedwire status failed ({p.returncode}): {p.stderr}")
        return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

    def log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def db(self) -> sqlite3.Connection:
        """Read-only connection to the state database."""
        return sqlite3.connect(f"file:{self.conf.state}?mode=ro", uri=True, timeout=10)


# --------------------------------------------------------------------------
# Deliveries


@dataclasses.dataclass
class Delivery:
    """One story notification as the sink received it (a digest gives one per line)."""
    target: str
    kind: str            # new | updated | health | other
    link: Optional[str]  # canonical (utm_* stripped)
    title: Optional[str]
    key: Optional[str]   # idempotency key (webhook-id, Idempotency-Key, txnId …)
    time: float          # sink receive time, unix seconds
    seq: int
    status: int
    digest: bool = False
    raw_type: str = ""


def canonical_link(url: Optional[str]) -> Optional[str]:
    """Drops utm_* parameters and a fragment; normalises scheme/host case."""
    if not url:
        return None
    url = url.strip().replace("%28", "(").replace("%29", ")")
    p = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(p.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    return urllib.parse.urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path or "/", urllib.parse.urlencode(q), ""))


def norm_title(t: Optional[str]) -> str:
    if not t:
        return ""
    t = html.unescape(t)
    t = re.sub("[\u200b-\u200f\u2060\ufeff\u00ad]", "", t)   # joiners a formatter adds to defuse markup
    t = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|~>])", r"\1", t)   # markdown escapes
    return " ".join(t.split()).strip().lower()


def parse_time(s: str) -> float:
    """ISO 8601 UTC with milliseconds (`2025-11-25T12:00:03.412Z`) → unix seconds."""
    from datetime import datetime, timezone
    s = s.strip().replace("Z", "+00:00")
    return datetime.fromisoformat(s).astimezone(timezone.utc).timestamp()


_MD_LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\(<?(https?://[^)\s>]+)>?\)")
_SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")


def _target_for(rec: Dict[str, Any], targets: List[Target]) -> Optional[Target]:
    path = rec.get("path", "")
    for t in targets:
        if path.startswith(t.path_prefix):
            return t
    return None


def _key(rec: Dict[str, Any]) -> Optional[str]:
    h = {k.lower(): v for k, v in (rec.get("headers") or {}).items()}
    return (h.get("webhook-id") or h.get("idempotency-key") or rec.get("webhook_id") or rec.get("txn_id")
            or rec.get("idem_key"))


def _webhook(rec, t, body, base) -> List[Delivery]:
    kinds = {"item.created": "new", "item.updated": "updated"}
    typ = body.get("type", "")
    if typ == "digest":
        out = []
        for ev in (body.get("data") or {}).get("events") or []:
            item = ((ev.get("data") or {}).get("item")) or {}
            out.append(Delivery(**base, kind=kinds.get(ev.get("type"), "health" if str(ev.get("type", "")).startswith("feed.") else "other"),
                                link=canonical_link(item.get("link")), title=item.get("title"), digest=True, raw_type=ev.get("type", "")))
        return out
    item = ((body.get("data") or {}).get("item")) or {}
    kind = kinds.get(typ, "health" if typ.startswith("feed.") else "other")
    return [Delivery(**base, kind=kind, link=canonical_link(item.get("link")), title=item.get("title"), raw_type=typ)]


def _discord(rec, t, body, base) -> List[Delivery]:
    method = rec.get("method", "POST")
    embeds = body.get("embeds") or []
    content = body.get("content") or ""
    if content.startswith("📰") or (embeds and "title" not in embeds[0] and "description" in embeds[0]):
        # digest: "• [Updated: title](link) — source" lines in content and embed descriptions
        out = []
        text = content + "\n" + "\n".join(e.get("description", "") for e in embeds)
        for line in text.splitlines():
            m = _MD_LINK.search(line)
            if not line.startswith("•") or not m:
                if line.startswith("•"):
                    out.append(Delivery(**base, kind="health", link=None, title=line, digest=True, raw_type="digest"))
                continue
            label = m.group(1)
            kind = "updated" if label.startswith("Updated: ") else "new"
            out.append(Delivery(**base, kind=kind, link=canonical_link(m.group(2)), title=label.removeprefix("Updated: "),
                                digest=True, raw_type="digest"))
        return out
    if not embeds:
        return [Delivery(**base, kind="health", link=None, title=content, raw_type="content")]
    e = embeds[0]
    title = e.get("title", "")
    updated = method == "PATCH" or title.startswith("Updated: ") or "**Updated**" in content
    return [Delivery(**base, kind="updated" if updated else "new", link=canonical_link(e.get("url")),
                     title=title.removeprefix("Updated: "), raw_type="edit" if method == "PATCH" else "post")]


def _slack(rec, t, body, base) -> List[Delivery]:
    """Slack (and Mattermost-style) bodies: `New: <url|title>` / `Updated: <url|title>` in
    `text`; a digest has a "📰 …" header and one `• <url|label>` line per story."""
    if "payload" in body and isinstance(body["payload"], str):
        body = json.loads(body["payload"])
    text = body.get("text") or ""
    blocks = body.get("blocks") or []
    header = next((b.get("text", {}).get("text", "") for b in blocks if b.get("type") == "header"), "")
    if header.startswith("📰"):
        out = []
        for b in blocks:
            for line in ((b.get("text") or {}).get("text") or "").splitlines():
                if not line.startswith("•"):
                    continue
                m = _SLACK_LINK.search(line)
                if not m:
                    out.append(Delivery(**base, kind="health", link=None, title=line, digest=True, raw_type="digest"))
                    continue
                label = html.unescape(m.group(2))
                kind = "updated" if label.startswith("Updated: ") else "new"
                out.append(Delivery(**base, kind=kind, link=canonical_link(html.unescape(m.group(1))),
                                    title=label.removeprefix("Updated: "), digest=True, raw_type="digest"))
        return out
    m = _SLACK_LINK.search(text)
    if not m:
        return [Delivery(**base, kind="health", link=None, title=text, raw_type="text")]
    kind = "updated" if text.startswith("Updated") else "new"
    return [Delivery(**base, kind=kind, link=canonical_link(html.unescape(m.group(1))), title=html.unescape(m.group(2)),
                     raw_type="text")]


_HTML_LINK = re.compile(r'<a href="([^"]+)">(.*?)</a>', re.S)


def _pairs(text: str) -> List[Tuple[str, str]]:
    """(label, url) of every markdown, HTML or Slack link in text, in order."""
    found = []
    for m in _MD_LINK.finditer(text):
        found.append((m.start(), m.group(1), m.group(2)))
    for m in _HTML_LINK.finditer(text):
        found.append((m.start(), html.unescape(re.sub(r"<[^>]+>", "", m.group(2))), html.unescape(m.group(1))))
    for m in _SLACK_LINK.finditer(text):
        found.append((m.start(), html.unescape(m.group(2)), html.unescape(m.group(1))))
    return [(label, url) for _, label, url in sorted(found)]


def _strings(v: Any) -> List[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        return [x for k in v for x in _strings(v[k])]
    if isinstance(v, list):
        return [x for i in v for x in _strings(i)]
    return []


def _story(base, label: str, url: Optional[str], updated: bool = False, **kw) -> Delivery:
    upd = updated or label.startswith("Updated: ")
    return Delivery(**base, kind="updated" if upd else "new", link=canonical_link(url), title=label.removeprefix("Updated: "), **kw)


def _other(rec, t, body, base) -> List[Delivery]:
    """Matrix, Telegram, ntfy, Google Chat, Teams, Mattermost: a digest ("📰 …")
    gives one delivery per linked line; a single message its title link.
    In-place edits (Matrix m.replace, Telegram editMessageText) are updates."""
    path = rec.get("path", "")
    edit = False
    if isinstance(body.get("m.new_content"), dict):
        body, edit = body["m.new_content"], True
    if path.split("?")[0].endswith("/editMessageText"):
        edit = True
    if t.type == "matrix":
        texts = [body.get("formatted_body") or ""]
    else:
        texts = _strings(body)
    blob = "\n".join(texts)
    if "📰" in blob:
        return [_story(base, label, url, digest=True, raw_type="digest") for label, url in _pairs(blob)]
    if t.type == "ntfy":
        title = body.get("title") or ""
        if not body.get("click"):
            return [Delivery(**base, kind="health", link=None, title=title, raw_type="ntfy")]
        return [_story(base, title, body.get("click"), edit)]
    if t.type == "gchat":
        card = ((body.get("cardsV2") or [{}])[0].get("card")) or {}
        header = card.get("header") or {}
        links = re.findall(r'"url":\s*"([^"]+)"', json.dumps(card))
        if not links:
            return [Delivery(**base, kind="health", link=None, title=header.get("title") or body.get("text"), raw_type="gchat")]
        return [_story(base, header.get("title") or "", links[-1], edit or (header.get("subtitle") or "").startswith("Updated"))]
    if t.type == "teams":
        blocks = (((body.get("attachments") or [{}])[0].get("content")) or {}).get("body") or []
        title = blocks[0].get("text", "") if blocks else ""
        links = [u for _, u in _pairs(blob)] + re.findall(r'"url":\s*"([^"]+)"', json.dumps(body))
        if not links:
            return [Delivery(**base, kind="health", link=None, title=title, raw_type="teams")]
        return [_story(base, title, links[0], edit)]
    pairs = _pairs(blob)
    if not pairs:
        return [Delivery(**base, kind="health", link=None, title=blob[:200], raw_type=t.type)]
    label, url = pairs[0]
    return [_story(base, label, url, edit)]


_PARSERS = {"webhook": _webhook, "discord": _discord, "slack": _slack}


def deliveries(records: List[Dict[str, Any]], targets: List[Target]) -> List[Delivery]:
    """Sink records → accepted story/health deliveries per target. Rejected
    requests (non-2xx) and server-side replays are left out (see `rejected`)."""
    out: List[Delivery] = []
    for rec in records:
        t = _target_for(rec, targets)
        status = int(rec.get("status", 0))
        if t is None or not (200 <= status < 300) or rec.get("replay"):
            continue
        if rec.get("method") in ("GET", "DELETE"):
            continue
        try:
            body = json.loads(rec.get("body") or "{}")
        except ValueError:
            body = {}
        base = dict(target=t.name, key=_key(rec), time=parse_time(rec["time"]), seq=int(rec.get("seq", 0)), status=status)
        out.extend(_PARSERS.get(t.type, _other)(rec, t, body, base))
    return out


# Public names for the record helpers (the underscored ones stay for existing callers).
def target_for(rec: Dict[str, Any], targets: List[Target]) -> Optional[Target]:
    """The target a sink record was sent to (by path prefix), or None."""
    return _target_for(rec, targets)


def idempotency_key(rec: Dict[str, Any]) -> Optional[str]:
    """A sink record's idempotency key: webhook-id, Idempotency-Key, Matrix txnId or Google Chat requestId."""
    return _key(rec)


def rejected(records: List[Dict[str, Any]], targets: List[Target],
             allow: Tuple[str, ...] = ("rate_limited", "fault")) -> List["Mismatch"]:
    """Requests to a target that the sink refused or judged invalid. Answers
    the sink injected (verdicts in `allow`: 429s of `--rate-limit`, faults of
    `--fail-rate`/`--down-first`) are the service's doing, not Feedwire's."""
    out = []
    for rec in records:
        t = _target_for(rec, targets)
        if t is None or rec.get("verdict") in allow:
            continue
        status = int(rec.get("status", 0))
        if not (200 <= status < 300) or rec.get("verdict") not in (None, "ok"):
            out.append(Mismatch("rejected", t.name, f"sink request {rec.get('seq')} {rec.get('method')} {rec.get('path')}: "
                                f"status {status}, verdict {rec.get('verdict')}, problems {rec.get('problems')}"))
    return out


# --------------------------------------------------------------------------
# Comparison


@dataclasses.dataclass
class Mismatch:
    kind: str            # missing | duplicated | unexpected | rejected | feed-missing | feed-extra | feed-invalid | ...
    target: str          # notifier or output name ("" when global)
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:<12} {self.target:<10} {self.detail}"


class StoryIndex:
    """Maps canonical links and titles to newsroom story ids, from every item
    the ground truth knows (expected entries and live items, with previous links)."""

    def __init__(self, state: Dict[str, Any]):
        self.by_link: Dict[str, str] = {}
        self.by_title: Dict[str, str] = {}
        exp = state.get("expected") or {}
        entries = list(exp.get("new") or []) + list(exp.get("updated") or []) + list(exp.get("never_seen") or [])
        for feed in (state.get("feeds") or {}).values():
            entries += feed.get("items") or []
        for e in entries:
            story = e.get("story") or e.get("item") or e.get("id")
            links = list(e.get("links") or []) + [e.get("link"), e.get("served_link")] + list(e.get("previous_links") or [])
            for l in links:
                c = canonical_link(l)
                if c:
                    self.by_link.setdefault(c, story)
            if e.get("title"):
                self.by_title.setdefault(norm_title(e["title"]), story)

    def story(self, d: Delivery) -> Optional[str]:
        if d.link and d.link in self.by_link:
            return self.by_link[d.link]
        return self.by_title.get(norm_title(d.title))


def expected_alerts(state: Dict[str, Any], since_step: int = 0) -> List[Dict[str, Any]]:
    """Expected alerts as dicts with `kind` (new|updated) added, in seen order.
    `since_step`: only entries first seen at or after that step."""
    exp = state.get("expected") or {}
    out = []
    for e in exp.get("new") or []:
        if e.get("alert", True) and not e.get("initial") and e.get("seen_step", 0) >= since_step:
            out.append(dict(e, kind="new"))
    for e in exp.get("updated") or []:
        if e.get("alert", True) and e.get("seen_step", 0) >= since_step:
            out.append(dict(e, kind="updated"))
    out.sort(key=lambda e: (e.get("seen_at") or "", e["kind"]))
    return out


@dataclasses.dataclass
class Match:
    """An expected alert and the delivery that answered it (per target).
    `folded`: an update with no message of its own, covered by a later
    message for the same story (DeliveryPlanner folds a pending update into
    the pending "new", and several pending updates into one)."""
    target: str
    expected: Dict[str, Any]
    delivery: Delivery
    folded: bool = False

    @property
    def latency(self) -> Optional[float]:
        """Seconds from the newsroom's `seen_at` (the fetch that first showed it) to the sink's receipt."""
        s = self.expected.get("seen_at")
        return self.delivery.time - parse_time(s) if s else None


def _same_title(a: Optional[str], b: Optional[str]) -> bool:
    x, y = norm_title(a).rstrip("…").strip(), norm_title(b).rstrip("…").strip()
    return bool(x) and bool(y) and (x == y or x.startswith(y) or y.startswith(x))


def match_alerts(state: Dict[str, Any], dels: List[Delivery], targets: List[Target],
                 kinds: Tuple[str, ...] = ("new", "updated")) -> Tuple[List[Match], List[Mismatch]]:
    """Pairs expected alerts with deliveries per target and story. Returns
    the matches and every mismatch:
    - `missing`: an expected "new" not delivered, or an expected update with
      no message for its story received after the edit was seen;
    - `duplicated`: more "new" (or "updated") messages for a story than expected;
    - `unexpected`: delivered for no expected alert, or tied to no newsroom item;
    - `stale`: an update folded into a message that does not carry its title.
    An update is `folded` (a Match, not a mismatch) when a later message for
    the story (its "new" or another update) covers it."""
    index = StoryIndex(state)
    expected = expected_alerts(state)
    matches: List[Match] = []
    problems: List[Mismatch] = []
    for t in targets:
        got: Dict[str, Dict[str, List[Delivery]]] = {}
        for d in sorted((d for d in dels if d.target == t.name and d.kind in kinds), key=lambda d: (d.time, d.seq)):
            story = index.story(d)
            if story is None:
                problems.append(Mismatch("unexpected", t.name, f"{d.kind} '{d.title}' <{d.link}> matches no newsroom item (sink seq {d.seq})"))
                continue
            got.setdefault(story, {}).setdefault(d.kind, []).append(d)
        want: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
        for e in expected:
            if e["kind"] in kinds:
                want.setdefault(e.get("story") or e["item"], {}).setdefault(e["kind"], []).append(e)
        for story in sorted(set(got) | set(want)):
            g, w = got.get(story, {}), want.get(story, {})
            # "new": exactly one per story.
            gn, wn = g.get("new", []), w.get("new", [])
            for e, d in zip(wn, gn):
                matches.append(Match(t.name, e, d))
            for e in wn[len(gn):]:
                problems.append(Mismatch("missing", t.name, f"new {e['feed']}/{e['item']} (rev {e.get('revision')}) seen at step "
                                         f"{e.get('seen_step')}: '{e.get('title')}' <{e.get('link')}>"))
            for d in gn[len(wn):]:
                problems.append(Mismatch("duplicated" if wn else "unexpected", t.name,
                                         f"new story {story} '{d.title}' <{d.link}> sink seq {d.seq} key {d.key}; expected {len(wn)}, got {len(gn)}"))
            # "updated": each expected update takes the first unused update message after it was seen,
            # else it is folded into any later message of the story.
            gu, wu = list(g.get("updated", [])), w.get("updated", [])
            every = sorted(gn + gu, key=lambda d: (d.time, d.seq))
            for i, e in enumerate(wu):
                seen = parse_time(e["seen_at"]) if e.get("seen_at") else 0.0
                d = next((x for x in gu if x.time >= seen - 0.5), None)
                if d is not None:
                    gu.remove(d)
                    matches.append(Match(t.name, e, d))
                    continue
                cover = next((x for x in every if x.time >= seen - 0.5), None)
                if cover is None:
                    problems.append(Mismatch("missing", t.name, f"updated {e['feed']}/{e['item']} ({e['from_revision']}→{e['to_revision']}) "
                                             f"seen at step {e.get('seen_step')}: '{e.get('title')}' <{e.get('link')}>"))
                    continue
                later = [x.get("title") for x in wu[i:]]
                if not any(_same_title(cover.title, tt) for tt in later):
                    problems.append(Mismatch("stale", t.name, f"updated {e['feed']}/{e['item']} folded into sink seq {cover.seq} "
                                             f"'{cover.title}', which lacks its title '{e.get('title')}'"))
                matches.append(Match(t.name, e, cover, folded=True))
            for d in gu:
                problems.append(Mismatch("duplicated" if wu else "unexpected", t.name,
                                         f"updated story {story} '{d.title}' <{d.link}> sink seq {d.seq} key {d.key}; "
                                         f"expected {len(wu)}, got {len(g.get('updated', []))}"))
    return matches, problems


def compare_alerts(state: Dict[str, Any], dels: List[Delivery], targets: List[Target]) -> List[Mismatch]:
    """`match_alerts` without the matches."""
    return match_alerts(state, dels, targets)[1]


def live_stories(state: Dict[str, Any], include_gone: bool = True) -> Dict[str, Dict[str, Any]]:
    """Story id → one live item (the first seen), over every feed's current
    items. A gone (410) feed keeps its last items in the ground truth, and
    Feedwire keeps them in outputs (stories do not vanish with their feed's
    URL; they age out by max_age): include_gone=False leaves them out."""
    out: Dict[str, Dict[str, Any]] = {}
    for name, feed in (state.get("feeds") or {}).items():
        if feed.get("status") == "gone" and not include_gone:
            continue
        for it in feed.get("items") or []:
            out.setdefault(it.get("story") or it["id"], dict(it, feed=name))
    return out


_ATOM = "{http://www.w3.org/2005/Atom}"


def read_output(out: Output) -> Tuple[Optional[List[Dict[str, str]]], Optional[str]]:
    """Parses a merged feed file → ([{"link", "title"}], None) or (None, error)."""
    try:
        with open(out.path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, f"cannot read {out.path}: {e}"
    try:
        if out.format == "json":
            doc = json.loads(data)
            return [{"link": i.get("url") or i.get("external_url") or "", "title": i.get("title") or ""}
                    for i in doc.get("items") or []], None
        root = ET.fromstring(data)
        if out.format == "atom":
            items = []
            for e in root.findall(f"{_ATOM}entry"):
                link = ""
                for l in e.findall(f"{_ATOM}link"):
                    if l.get("rel", "alternate") == "alternate":
                        link = l.get("href", "")
                        break
                items.append({"link": link, "title": "".join(e.find(f"{_ATOM}title").itertext()) if e.find(f"{_ATOM}title") is not None else ""})
            return items, None
        return [{"link": i.findtext("link") or "", "title": i.findtext("title") or ""}
                for i in root.iter("item")], None
    except (ValueError, ET.ParseError) as e:
        return None, f"{out.path} is not valid {out.format}: {e}"


def compare_output(out: Output, state: Dict[str, Any], include_gone: bool = True) -> List[Mismatch]:
    """The merged feed must hold exactly one entry per live story, with the
    live canonical link (utm_* stripped) and title."""
    items, err = read_output(out)
    if err:
        return [Mismatch("feed-invalid", out.name, err)]
    index = StoryIndex(state)
    live = live_stories(state, include_gone)
    problems = []
    seen: Dict[str, int] = {}
    for it in items:
        c = canonical_link(it["link"])
        story = index.by_link.get(c) if c else None
        if story is None:
            story = index.by_title.get(norm_title(it["title"]))
        if story is None or story not in live:
            problems.append(Mismatch("feed-extra", out.name, f"'{it['title']}' <{it['link']}> is not a live item"))
            continue
        seen[story] = seen.get(story, 0) + 1
        want = live[story]
        if seen[story] == 1:
            if c != canonical_link(want.get("link")):
                problems.append(Mismatch("feed-link", out.name, f"{story}: link <{it['link']}>, live <{want.get('link')}>"))
            # While an item flaps the feed serves an older text; Feedwire keeps the newest (no flap-back).
            flapping = want.get("flapping") or want.get("shown_revision", want.get("revision")) != want.get("revision")
            if not flapping and norm_title(it["title"]) != norm_title(want.get("title")):
                problems.append(Mismatch("feed-title", out.name, f"{story}: title '{it['title']}', live '{want.get('title')}'"))
    for story, n in seen.items():
        if n > 1:
            problems.append(Mismatch("feed-dup", out.name, f"{story} appears {n} times"))
    for story, it in live.items():
        if story not in seen:
            problems.append(Mismatch("feed-missing", out.name, f"live {it['feed']}/{it['id']} '{it.get('title')}' <{it.get('link')}>"))
    return problems


def percentiles(values: List[float]) -> Optional[Tuple[float, float, float]]:
    """(min, median, max) or None."""
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    med = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    return v[0], med, v[-1]


def wait_until(pred, timeout: float, interval: float = 0.2) -> bool:
    """Polls pred() until true or timeout; returns the last result."""
    end = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)


if __name__ == "__main__":
    # Smoke: servers up, config written, one `feedwire once`, one tick, once again, compare.
    import tempfile
    with tempfile.TemporaryDirectory() as tmp, Servers(tmp) as s:
        conf = write_config(tmp, s)
        fw = Feedwire(conf)
        for step in range(3):
            if step:
                s.newsroom.tick()
            p = fw.once()
            print(f"step {step}: once rc={p.returncode}")
        st = s.newsroom.state()
        dels = deliveries(s.sink.records(), conf.targets)
        probs = compare_alerts(st, dels, conf.targets) + rejected(s.sink.records(), conf.targets)
        for o in conf.outputs:
            probs += compare_output(o, st)
        print(f"{len(dels)} deliveries, {len(probs)} mismatches")
        for p in probs:
            print(" ", p)
        print(s.sink.summary_check())
        sys.exit(1 if probs else 0)
