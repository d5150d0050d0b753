#!/usr/bin/env python3
"""Runs gofeed's own parser test cases through essaim and compares the entries.

gofeed (https://github.com/mmcdole/gofeed) is a liberal Go feed parser whose test data holds,
for each case, an input feed and the JSON gofeed reads from it. This script reads those files
from the installed Debian package (nothing is copied into essaim's repository):

    apt-get install -y golang-github-mmcdole-gofeed-dev
    cargo build --release
    python3 scripts/gofeed-conformance.py [--essaim target/release/essaim] [--verbose]

For every case it runs `essaim parse FILE` (a hidden developer command printing the parser's raw
items as JSON) and, entry by entry, compares the fields essaim reads with gofeed's:

- title;
- link: the entry's alternate link (RSS `link`, Atom `link rel="alternate"` or without rel);
- id: RSS `guid`, Atom `id`, JSON Feed `id`;
- date: the published date (`pubDate`, Atom `published`/`issued`) and the updated date (Atom
  `updated`/`modified`), as instants;
- content: Atom `content` (else `summary`), RSS `content:encoded` (else `description`), JSON
  Feed `content_html` (else `content_text`).

Only the fields gofeed's expected JSON states are checked (a stated link without href counts:
essaim must give no link then). Text is compared with runs of white space collapsed; a link
with an empty path equals the same link with "/" (http://example.org is http://example.org/). A case
"loses the feed" when gofeed reads entries and essaim reads none (or fails). Exit status 1 when
fewer than 95% of checks agree or any case loses the feed.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

PACKAGE = "golang-github-mmcdole-gofeed-dev"
TARGET = 0.95


def testdata_dir():
    env = os.environ.get("GOFEED_TESTDATA")
    if env:
        return env
    try:
        out = subprocess.run(
            ["dpkg", "-L", PACKAGE], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        sys.exit(f"{PACKAGE} is not installed: apt-get install -y {PACKAGE}")
    for line in out.splitlines():
        if line.endswith("/testdata"):
            return line
    sys.exit(f"{PACKAGE}: no testdata directory in the package")


def cases(root):
    """(family, input file, expected JSON file) of every case."""
    out = []
    for family in ("parser/atom", "parser/rss", "translator/atom", "translator/rss"):
        for xml in sorted(glob.glob(os.path.join(root, family, "*.xml"))):
            expected = xml[: -len(".xml")] + ".json"
            if os.path.exists(expected):
                out.append((family, xml, expected))
    for family in ("parser/json", "translator/json"):
        for exp in sorted(glob.glob(os.path.join(root, family, "*_expected.json"))):
            src = exp[: -len("_expected.json")] + ".json"
            if os.path.exists(src):
                out.append((family, src, exp))
    return out


def ws(s):
    if s is None:
        return None
    s = re.sub(r"\s+", " ", str(s)).strip()
    return s or None


def url(s):
    """A URL with an empty path written with its "/" (the same URL)."""
    s = ws(s)
    if s and re.fullmatch(r"[a-z]+://[^/?#]+", s):
        return s + "/"
    return s


def instant(s):
    if not s:
        return None
    try:
        t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return s
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).replace(microsecond=0)


def expected_fields(family, entry):
    """The checks gofeed's expected entry states: {name: expected value}."""
    f = {}
    if "title" in entry:
        f["title"] = ws(entry["title"])
    if family == "parser/atom":
        if "links" in entry:
            alt = [
                l for l in entry["links"] if l.get("rel", "alternate") == "alternate"
            ]
            f["link"] = ws(alt[0].get("href")) if alt else None
        if "id" in entry:
            f["id"] = ws(entry["id"])
        if "content" in entry:
            f["content"] = ws(entry["content"].get("value")) or ws(entry.get("summary"))
        elif "summary" in entry:
            f["content"] = ws(entry["summary"])
    elif family == "parser/rss":
        if "link" in entry:
            f["link"] = ws(entry["link"])
        if "guid" in entry:
            f["id"] = ws(entry["guid"].get("value"))
        if "content" in entry:
            f["content"] = ws(entry["content"].get("value"))
        elif "description" in entry:
            f["content"] = ws(entry["description"])
    elif family == "parser/json":
        for k, name in (("url", "link"), ("id", "id")):
            if k in entry:
                f[name] = ws(entry[k])
        if "content_html" in entry or "content_text" in entry:
            f["content"] = ws(entry.get("content_html")) or ws(entry.get("content_text"))
    else:  # translator: gofeed's universal item
        if "link" in entry:
            f["link"] = ws(entry["link"])
        if "guid" in entry:
            f["id"] = ws(entry["guid"])
        if "content" in entry:
            f["content"] = ws(entry["content"])
        elif "description" in entry:
            f["content"] = ws(entry["description"])
    for k in ("publishedParsed", "pubDateParsed", "date_published"):
        if k in entry:
            f["published"] = instant(entry[k])
    for k in ("updatedParsed", "date_modified"):
        if k in entry:
            f["updated"] = instant(entry[k])
    return f


def ours(item, name):
    if name == "title":
        return ws(item.get("title"))
    if name == "link":
        return url(item.get("link"))
    if name == "id":
        return ws(item.get("reference"))
    if name == "content":
        return ws(item.get("description"))
    if name in ("published", "updated"):
        return instant(item.get(name))
    raise KeyError(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--essaim", default="target/release/essaim")
    ap.add_argument("--verbose", action="store_true", help="print every disagreement")
    args = ap.parse_args()
    root = testdata_dir()
    checks = agree = 0
    lost = []
    failures = []
    per_field = {}
    fallback = 0
    all_cases = cases(root)
    with_entries = 0
    entries_expected = entries_read = 0
    for family, src, exp in all_cases:
        expected = json.load(open(exp, encoding="utf-8"))
        entries = expected.get("entries") or expected.get("items") or []
        run = subprocess.run(
            [args.essaim, "--config", "/nonexistent", "parse", src],
            capture_output=True,
            text=True,
        )
        items = []
        if run.returncode == 0:
            parsed = json.loads(run.stdout)
            items = parsed["items"]
            if any("lenient reader" in w for w in parsed["warnings"]):
                fallback += 1
        name = os.path.relpath(src, root)
        entries_expected += len(entries)
        entries_read += min(len(items), len(entries))
        if entries:
            with_entries += 1
            if not items:
                lost.append((name, run.stderr.strip()))
        for i, entry in enumerate(entries):
            item = items[i] if i < len(items) else {}
            for field, want in expected_fields(family, entry).items():
                got = ours(item, field)
                checks += 1
                ok = (url(want) if field == "link" else want) == got
                agree += ok
                pf = per_field.setdefault(field, [0, 0])
                pf[0] += ok
                pf[1] += 1
                if not ok:
                    failures.append((name, i + 1, field, want, got))
    if args.verbose:
        for name, i, field, want, got in failures:
            print(f"DIFF {name} entry {i} {field}: gofeed {want!r}, essaim {got!r}")
        for name, err in lost:
            print(f"LOST {name}: {err}")
    share = agree / checks if checks else 0.0
    print(
        f"{len(all_cases)} cases ({with_entries} with entries, {fallback} read by the lenient "
        f"reader): {agree}/{checks} entry checks agree ({share:.1%}); "
        f"{len(lost)} cases lose the whole feed; {entries_read}/{entries_expected} entries read"
    )
    for field, (ok, n) in sorted(per_field.items()):
        print(f"  {field}: {ok}/{n}")
    return 0 if share >= TARGET and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
