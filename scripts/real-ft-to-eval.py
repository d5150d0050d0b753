#!/usr/bin/env python3
"""Converts real France Travail "offres/v2" search responses into the deduplication evaluation's
JSONL rows (the schema read by tests/dedup_eval.rs), as a labelled set of distinct jobs.

What
    Every offer is its own job (job = the France Travail id): the set holds no duplicate, so
    every pair the deduplicator merges is a false merge, and precision on it measures how often
    real, distinct offers (many of one agency, one employer, one town, one trade) are merged.
    Two outputs can be written from the same offers:
      OUT          every row on one feed (--feed, default "france-travail"), as one API
                   response is: distinct offers published together by one board;
      --xfeed-out  the offers dealt round-robin over K feeds ("ft-a", "ft-b", "ft-c" for the
                   default K=3), so that distinct offers meet across feeds, where a
                   deduplicator is meant to merge.
    Row fields: posting = "<feed>-<id>", feed, job = id, kind = "original", class = "real-ft",
    reference = id, link = origineOffre.urlOrigine (else
    https://candidat.francetravail.fr/offres/recherche/detail/<id>), title = intitule,
    employer = entreprise.nom (or null), location = lieuTravail.libelle, contract =
    typeContratLibelle (else typeContrat), description = description, published =
    dateCreation in UTC as YYYY-MM-DDTHH:MM:SSZ.

How
    python3 scripts/real-ft-to-eval.py RESPONSE.json [MORE.json ...] -o /tmp/real-ft-1.jsonl \\
        --xfeed-out /tmp/real-ft-1-xfeed.jsonl [--xfeeds 3] [--shift-newest-to 2026-11-30]
    DEDUP_EVAL_FILE=/tmp/real-ft-1-xfeed.jsonl cargo test --release --test dedup_eval -- --nocapture
    (a set given by DEDUP_EVAL_FILE may be of any size; with no true pair, recall is 1 and
    precision is 1 only when nothing is merged).

    An input may be a search response ({"resultats": [...]}), a list of offers, one offer, or a
    JavaScript/TypeScript module holding such a literal ("export const X = [ { id: ... } ]",
    unquoted keys, trailing commas, comments), which is how several public repositories keep
    their samples. Offers seen twice (same id) are kept once. --shift-newest-to moves every
    date by one offset so that the newest lands on that day (relative gaps kept), for a store
    whose clock or retention would treat years-old offers otherwise.

Why
    The synthetic sets were written by us and tuned on; real offers are not. Third-party text
    must never be committed: write the outputs outside the repository (/tmp). Standard library
    only (Python 3.11).
"""
import argparse
import datetime as dt
import json
import re
import sys

FT_DETAIL = "https://candidat.francetravail.fr/offres/recherche/detail/{}"
IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def js_to_json(text):
    """Turns a JavaScript object/array literal (possibly inside a module) into JSON text:
    quotes bare keys, drops comments and trailing commas, keeps strings as they are."""
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError("no object or array literal")
    out, i, n = [], start, len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c in "\"'`":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    nxt = text[j + 1]
                    if nxt == "'" and c != "'":
                        buf.append("'")
                    elif nxt == "'":
                        buf.append("'")
                    elif nxt == "\n":
                        pass
                    else:
                        buf.append("\\" + nxt)
                    j += 2
                    continue
                if text[j] == '"':
                    buf.append('\\"')
                elif text[j] == "\n":
                    buf.append("\\n")
                else:
                    buf.append(text[j])
                j += 1
            out.append('"' + "".join(buf) + '"')
            i = j + 1
            continue
        if text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
            continue
        if text.startswith("/*", i):
            i = text.find("*/", i) + 2 if text.find("*/", i) >= 0 else n
            continue
        m = IDENT.match(text, i)
        if m:
            word = m.group(0)
            k = i + len(word)
            while k < n and text[k] in " \t\r\n":
                k += 1
            if k < n and text[k] == ":":
                out.append(json.dumps(word))
            elif word in ("True", "False", "None"):
                out.append({"True": "true", "False": "false", "None": "null"}[word])
            else:
                out.append(word)
            i += len(word)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            # drop a trailing comma before the closing bracket
            k = len(out) - 1
            while k >= 0 and out[k].strip() == "":
                k -= 1
            if k >= 0 and out[k].rstrip().endswith(","):
                out[k] = out[k].rstrip()[:-1]
            depth -= 1
            out.append(c)
            i += 1
            if depth == 0:
                break
            continue
        out.append(c)
        i += 1
    return "".join(out)


def load_offers(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = json.loads(js_to_json(text))
    if isinstance(data, dict) and "resultats" in data:
        data = data["resultats"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{path}: no offers")
    return [o for o in data if isinstance(o, dict) and o.get("id")]


def utc(stamp):
    s = stamp.strip().replace("Z", "+00:00")
    s = re.sub(r"\.\d+(?=[+-]\d\d:\d\d$|$)", "", s)
    d = dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return d.astimezone(dt.timezone.utc)


def row(offer, feed, shift):
    oid = str(offer["id"])
    origin = offer.get("origineOffre") or {}
    ent = offer.get("entreprise") or {}
    lieu = offer.get("lieuTravail") or {}
    published = utc(offer["dateCreation"]) + shift
    return {
        "posting": f"{feed}-{oid}",
        "feed": feed,
        "job": oid,
        "kind": "original",
        "class": "real-ft",
        "reference": oid,
        "link": origin.get("urlOrigine") or FT_DETAIL.format(oid),
        "title": offer.get("intitule") or "",
        "employer": ent.get("nom") or None,
        "location": lieu.get("libelle") or None,
        "contract": offer.get("typeContratLibelle") or offer.get("typeContrat") or None,
        "description": offer.get("description") or "",
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write(rows, path):
    rows = sorted(rows, key=lambda r: (r["published"], r["posting"]))
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="search responses (JSON) or JS/TS modules holding them")
    ap.add_argument("-o", "--out", required=True, help="rows on one feed")
    ap.add_argument("--feed", default="france-travail")
    ap.add_argument("--xfeed-out", help="the same offers dealt round-robin over --xfeeds feeds")
    ap.add_argument("--xfeeds", type=int, default=3)
    ap.add_argument("--shift-newest-to", help="YYYY-MM-DD: move all dates so the newest falls on that day")
    args = ap.parse_args()

    offers, seen = [], set()
    for path in args.inputs:
        got = load_offers(path)
        kept = 0
        for o in got:
            if str(o["id"]) in seen:
                continue
            if not o.get("dateCreation"):
                print(f"{path}: offer {o['id']} has no dateCreation, skipped", file=sys.stderr)
                continue
            seen.add(str(o["id"]))
            offers.append(o)
            kept += 1
        print(f"{path}: {len(got)} offers, {kept} kept")
    if not offers:
        sys.exit("no offers")
    shift = dt.timedelta(0)
    if args.shift_newest_to:
        newest = max(utc(o["dateCreation"]) for o in offers)
        target = dt.datetime.fromisoformat(args.shift_newest_to).replace(tzinfo=dt.timezone.utc)
        shift = dt.timedelta(days=(target.date() - newest.date()).days)
    offers.sort(key=lambda o: (utc(o["dateCreation"]), str(o["id"])))
    write([row(o, args.feed, shift) for o in offers], args.out)
    print(f"{len(offers)} postings on 1 feed -> {args.out}")
    if args.xfeed_out:
        names = [f"ft-{chr(ord('a') + k)}" for k in range(args.xfeeds)]
        write([row(o, names[k % len(names)], shift) for k, o in enumerate(offers)], args.xfeed_out)
        print(f"{len(offers)} postings on {len(names)} feeds -> {args.xfeed_out}")


if __name__ == "__main__":
    main()
