#!/usr/bin/env python3
"""Generates one RSS feed of templated ads, as interim agencies and large networks publish them.

    bench/gen-templated.py OUT_FILE [--items 10000]

Every item is "Animateur {i} (H/F)" at "Lyon (69)", CDI, by the same employer, with the same
description template (only the number changes): the worst case of deduplication's blocking
keys, where every posting shares most keys with every other. Each item has its own guid and
link. Deterministic. Standard library only.
"""

import argparse
import os
import sys

DESCRIPTION = (
    "<p><strong>Association Léo Lagrange Centre-Est</strong> recrute un animateur (H/F) "
    "pour ses accueils de loisirs à Lyon. Poste n° {i}.</p>"
    "<p>Missions :</p><ul><li>Concevoir et animer des activités éducatives</li>"
    "<li>Accueillir les enfants et leurs familles</li>"
    "<li>Participer aux réunions d'équipe et au projet pédagogique</li></ul>"
    "<p>Profil : BAFA exigé, BPJEPS apprécié. Sens du travail en équipe.</p>"
    "<p>Lieu : Lyon (69)<br/>Contrat : CDI<br/>Temps de travail : temps plein<br/>"
    "Salaire : selon convention collective ÉCLAT</p>"
)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_file")
    p.add_argument("--items", type=int, default=10000)
    a = p.parse_args()
    tmp = a.out_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:job_listing="https://wpjobmanager.com">\n<channel>\n'
            "<title>Animation – offres</title>\n"
            "<link>https://emplois.animation.example.org/</link>\n"
            "<description>Offres d'emploi</description>\n"
        )
        for i in range(1, a.items + 1):
            out.write(
                "<item>"
                f"<title>Animateur {i} (H/F)</title>"
                f"<link>https://emplois.animation.example.org/offre/{i}</link>"
                f'<guid isPermaLink="false">anim-{i}</guid>'
                "<pubDate>Mon, 07 Dec 2026 08:00:00 +0000</pubDate>"
                f"<description><![CDATA[{DESCRIPTION.format(i=i)}]]></description>"
                "<job_listing:location><![CDATA[Lyon (69)]]></job_listing:location>"
                "<job_listing:job_type><![CDATA[CDI]]></job_listing:job_type>"
                "<job_listing:company><![CDATA[Association Léo Lagrange Centre-Est]]></job_listing:company>"
                "</item>\n"
            )
        out.write("</channel>\n</rss>\n")
    os.replace(tmp, a.out_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
