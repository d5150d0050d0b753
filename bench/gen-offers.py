#!/usr/bin/env python3
"""Generates partner feeds of distinct, realistic French job offers for the publish benchmark.

    bench/gen-offers.py OUT_DIR [--feeds 20] [--items 5000] [--seed 6]

Writes OUT_DIR/partner-NN.xml: RSS 2.0 with WP Job Manager's job_listing:* elements (location,
contract, sector, employer, salary, expiry), as ESS partners publish them, in UTF-8. Every item
has its own guid and link; titles, employers, places ("Lyon (69)", "69100 Villeurbanne"),
contracts, working times, salaries and HTML descriptions are drawn from French vocabularies
of the social and solidarity economy, so the full-text index sees varied text.

Deterministic for a given seed. Prints one JSON line to stdout: the number of items and, for
the words the benchmark searches (KEYWORDS), how many items contain each, so the caller can
check the search is selective ("a few percent of offers").

Standard library only.
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
from xml.sax.saxutils import escape

# Words the benchmark queries, and the share of items whose text contains each.
KEYWORDS = {"maraîchage": 0.03, "ludothèque": 0.015}

JOBS = [
    # (title, sector, typical contracts)
    ("Éducateur spécialisé", "Action sociale", ["CDI", "CDD"]),
    ("Éducatrice de jeunes enfants", "Petite enfance", ["CDI", "CDD"]),
    ("Moniteur-éducateur", "Action sociale", ["CDI", "CDD"]),
    ("Animateur périscolaire", "Animation", ["CDD", "CDI"]),
    ("Animatrice socioculturelle", "Animation", ["CDI", "CDD"]),
    ("Animateur jeunesse", "Animation", ["CDI", "CDD", "Contrat d'apprentissage"]),
    ("Aide à domicile", "Aide à domicile", ["CDI", "CDD"]),
    ("Auxiliaire de vie sociale", "Aide à domicile", ["CDI", "CDD"]),
    ("Aide-soignant", "Santé", ["CDI", "CDD", "Intérim"]),
    ("Infirmier coordinateur", "Santé", ["CDI"]),
    ("Accompagnateur socio-professionnel", "Insertion", ["CDI", "CDD"]),
    ("Encadrant technique d'insertion", "Insertion", ["CDI", "CDD"]),
    ("Chargé de mission économie circulaire", "Environnement", ["CDD", "CDI"]),
    ("Chargée de communication", "Communication", ["CDI", "CDD", "Stage"]),
    ("Comptable", "Gestion", ["CDI", "CDD"]),
    ("Assistant administratif", "Gestion", ["CDI", "CDD", "Contrat d'apprentissage"]),
    ("Directeur d'établissement", "Direction", ["CDI"]),
    ("Directrice de crèche associative", "Petite enfance", ["CDI"]),
    ("Coordinateur de projets culturels", "Culture", ["CDD", "CDI"]),
    ("Conseiller en insertion professionnelle", "Insertion", ["CDI", "CDD"]),
    ("Travailleur social", "Action sociale", ["CDI", "CDD"]),
    ("Assistant de service social", "Action sociale", ["CDI"]),
    ("Chauffeur-livreur", "Logistique", ["CDD", "CDI", "Intérim"]),
    ("Responsable de centre de distribution", "Solidarité", ["CDI"]),
    ("Médiateur social", "Action sociale", ["CDI", "CDD", "Service civique"]),
    ("Volontaire en service civique", "Solidarité", ["Service civique"]),
    ("Agent d'entretien", "Services", ["CDI", "CDD"]),
    ("Cuisinier en restauration collective", "Restauration", ["CDI", "CDD", "Saisonnier"]),
    ("Ouvrier maraîcher", "Agriculture", ["CDD", "Contrat d'insertion"]),
    ("Chargé de développement associatif", "Vie associative", ["CDI", "CDD"]),
    ("Responsable des ressources humaines", "Gestion", ["CDI"]),
    ("Psychologue", "Santé", ["CDI", "CDD"]),
    ("Accompagnant éducatif et social", "Action sociale", ["CDI", "CDD"]),
    ("Agent d'accueil", "Services", ["CDD", "CDI", "Contrat aidé"]),
]

EMPLOYER_KINDS = [
    "Association", "Association", "Association", "Fondation", "Mutuelle", "SCIC", "SCOP",
    "Fédération", "Union", "ADMR", "Centre social",
]
EMPLOYER_NAMES = [
    "Le Prado", "Léo Lagrange", "Les Restos du Cœur", "Emmaüs", "Les Petits Frères des Pauvres",
    "Jardins de Cocagne", "La Croix-Rouge française", "Habitat et Humanisme", "Le Secours populaire",
    "Familles rurales", "Les Francas", "Apprentis d'Auteuil", "APF France handicap", "Unapei",
    "Aides", "Coallia", "Adoma", "France Terre d'Asile", "Les Compagnons Bâtisseurs",
    "Envie", "La Cravate solidaire", "Simplon", "Ligue de l'enseignement", "UFCV",
    "Les Céméa", "Elisfa", "Solidarités Nouvelles", "Enercoop", "Biocoop", "La Nef",
    "Terre de Liens", "Graines de Ville", "Le Relais", "Ressourcerie du Pays", "Les P'tits Loups",
    "Maison des Familles", "Vivre Ensemble", "L'Entraide", "Le Pont", "Arc-en-ciel",
]

# (commune, department code, postcode); about a quarter in Auvergne-Rhône-Alpes (region 84).
PLACES = [
    ("Lyon", "69", "69003"), ("Villeurbanne", "69", "69100"), ("Vénissieux", "69", "69200"),
    ("Caluire-et-Cuire", "69", "69300"), ("Givors", "69", "69700"),
    ("Grenoble", "38", "38000"), ("Saint-Étienne", "42", "42000"),
    ("Clermont-Ferrand", "63", "63000"), ("Annecy", "74", "74000"),
    ("Chambéry", "73", "73000"), ("Valence", "26", "26000"), ("Bourg-en-Bresse", "01", "01000"),
    ("Paris", "75", "75011"), ("Montreuil", "93", "93100"), ("Saint-Denis", "93", "93200"),
    ("Nanterre", "92", "92000"), ("Créteil", "94", "94000"),
    ("Marseille", "13", "13001"), ("Nice", "06", "06000"), ("Toulon", "83", "83000"),
    ("Toulouse", "31", "31000"), ("Montpellier", "34", "34000"), ("Nîmes", "30", "30000"),
    ("Bordeaux", "33", "33000"), ("Limoges", "87", "87000"), ("Poitiers", "86", "86000"),
    ("Nantes", "44", "44000"), ("Angers", "49", "49000"), ("Le Mans", "72", "72000"),
    ("Rennes", "35", "35000"), ("Brest", "29", "29200"), ("Quimper", "29", "29000"),
    ("Lille", "59", "59000"), ("Roubaix", "59", "59100"), ("Amiens", "80", "80000"),
    ("Strasbourg", "67", "67000"), ("Metz", "57", "57000"), ("Nancy", "54", "54000"),
    ("Reims", "51", "51100"), ("Dijon", "21", "21000"), ("Besançon", "25", "25000"),
    ("Tours", "37", "37000"), ("Orléans", "45", "45000"), ("Rouen", "76", "76000"),
    ("Caen", "14", "14000"), ("Ajaccio", "2A", "20000"), ("Saint-Denis", "974", "97400"),
]
ARA = PLACES[:12]

MISSIONS = [
    "accompagnement éducatif d'adolescents et de jeunes majeurs",
    "animation d'ateliers pour les enfants de 6 à 11 ans sur le temps périscolaire",
    "aide aux actes essentiels de la vie quotidienne des personnes âgées à leur domicile",
    "accueil, écoute et orientation des familles",
    "suivi des parcours d'insertion des salariés en contrat aidé",
    "organisation des tournées de collecte et de distribution alimentaire",
    "gestion administrative et financière de l'association",
    "coordination d'une équipe de bénévoles et de salariés",
    "conception et animation de projets d'éducation populaire",
    "relation avec les partenaires institutionnels et les financeurs",
    "préparation des repas en liaison chaude pour une restauration collective",
    "entretien des locaux et petite maintenance",
    "accompagnement des personnes en situation de handicap dans leur projet de vie",
    "développement de la vie associative et de l'engagement bénévole",
    "médiation sociale dans les quartiers prioritaires de la politique de la ville",
    "suivi comptable, paie et déclarations sociales",
    "soins d'hygiène et de confort auprès des résidents",
    "ateliers numériques pour lutter contre l'illectronisme",
    "collecte, tri et revalorisation d'objets en ressourcerie",
    "écriture et diffusion des contenus de communication",
]
PROFILES = [
    "Diplôme d'État d'éducateur spécialisé exigé.",
    "BAFA souhaité, première expérience en animation appréciée.",
    "Diplôme d'État d'accompagnant éducatif et social (DEAES) ou expérience équivalente.",
    "Permis B indispensable, véhicule de service fourni.",
    "Sens de l'écoute, autonomie et goût du travail en équipe.",
    "Maîtrise des outils bureautiques et d'un logiciel de comptabilité.",
    "Connaissance du secteur associatif et de l'économie sociale et solidaire.",
    "Expérience du management d'équipe pluridisciplinaire.",
    "Débutant accepté, formation assurée en interne.",
    "Titre professionnel de conseiller en insertion professionnelle souhaité.",
]
BENEFITS = [
    "Mutuelle prise en charge à 60 %, tickets restaurant.",
    "Reprise d'ancienneté selon la convention collective.",
    "Télétravail possible un jour par semaine.",
    "Prime Ségur et indemnités kilométriques.",
    "Congés trimestriels en plus des congés payés.",
    "Équipe bienveillante, formation continue.",
]
WORKING_TIMES = [
    "Temps plein", "Temps plein", "Temps plein", "Temps partiel (24h/semaine)",
    "Temps partiel (28h/semaine)", "0,8 ETP", "35 heures hebdomadaires", "Mi-temps",
]
SALARIES = [
    lambda r: f"Mensuel de {r.randrange(1800, 2600, 50)},00 Euros à {r.randrange(2600, 3400, 50)},00 Euros",
    lambda r: f"{r.randrange(1750, 3200, 10):,} € brut mensuel".replace(",", " "),
    lambda r: f"{r.randrange(22, 32)}-{r.randrange(32, 45)} k€ annuel",
    lambda r: f"{r.choice(['11,88', '12,10', '12,50', '13,20'])} € brut de l'heure",
    lambda r: "selon CCN 66",
    lambda r: "selon convention collective ALISFA",
    lambda r: "selon convention collective de la branche de l'aide à domicile (BAD)",
    lambda r: "Indemnité de 620 € par mois",
]


def rss_date(t):
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def item(r, feed_no, n, now):
    title, sector, contracts = r.choice(JOBS)
    contract = r.choice(contracts)
    kind = r.choice(EMPLOYER_KINDS)
    employer = f"{kind} {r.choice(EMPLOYER_NAMES)}"
    if r.random() < 0.5:
        employer += f" {r.choice(['du Rhône', 'de la Loire', 'Centre-Est', 'Île-de-France', 'Bretagne', 'Occitanie', 'Grand Est', 'Nouvelle-Aquitaine', '— antenne locale', ''])}".rstrip()
    commune, dep, cp = r.choice(ARA) if r.random() < 0.15 else r.choice(PLACES)
    place = f"{commune} ({dep})" if r.random() < 0.6 else f"{cp} {commune}"
    gender = r.choice(["(H/F)", "F/H", "h/f", "", "(F/H)"])
    full_title = f"{title} {gender}".strip()
    if r.random() < 0.3:
        full_title += f" – {contract} – {commune}"
    missions = r.sample(MISSIONS, r.randint(2, 4))
    words = []
    for word, share in KEYWORDS.items():
        if r.random() < share:
            words.append(word)
    extra = ""
    if "maraîchage" in words:
        extra += "<p>Le poste inclut l'encadrement d'un chantier de maraîchage biologique.</p>"
    if "ludothèque" in words:
        extra += "<p>Vous participerez aussi à l'animation de la ludothèque du quartier.</p>"
    salary = r.choice(SALARIES)(r)
    wt = r.choice(WORKING_TIMES)
    ref = f"bench-{feed_no:02d}-{n:06d}"
    published = now - dt.timedelta(minutes=r.randrange(0, 60 * 24 * 45))
    expires = (now + dt.timedelta(days=r.randrange(20, 120))).strftime("%Y-%m-%d")
    desc = (
        f"<p><strong>{escape(employer)}</strong> recrute un(e) {escape(title.lower())} "
        f"pour renforcer ses équipes à {escape(commune)}. Offre n° {ref}.</p>"
        "<p>Missions :</p><ul>"
        + "".join(f"<li>{escape(m)}</li>" for m in missions)
        + "</ul>"
        + extra
        + f"<p>Profil : {escape(r.choice(PROFILES))} {escape(r.choice(PROFILES))}</p>"
        f"<p>Lieu : {escape(place)}<br/>Contrat : {escape(contract)}<br/>"
        f"Temps de travail : {escape(wt)}<br/>Salaire : {escape(salary)}</p>"
        f"<p>{escape(r.choice(BENEFITS))}</p>"
    )
    slug = f"offre/{ref}"
    out = (
        "<item>"
        f"<title>{escape(full_title)}</title>"
        f"<link>https://emplois.partenaire{feed_no:02d}.example.org/{slug}/</link>"
        f"<guid isPermaLink=\"false\">{ref}</guid>"
        f"<pubDate>{rss_date(published)}</pubDate>"
        f"<description><![CDATA[{desc}]]></description>"
        f"<job_listing:location><![CDATA[{place}]]></job_listing:location>"
        f"<job_listing:job_type><![CDATA[{contract}]]></job_listing:job_type>"
        f"<job_listing:job_category><![CDATA[{sector}]]></job_listing:job_category>"
        f"<job_listing:company><![CDATA[{employer}]]></job_listing:company>"
        f"<job_listing:salary><![CDATA[{salary}]]></job_listing:salary>"
        f"<job_listing:job_expires><![CDATA[{expires}]]></job_listing:job_expires>"
        "</item>\n"
    )
    return out, words


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--feeds", type=int, default=20)
    p.add_argument("--items", type=int, default=5000, help="items per feed")
    p.add_argument("--seed", type=int, default=6)
    a = p.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    r = random.Random(a.seed)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    counts = {w: 0 for w in KEYWORDS}
    for f in range(1, a.feeds + 1):
        path = os.path.join(a.out_dir, f"partner-{f:02d}.xml")
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            out.write(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:job_listing="https://wpjobmanager.com">\n<channel>\n'
                f"<title>Emplois – partenaire {f:02d}</title>\n"
                f"<link>https://emplois.partenaire{f:02d}.example.org/</link>\n"
                "<description>Offres d'emploi de l'économie sociale et solidaire</description>\n"
                "<language>fr-FR</language>\n"
            )
            for n in range(a.items):
                text, words = item(r, f, n, now)
                for w in words:
                    counts[w] += 1
                out.write(text)
            out.write("</channel>\n</rss>\n")
        os.replace(path + ".tmp", path)
    print(json.dumps({"items": a.feeds * a.items, "keywords": counts}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
