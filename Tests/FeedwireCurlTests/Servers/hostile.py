#!/usr/bin/env python3
"""A deliberately hostile HTTP server for FeedwireCurl's tests (127.0.0.1 only).

    hostile.py --port 0 [--bombs] [--bomb-mib 1024]

Prints the chosen port as the first stdout line, then serves until SIGTERM
(or until its parent process goes away, so a crashed test run leaves no
server behind). Standard library only, except the br and zstd bombs, which
are made with the `brotli` and `zstd` command-line tools (scripts/setup.sh
installs them).

Endpoints:
  /ok                      200 "hello\\n" with ETag and Last-Modified; 304 on a match
  /fast?delay=S            200 after S seconds; counts concurrent requests
  /stats, /stats/reset     {"max_concurrent", "requests", "proxied", "max_connections"}
  /drip                    200, Content-Length 100000, then 10 bytes per second
  /stall-headers           reads the request, then says nothing for 60 s
  /endless                 200 without a length, 64 KiB chunks without end
  /large?bytes=N           N bytes with a Content-Length
  /bomb/{gzip,deflate,br,zstd}   --bomb-mib MiB of zeros, compressed (needs --bombs)
  /enc/{identity,gzip,deflate,br,zstd}   the same 200 KB text in each encoding
  /redirect?to=URL&status=N      N (default 302) to URL
  /chain/301,308           a 301 to /chain/308, then a 308 to /chain/, then 200 "end of chain"
  /loop                    302 to itself, forever
  /status/N[?retry_after=V]      status N, with Retry-After: V when given
  /echo                    any method: JSON of method, path, headers and base64 body
  /headers                 200 with repeated and cache headers
  absolute-form request    (a proxy's request) 200 "proxied <url>"
"""
import argparse
import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATS = {"active": 0, "max_concurrent": 0, "requests": 0, "proxied": 0, "connections": 0, "max_connections": 0}
BOMBS = {}
TEXT = "".join(f"line {i}: the quick brown fox jumps over the lazy dog; ünïcödé ✓\n" for i in range(3000)).encode()
ENCODED = {}


def make_encodings():
    ENCODED["identity"] = TEXT
    ENCODED["gzip"] = gzip.compress(TEXT)
    ENCODED["deflate"] = zlib.compress(TEXT)  # RFC 9110 "deflate" = zlib format
    for name, cmd in (("br", ["brotli", "-c"]), ("zstd", ["zstd", "-q", "-c"])):
        if shutil.which(cmd[0]):
            ENCODED[name] = subprocess.run(cmd, input=TEXT, stdout=subprocess.PIPE, check=True).stdout


def make_bombs(mib):
    """Compression bombs of `mib` MiB of zeros, built without compressing
    that much: a deflate segment for 1 MiB of zeros, ended by a full flush,
    does not depend on what came before, so it can be repeated."""
    zero = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    raw = segment * mib + tail
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zero, crc)
    size = (mib << 20) & 0xFFFFFFFF
    BOMBS["gzip"] = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw
                     + crc.to_bytes(4, "little") + size.to_bytes(4, "little"))
    # zlib container: adler32 of n zeros is (n mod 65521) << 16 | 1
    adler = (((mib << 20) % 65521) << 16) | 1
    BOMBS["deflate"] = b"\x78\xda" + raw + adler.to_bytes(4, "big")
    for name, cmd in (("br", ["brotli", "-c", "-q", "5"]), ("zstd", ["zstd", "-q", "-c", "-3"])):
        if not shutil.which(cmd[0]):
            continue
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        out = []
        reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
        reader.start()
        for _ in range(mib):
            p.stdin.write(zero)
        p.stdin.close()
        reader.join()
        p.wait()
        BOMBS[name] = out[0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        with LOCK:
            STATS["connections"] += 1
            STATS["max_connections"] = max(STATS["max_connections"], STATS["connections"])

    def finish(self):
        with LOCK:
            STATS["connections"] -= 1
        try:
            super().finish()
        except OSError:
            pass

    def send_body(self, status, body, ctype="text/plain; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.dispatch()

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def dispatch(self):
        with LOCK:
            STATS["requests"] += 1
            STATS["active"] += 1
            STATS["max_concurrent"] = max(STATS["max_concurrent"], STATS["active"])
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with LOCK:
                STATS["active"] -= 1

    def route(self):
        if self.path.startswith("http://") or self.path.startswith("https://"):
            with LOCK:
                STATS["proxied"] += 1
            return self.send_body(200, f"proxied {self.path}".encode())
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/ok":
            etag, lm = '"ok-1"', "Tue, 25 Nov 2025 10:00:00 GMT"
            if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == lm:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", lm)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.send_body(200, b"hello\n", headers=[("ETag", etag), ("Last-Modified", lm)])
        if path == "/fast":
            time.sleep(float(q.get("delay", "0")))
            return self.send_body(200, b"fast\n")
        if path == "/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            return self.send_body(200, body, "application/json")
        if path == "/stats/reset":
            with LOCK:
                for k in ("max_concurrent", "requests", "proxied"):
                    STATS[k] = 0
                STATS["max_connections"] = STATS["connections"]
            return self.send_body(200, b"{}", "application/json")
        if path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(600):
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                time.sleep(1)
            return
        if path == "/stall-headers":
            time.sleep(60)
            self.close_connection = True
            return
        if path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"A" * 65536
            for _ in range(32768):  # at most 2 GiB
                self.wfile.write(chunk)
            self.close_connection = True
            return
        if path == "/large":
            n = int(q.get("bytes", "0"))
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"B" * 65536
            while n > 0:
                self.wfile.write(chunk[:min(n, len(chunk))])
                n -= len(chunk)
            return
        if path.startswith("/bomb/"):
            kind = path[len("/bomb/"):]
            if kind not in BOMBS:
                return self.send_body(501, f"no {kind} bomb (start with --bombs; br/zstd need the CLI tools)".encode())
            return self.send_body(200, BOMBS[kind], "application/xml", headers=[("Content-Encoding", kind)])
        if path.startswith("/enc/"):
            kind = path[len("/enc/"):]
            if kind not in ENCODED:
                return self.send_body(501, f"no {kind} encoder".encode())
            headers = [] if kind == "identity" else [("Content-Encoding", kind)]
            return self.send_body(200, ENCODED[kind], headers=headers)
        if path == "/redirect":
            status = int(q.get("status", "302"))
            return self.send_body(status, b"moved\n", headers=[("Location", q.get("to", "/ok"))])
        if path.startswith("/chain/"):
            codes = [c for c in path[len("/chain/"):].split(",") if c]
            if not codes:
                return self.send_body(200, b"end of chain\n", headers=[("ETag", '"chain"')])
            rest = ",".join(codes[1:])
            return self.send_body(int(codes[0]), b"", headers=[("Location", f"/chain/{rest}")])
        if path == "/loop":
            return self.send_body(302, b"", headers=[("Location", "/loop")])
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            headers = [("Retry-After", q["retry_after"])] if "retry_after" in q else []
            return self.send_body(code, f"status {code}\n".encode(), headers=headers)
        if path == "/echo":
            body = self.read_body()
            doc = {"method": self.command, "path": self.path,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body": base64.b64encode(body).decode()}
            return self.send_body(200, json.dumps(doc).encode(), "application/json")
        if path == "/headers":
            return self.send_body(200, b"headers\n", headers=[
                ("X-Multi", "one"), ("X-Multi", "two"), ("Cache-Control", "max-age=600"),
                ("Expires", "Tue, 25 Nov 2025 13:00:00 GMT"), ("Retry-After", "30")])
        return self.send_body(404, b"not found\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def watch_parent(parent):
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bombs", action="store_true", help="build the compression bombs at startup")
    ap.add_argument("--bomb-mib", type=int, default=1024, help="decoded size of each bomb in MiB")
    args = ap.parse_args()
    make_encodings()
    if args.bombs:
        make_bombs(args.bomb_mib)
    server = Server(("127.0.0.1", args.port), Handler)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    print(server.server_address[1], flush=True)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
