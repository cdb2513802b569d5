#!/usr/bin/env python3
"""Publishes one new story in each of the given generated feeds (bench-load).

  bench-load-mutate.py DIR CYCLE FILE...   (FILE names inside DIR)

gen_corpus.py writes RSS 2.0 and Atom 1.0 feeds; this inserts one new item
(RSS <item>) or entry (Atom <entry>) at the top, with a link and guid unique
to (CYCLE, FILE), then replaces the file atomically (temp file + rename, as a
CMS would), so nginx serves a new ETag and Last-Modified. For each file it
prints one line "LINK<TAB>UNIX_TIME" (the time the new file was in place), so
the benchmark can match the notification at the chat sink and measure the
end-to-end latency.
"""
import datetime as dt
import email.utils
import os
import sys
import time


def rss_item(link, now):
    return ("<item>\n<title>Load cycle story %s</title>\n<link>%s</link>\n"
            "<guid isPermaLink=\"true\">%s</guid>\n<pubDate>%s</pubDate>\n"
            "<description>&lt;p&gt;A story published by the load benchmark.&lt;/p&gt;</description>\n</item>\n"
            % (link.rsplit("/", 1)[-1], link, link, email.utils.formatdate(now, usegmt=True)))


def atom_entry(link, now):
    stamp = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ("<entry>\n<title type=\"text\">Load cycle story %s</title>\n"
            "<link rel=\"alternate\" type=\"text/html\" href=\"%s\"/>\n<id>%s</id>\n"
            "<published>%s</published>\n<updated>%s</updated>\n"
            "<summary type=\"html\">&lt;p&gt;A story published by the load benchmark.&lt;/p&gt;</summary>\n</entry>\n"
            % (link.rsplit("/", 1)[-1], link, link, stamp, stamp))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    folder, cycle, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = []
    for name in names:
        path = os.path.join(folder, name)
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
        link = "https://load.example.org/c%s/%s" % (cycle, name.rsplit(".", 1)[0])
        now = time.time()
        if "<feed" in text[:400]:
            at, item = text.find("<entry>"), atom_entry(link, now)
            if at < 0:
                at = text.rfind("</feed>")
        else:
            at, item = text.find("<item>"), rss_item(link, now)
            if at < 0:
                at = text.rfind("</channel>")
        if at < 0:
            sys.exit("bench-load-mutate: %s is neither RSS nor Atom" % path)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text[:at] + item + text[at:])
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
        out.append("%s\t%.3f" % (link, time.time()))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
