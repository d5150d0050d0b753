#!/usr/bin/env python3
"""Generate essaim's French geography tables (data/geo/*.tsv) from the
official COG data packaged as the npm package `@etalab/decoupage-administratif`.

Usage:
    python3 scripts/gen-geo.py PATH/TO/package/data [OUT_DIR]

PATH/TO/package/data is the `data/` folder of the unpacked npm tarball (it holds
communes.json, departements.json and regions.json). OUT_DIR defaults to
data/geo next to this script's parent folder.

Output (UTF-8, LF line endings, tab separated, one header line starting with '#',
rows sorted by code so that the output is deterministic):

    communes.tsv     insee  name  department  region  postcodes(,)  parent
                     Keeps every "commune-actuelle" plus the "arrondissement-municipal"
                     entries of Paris, Lyon and Marseille; `parent` is the INSEE code of
                     the commune an arrondissement belongs to (empty for communes).
    departements.tsv code  name  region
    regions.tsv      code  name

Standard library only.
"""

import json
import os
import sys

KEPT_TYPES = ("commune-actuelle", "arrondissement-municipal")
# Only Paris, Lyon and Marseille have municipal arrondissements in the COG.
PLM = ("75056", "69123", "13055")


def clean(value):
    """Field text safe for TSV: no tabs or line breaks, trimmed."""
    return " ".join(str(value).split())


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    src = argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    out = argv[2] if len(argv) > 2 else os.path.normpath(os.path.join(here, "..", "data", "geo"))
    os.makedirs(out, exist_ok=True)

    communes = load(os.path.join(src, "communes.json"))
    departements = load(os.path.join(src, "departements.json"))
    regions = load(os.path.join(src, "regions.json"))

    region_codes = {r["code"] for r in regions}
    dept_codes = {d["code"] for d in departements}

    rows = []
    seen = set()
    for c in communes:
        kind = c.get("type")
        if kind not in KEPT_TYPES:
            continue
        parent = ""
        if kind == "arrondissement-municipal":
            parent = c.get("commune", "")
            if parent not in PLM:
                continue
        code = c["code"]
        if code in seen:
            raise SystemExit("duplicate INSEE code %s" % code)
        seen.add(code)
        dept = c["departement"]
        region = c["region"]
        if dept not in dept_codes or region not in region_codes:
            raise SystemExit("unknown department/region for %s" % code)
        postcodes = sorted(set(c.get("codesPostaux") or []))
        rows.append(
            (code, clean(c["nom"]), dept, region, ",".join(postcodes), parent)
        )
    rows.sort()

    dept_rows = sorted(
        (d["code"], clean(d["nom"]), d["region"]) for d in departements
    )
    region_rows = sorted((r["code"], clean(r["nom"])) for r in regions)

    def write(name, header, table):
        path = os.path.join(out, name)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write("#" + "\t".join(header) + "\n")
            for row in table:
                handle.write("\t".join(row) + "\n")
        print("%s: %d rows, %d bytes" % (path, len(table), os.path.getsize(path)))

    write(
        "communes.tsv",
        ("insee", "name", "department", "region", "postcodes", "parent"),
        rows,
    )
    write("departements.tsv", ("code", "name", "region"), dept_rows)
    write("regions.tsv", ("code", "name"), region_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
