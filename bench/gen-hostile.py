#!/usr/bin/env python3
"""Generates the partner bodies of the memory benchmark of issue 17 (hostile-memory.sh).

    bench/gen-hostile.py OUT_DIR [--seed 17]

Writes into OUT_DIR:
- big-1.xml ... big-8.xml: RSS 2.0 feeds of realistic offers (gen-offers.py's items, WP Job
  Manager elements, HTML descriptions), each just under 16 MiB, the default body cap;
- many.xml: one RSS feed of 100,000 short offers (about 27 MB: the benchmark raises the cap);
- long-description.xml: one feed whose single offer has a 15 MiB description of paragraphs.

Deterministic for a given seed; standard library only. Prints one JSON line: file -> bytes.
"""

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CAP = 16 * 1024 * 1024


def gen_offers():
    spec = importlib.util.spec_from_file_location("gen_offers", os.path.join(HERE, "gen-offers.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:job_listing="https://wpjobmanager.com">\n<channel>\n'
    "<title>Emplois – {name}</title>\n<link>https://{name}.example.org/</link>\n"
    "<description>Offres d'emploi de l'économie sociale et solidaire</description>\n"
)
TAIL = "</channel>\n</rss>\n"


def write(path, parts):
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        for p in parts:
            out.write(p)
    os.replace(path + ".tmp", path)
    return os.path.getsize(path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=17)
    a = p.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    go = gen_offers()
    r = random.Random(a.seed)
    now = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
    sizes = {}
    for f in range(1, 9):
        name = f"big-{f}"
        parts = [HEAD.format(name=name)]
        size = len(parts[0].encode()) + len(TAIL)
        n = 0
        while True:
            text, _ = go.item(r, 20 + f, n, now)
            b = len(text.encode())
            if size + b > CAP - 4096:
                break
            parts.append(text)
            size += b
            n += 1
        parts.append(TAIL)
        sizes[name + ".xml"] = write(os.path.join(a.out_dir, name + ".xml"), parts)
    parts = [HEAD.format(name="many")]
    for n in range(100_000):
        title, sector, contracts = r.choice(go.JOBS)
        commune, dep, cp = r.choice(go.PLACES)
        parts.append(
            f"<item><title>{title} (H/F)</title>"
            f"<link>https://many.example.org/o/{n}</link><guid>many-{n}</guid>"
            f"<description>Lieu : {commune} ({dep}) – Contrat : {r.choice(contracts)}</description>"
            "</item>\n"
        )
    parts.append(TAIL)
    sizes["many.xml"] = write(os.path.join(a.out_dir, "many.xml"), parts)
    para = (
        "<p>L'association accompagne les familles du quartier dans leurs démarches, "
        "anime des ateliers et coordonne les bénévoles de l'épicerie solidaire. "
        "Vous travaillerez en lien avec les partenaires locaux.</p>\n"
    )
    desc = para * ((15 * 1024 * 1024) // len(para.encode()))
    parts = [
        HEAD.format(name="long"),
        "<item><title>Coordinateur de projet (H/F)</title>"
        "<link>https://long.example.org/o/1</link><guid>long-1</guid>"
        f"<description><![CDATA[{desc}]]></description></item>\n",
        TAIL,
    ]
    sizes["long-description.xml"] = write(os.path.join(a.out_dir, "long-description.xml"), parts)
    print(json.dumps(sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
