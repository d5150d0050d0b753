#!/usr/bin/env python3
"""Generates the partner feeds of the ingest benchmark (bench/ingest.sh) and their feeds.toml.

    bench/gen-ingest.py OUT_DIR [--feeds 100] [--items 1000] [--seed 20] [--changed 0]
        [--port 8088] [--database PATH] [--first 0]

Writes OUT_DIR/www/feed-NNNNN.EXT, FEEDS feeds of ITEMS offers each, the feeds cycling through
every format essaim reads: RSS 2.0 (with WP Job Manager's job_listing:* elements), Atom 1.0,
JSON Feed 1.1, Indeed XML, JSON-LD (an array of schema.org JobPosting) and a home-made XML
read through a [feed.mapping]. One XML feed in five is written in ISO-8859-1 (characters
outside it as character references). 20% of each feed's offers are offers of another feed,
cross-posted with the rewording boards apply (scripts/gen-dedup-hard.py's synonyms, another
gender marker, the text sometimes cut). Offers are drawn from bench/gen-offers.py's French
vocabularies (imported, not copied). Writes OUT_DIR/feeds.toml pointing at
http://127.0.0.1:PORT/ (private addresses allowed, per-host limit raised: every feed is on
one host here).

--changed F rewrites a fraction F of all offers (new salary and an added sentence), in one
feed of ten, and leaves the other files untouched (same bytes and modification time, so that
nginx answers them 304). A file is only replaced when its bytes change.

--first N numbers the feeds from N (ids pNNNNN, their files, references and links): feeds
that are new to a database filled from feeds numbered from 0 (bench/ratio.sh).

Deterministic for a given seed. Prints one JSON line: feeds, items, files rewritten, RSS files.
Standard library only.
"""

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import sys
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


OFFERS = load("gen_offers", os.path.join(HERE, "gen-offers.py"))
HARD = load("gen_dedup_hard", os.path.join(HERE, "..", "scripts", "gen-dedup-hard.py"))

FORMATS = ["rss", "atom", "json-feed", "indeed", "json-ld", "xml"]
EXT = {"rss": "xml", "atom": "atom", "json-feed": "json", "indeed": "xml", "json-ld": "json", "xml": "xml"}
XML_FORMATS = {"rss", "atom", "indeed", "xml"}
CROSS_POSTED = 0.2
MARKERS = ["(H/F)", "H/F", "F/H", "(F/H)", ""]


def offer(r, feed_no, n, now):
    """One original offer, as fields."""
    title, sector, contracts = r.choice(OFFERS.JOBS)
    contract = r.choice(contracts)
    employer = f"{r.choice(OFFERS.EMPLOYER_KINDS)} {r.choice(OFFERS.EMPLOYER_NAMES)}"
    commune, dep, cp = r.choice(OFFERS.ARA) if r.random() < 0.15 else r.choice(OFFERS.PLACES)
    ref = f"o-{feed_no:05d}-{n:05d}"
    missions = r.sample(OFFERS.MISSIONS, r.randint(2, 4))
    text = (
        f"{employer} recrute un(e) {title.lower()} pour renforcer ses équipes à {commune}. "
        f"Offre n° {ref}. Missions : " + "; ".join(missions) + ". "
        f"Profil : {r.choice(OFFERS.PROFILES)} {r.choice(OFFERS.PROFILES)} "
        f"{r.choice(OFFERS.BENEFITS)}"
    )
    return {
        "ref": ref,
        "title": title,
        "marker": r.choice(MARKERS),
        "sector": sector,
        "contract": contract,
        "employer": employer,
        "commune": commune,
        "dep": dep,
        "cp": cp,
        "working_time": r.choice(OFFERS.WORKING_TIMES),
        "salary": r.choice(OFFERS.SALARIES)(r),
        "text": text,
        "published": now - dt.timedelta(minutes=r.randrange(0, 60 * 24 * 30)),
        "expires": (now + dt.timedelta(days=r.randrange(20, 120))).date(),
    }


def repost(r, o, feed_no, n):
    """Offer `o` cross-posted on feed `feed_no`: its own reference, reworded."""
    c = dict(o)
    c["ref"] = f"x-{feed_no:05d}-{n:05d}"
    c["marker"] = r.choice(MARKERS)
    c["text"] = HARD.reword(o["text"], r, [o["commune"]])
    if r.random() < 0.25:
        c["text"] = HARD.cut(c["text"], r.randrange(250, 400))
    c["published"] = o["published"] + dt.timedelta(days=r.randrange(0, 5))
    return c


def change(o):
    c = dict(o)
    c["salary"] = "selon profil, revu à la hausse"
    c["text"] = o["text"] + " Poste revalorisé : nouvelle grille au 1er janvier."
    return c


def place(o):
    return f"{o['commune']} ({o['dep']})"


def link(feed_no, o):
    return f"https://emplois.partenaire{feed_no:05d}.example.org/offre/{o['ref']}"


def full_title(o):
    return f"{o['title']} {o['marker']}".strip()


def html(o):
    return (
        f"<p>{escape(o['text'])}</p><p>Lieu : {escape(place(o))}<br/>Contrat : {escape(o['contract'])}"
        f"<br/>Temps de travail : {escape(o['working_time'])}<br/>Salaire : {escape(o['salary'])}</p>"
    )


def rfc822(t):
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def render(fmt, feed_no, offers, encoding):
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    if fmt == "rss":
        out = [head, '<rss version="2.0" xmlns:job_listing="https://wpjobmanager.com"><channel>\n',
               f"<title>Emplois – partenaire {feed_no}</title><link>https://emplois.partenaire{feed_no:05d}.example.org/</link>"
               "<description>Offres d'emploi de l'ESS</description>\n"]
        for o in offers:
            out.append(
                f"<item><title>{escape(full_title(o))}</title><link>{link(feed_no, o)}</link>"
                f'<guid isPermaLink="false">{o["ref"]}</guid><pubDate>{rfc822(o["published"])}</pubDate>'
                f"<description>{escape(html(o))}</description>"
                f"<job_listing:location>{escape(place(o))}</job_listing:location>"
                f"<job_listing:job_type>{escape(o['contract'])}</job_listing:job_type>"
                f"<job_listing:job_category>{escape(o['sector'])}</job_listing:job_category>"
                f"<job_listing:company>{escape(o['employer'])}</job_listing:company>"
                f"<job_listing:salary>{escape(o['salary'])}</job_listing:salary>"
                f"<job_listing:job_expires>{o['expires']}</job_listing:job_expires></item>\n"
            )
        out.append("</channel></rss>\n")
    elif fmt == "atom":
        out = [head, '<feed xmlns="http://www.w3.org/2005/Atom">',
               f"<title>Emplois – partenaire {feed_no}</title><id>urn:partenaire:{feed_no}</id>"
               "<updated>2026-12-01T00:00:00Z</updated>\n"]
        for o in offers:
            out.append(
                f"<entry><title>{escape(full_title(o))}</title><id>urn:offre:{o['ref']}</id>"
                f'<link href="{link(feed_no, o)}"/><updated>{iso(o["published"])}</updated>'
                f"<author><name>{escape(o['employer'])}</name></author>"
                f'<content type="html">{escape(html(o))}</content></entry>\n'
            )
        out.append("</feed>\n")
    elif fmt == "indeed":
        out = [head, f"<source><publisher>Partenaire {feed_no}</publisher>\n"]
        for o in offers:
            out.append(
                f"<job><title>{escape(full_title(o))}</title><date>{rfc822(o['published'])}</date>"
                f"<referencenumber>{o['ref']}</referencenumber><url>{link(feed_no, o)}</url>"
                f"<company>{escape(o['employer'])}</company><city>{escape(o['commune'])}</city>"
                f"<postalcode>{o['cp']}</postalcode><description>{escape(html(o))}</description>"
                f"<salary>{escape(o['salary'])}</salary><jobtype>{escape(o['contract'])}</jobtype>"
                f"<category>{escape(o['sector'])}</category><expire>{o['expires']}</expire></job>\n"
            )
        out.append("</source>\n")
    elif fmt == "xml":
        out = [head, "<offres>\n"]
        for o in offers:
            out.append(
                f'<offre ref="{o["ref"]}"><intitule>{escape(full_title(o))}</intitule>'
                f"<structure>{escape(o['employer'])}</structure>"
                f'<lieu cp="{o["cp"]}">{escape(o["commune"])}</lieu><contrat>{escape(o["contract"])}</contrat>'
                f"<remuneration>{escape(o['salary'])}</remuneration><datelimite>{o['expires']}</datelimite>"
                f"<texte>{escape(html(o))}</texte><lien>{link(feed_no, o)}</lien></offre>\n"
            )
        out.append("</offres>\n")
    elif fmt == "json-feed":
        return json.dumps({
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"Emplois – partenaire {feed_no}",
            "items": [{
                "id": o["ref"], "url": link(feed_no, o), "title": full_title(o),
                "content_html": html(o), "date_published": iso(o["published"]),
                "authors": [{"name": o["employer"]}], "tags": [o["sector"]],
            } for o in offers],
        }, ensure_ascii=False).encode("utf-8")
    else:  # json-ld
        return json.dumps([{
            "@context": "https://schema.org", "@type": "JobPosting",
            "identifier": o["ref"], "url": link(feed_no, o), "title": full_title(o),
            "description": html(o), "datePosted": iso(o["published"]),
            "validThrough": f"{o['expires']}", "employmentType": o["contract"],
            "hiringOrganization": {"@type": "Organization", "name": o["employer"]},
            "jobLocation": {"@type": "Place", "address": {
                "@type": "PostalAddress", "addressLocality": o["commune"],
                "postalCode": o["cp"], "addressCountry": "FR"}},
            "baseSalary": o["salary"],
        } for o in offers], ensure_ascii=False).encode("utf-8")
    text = "".join(out)
    if encoding == "ISO-8859-1":
        return text.encode("iso-8859-1", "xmlcharrefreplace")
    return text.encode("utf-8")


MAPPING = """[feed.mapping]
items = "offres/offre"
reference = "@ref"
title = "intitule"
employer = "structure"
city = "lieu"
postcode = "lieu/@cp"
contract = "contrat"
salary = "remuneration"
valid_through = "datelimite"
description = "texte"
link = "lien"
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--feeds", type=int, default=100)
    p.add_argument("--items", type=int, default=1000, help="offers per feed")
    p.add_argument("--seed", type=int, default=20)
    p.add_argument("--changed", type=float, default=0.0, help="fraction of all offers rewritten")
    p.add_argument("--port", type=int, default=8088)
    p.add_argument("--database", default="essaim.db")
    p.add_argument("--first", type=int, default=0, help="number of the first feed")
    a = p.parse_args()
    www = os.path.join(a.out_dir, "www")
    os.makedirs(www, exist_ok=True)
    r = random.Random(a.seed)
    now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
    own = a.items - round(a.items * CROSS_POSTED)
    originals = [[offer(r, a.first + f, n, now) for n in range(own)] for f in range(a.feeds)]
    # The changed offers: in one feed of ten, enough of its offers for the fraction asked.
    changed_feeds = list(range(0, a.feeds, 10))
    per_feed = round(a.changed * a.feeds * a.items / max(1, len(changed_feeds)))
    written = 0
    rss = []
    toml = [
        "# Written by bench/gen-ingest.py.\n[settings]\n"
        f'database = "{a.database}"\nallow_private_addresses = true\n'
        "max_concurrent_per_host = 8\n\n"
    ]
    for f in range(a.feeds):
        offers = list(originals[f])
        for n in range(a.items - own):
            other = r.randrange(a.feeds - 1) if a.feeds > 1 else 0
            other += other >= f and a.feeds > 1
            offers.append(repost(r, r.choice(originals[other]), a.first + f, n))
        r.shuffle(offers)
        if a.changed > 0 and f in changed_feeds:
            offers = [change(o) if i < per_feed else o for i, o in enumerate(offers)]
        fmt = FORMATS[f % len(FORMATS)]
        latin1 = fmt in XML_FORMATS and f % 5 == 3
        no = a.first + f
        name = f"feed-{no:05d}.{EXT[fmt]}"
        body = render(fmt, no, offers, "ISO-8859-1" if latin1 else "UTF-8")
        path = os.path.join(www, name)
        try:
            with open(path, "rb") as old:
                same = old.read() == body
        except FileNotFoundError:
            same = False
        if not same:
            with open(path + ".tmp", "wb") as out:
                out.write(body)
            os.replace(path + ".tmp", path)
            written += 1
        if fmt == "rss":
            rss.append(name)
        toml.append(
            f'[[feed]]\nid = "p{no:05d}"\nname = "Partenaire {no}"\nnetwork = "Réseau {no % 37}"\n'
            f'url = "http://127.0.0.1:{a.port}/{name}"\nformat = "{fmt}"\n'
            + (MAPPING if fmt == "xml" else "") + "\n"
        )
    with open(os.path.join(a.out_dir, "feeds.toml"), "w", encoding="utf-8") as out:
        out.write("".join(toml))
    print(json.dumps({"feeds": a.feeds, "items": a.feeds * a.items, "written": written, "rss": rss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
