#!/usr/bin/env python3
"""Writes a HARD labelled evaluation set for cross-feed deduplication (JSONL, one posting a line).

What
    A second generator, independent of scripts/gen-dedup-eval.py: new employers, new roles, new
    towns, new wordings, new duplicate transformations. Its hard negatives are the ones real feeds
    hold and that a deduplicator tuned on the first generator may merge:

      employer-roles  one employer with 5-20 open roles in one town at the same time; every ad
                      shares long boilerplate (presentation, benefits such as "mutuelle, tickets
                      restaurant, 6 semaines de congés", "Envoyez CV et lettre de motivation à
                      ..."); each role's own part is 2-4 sentences; the roles differ by title
                      ("Chef de partie" / "Chef de rang" / "Commis de cuisine", "Soudeur" /
                      "Chaudronnier", "Vendeur bijouterie" / "Vendeur multimédia" / ...), and
                      often share salary and hours.
      multi-town      one ad text for 2-5 towns: identical description, the title suffixed with
                      the town ("Préparateur de commandes - Meaux"), the location field the town;
                      some towns French communes, some foreign or unresolvable ("Krapkowice",
                      "Strzelce Opolskie", "Dylaki", "Le Hameau des Granges").
      hours-contract  same title, employer and town; the ads differ only by working time (35 h /
                      24 h / 17 h 30), by contract (CDI / CDD 6 mois), by CDD length (6 / 12 mois)
                      or by start date.
      chain           a shop or service chain (invented names) posts one role for several shops
                      of one town and of the towns around it, from one template; shops of one
                      town differ only by the shop's name and address.
      ordinary        about half the jobs: one employer, one role, one town.

    Every job is posted on 1-4 of 25-35 feeds (regional boards, national aggregators, sector
    boards, employers' own WordPress feeds). The first posting is the "original"; the others are
    duplicates of Eurostat's kinds:
      full      the same ad; the title may be re-cased or carry another gender marker
                ("H/F", "(F/H)", none);
      semantic  the title in another form (feminine, "masculine / feminine", reworded) and the
                text rewritten: other sentence frames, tasks reordered, paragraphs moved,
                synonyms;
      temporal  the same ad on another board 3-21 days later ("Offre actualisée ...", later
                deadline);
      partial   the text cut to 200-400 characters, the employer or the contract missing, or the
                place given as the department only.
    Boards also have their own habits: place written "Lyon", "Lyon (69)", "69003 Lyon",
    "69 - LYON 03" or "Lyon, Auvergne-Rhône-Alpes"; contract as a code, a long label, France
    Travail's "CDD - 6 Mois" or "CDI - Temps partiel"; titles upper-cased or re-marked; texts cut
    at 450-700 characters or put on one line; employers in full, short, upper case or absent.

    Labels stay decidable by a careful reader: a duplicate never loses the words that tell its
    job from the job's siblings (the hours, the contract, the start date, the shop; for
    employer-roles and multi-town the title always keeps the role and the town). A board that
    truncates is given the text whole when its cut would remove them.

How
    python3 scripts/gen-dedup-hard.py --seed 101 --out fixtures/dedup-eval-hard.jsonl
    python3 scripts/gen-dedup-hard.py --seed 102 --out /tmp/dedup-hard-102.jsonl --jobs 1200
    DEDUP_EVAL_FILE=$PWD/fixtures/dedup-eval-hard.jsonl cargo test --release --test dedup_eval -- --nocapture

    Deterministic for a given --seed and --jobs (Python's random with integer and string seeds).
    Reads data/geo/{communes,departements}.tsv (--geo-dir) for department names and regions, and
    checks that every French commune used resolves there (name + department + postcode) and that
    the foreign towns and hamlets are no French commune. Standard library only (Python 3.11).
    Prints a summary: postings, jobs, feeds, jobs and postings per class, duplicate kinds.

Why
    The first generator's figures did not carry over to real data: the deduplicator was tuned
    on it. This set is written with other vocabulary and other transformations, so that it
    cannot flatter code tuned on the first one. The committed draw (--seed 101,
    fixtures/dedup-eval-hard.jsonl) is held out: never use it for tuning; tune, if at all, on
    other seeds (102, 103, ...).
"""
import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Geography. Areas: a main town and the towns around it, (name, postcode, department).

AREAS = {
    "lyon": ["Lyon 69003 69", "Villeurbanne 69100 69", "Vénissieux 69200 69", "Bron 69500 69", "Vaulx-en-Velin 69120 69", "Caluire-et-Cuire 69300 69"],
    "paris": ["Paris 75011 75", "Saint-Denis 93200 93", "Montreuil 93100 93", "Nanterre 92000 92", "Créteil 94000 94", "Vitry-sur-Seine 94400 94", "Boulogne-Billancourt 92100 92"],
    "marne": ["Meaux 77100 77", "Chelles 77500 77", "Lagny-sur-Marne 77400 77", "Torcy 77200 77", "Noisy-le-Grand 93160 93", "Melun 77000 77"],
    "lille": ["Lille 59000 59", "Roubaix 59100 59", "Tourcoing 59200 59", "Villeneuve-d'Ascq 59650 59", "Lens 62300 62", "Arras 62000 62"],
    "nantes": ["Nantes 44000 44", "Saint-Herblain 44800 44", "Rezé 44400 44", "Saint-Nazaire 44600 44", "Angers 49000 49", "Cholet 49300 49"],
    "bordeaux": ["Bordeaux 33000 33", "Mérignac 33700 33", "Pessac 33600 33", "Talence 33400 33", "Libourne 33500 33"],
    "toulouse": ["Toulouse 31000 31", "Colomiers 31770 31", "Blagnac 31700 31", "Muret 31600 31", "Montauban 82000 82", "Albi 81000 81"],
    "marseille": ["Marseille 13006 13", "Aix-en-Provence 13100 13", "Aubagne 13400 13", "Martigues 13500 13", "Vitrolles 13127 13", "Toulon 83000 83"],
    "strasbourg": ["Strasbourg 67000 67", "Schiltigheim 67300 67", "Illkirch-Graffenstaden 67400 67", "Haguenau 67500 67", "Colmar 68000 68", "Mulhouse 68100 68"],
    "rennes": ["Rennes 35000 35", "Cesson-Sévigné 35510 35", "Bruz 35170 35", "Vitré 35500 35", "Saint-Malo 35400 35", "Saint-Brieuc 22000 22"],
    "grenoble": ["Grenoble 38000 38", "Échirolles 38130 38", "Saint-Martin-d'Hères 38400 38", "Voiron 38500 38", "Chambéry 73000 73", "Annecy 74000 74"],
    "montpellier": ["Montpellier 34000 34", "Lattes 34970 34", "Sète 34200 34", "Lunel 34400 34", "Nîmes 30000 30", "Béziers 34500 34"],
    "rouen": ["Rouen 76000 76", "Le Havre 76600 76", "Sotteville-lès-Rouen 76300 76", "Évreux 27000 27", "Dieppe 76200 76", "Caen 14000 14"],
    "nice": ["Nice 06000 06", "Cannes 06400 06", "Antibes 06600 06", "Grasse 06130 06"],
    "clermont": ["Clermont-Ferrand 63000 63", "Vichy 03200 03", "Riom 63200 63", "Issoire 63500 63"],
    "dijon": ["Dijon 21000 21", "Beaune 21200 21", "Besançon 25000 25", "Chalon-sur-Saône 71100 71"],
    "tours": ["Tours 37000 37", "Joué-lès-Tours 37300 37", "Blois 41000 41", "Orléans 45000 45"],
    "metz": ["Metz 57000 57", "Thionville 57100 57", "Nancy 54000 54", "Épinal 88000 88"],
    "reims": ["Reims 51100 51", "Épernay 51200 51", "Troyes 10000 10", "Charleville-Mézières 08000 08"],
    "amiens": ["Amiens 80000 80", "Abbeville 80100 80", "Beauvais 60000 60", "Compiègne 60200 60", "Saint-Quentin 02100 02"],
    "brest": ["Brest 29200 29", "Quimper 29000 29", "Morlaix 29600 29", "Lorient 56100 56", "Vannes 56000 56"],
    "limoges": ["Limoges 87000 87", "Brive-la-Gaillarde 19100 19", "Périgueux 24000 24", "Poitiers 86000 86", "Niort 79000 79", "La Rochelle 17000 17"],
    "pau": ["Pau 64000 64", "Bayonne 64100 64", "Tarbes 65000 65", "Mont-de-Marsan 40000 40", "Dax 40100 40"],
    "perpignan": ["Perpignan 66000 66", "Narbonne 11100 11", "Carcassonne 11000 11"],
    "avignon": ["Avignon 84000 84", "Carpentras 84200 84", "Orange 84100 84", "Valence 26000 26"],
    "lemans": ["Le Mans 72000 72", "Laval 53000 53", "Alençon 61000 61"],
    "corse": ["Ajaccio 20000 2A", "Bastia 20200 2B"],
}
# Shops of a chain in the main town of an area: (quarter, postcode).
QUARTERS = {
    "Lyon": [("Croix-Rousse", "69004"), ("Monplaisir", "69008"), ("Part-Dieu", "69003"), ("Vaise", "69009"), ("Gerland", "69007")],
    "Paris": [("Bastille", "75011"), ("Belleville", "75020"), ("Montmartre", "75018"), ("Convention", "75015"), ("Daumesnil", "75012")],
    "Marseille": [("Castellane", "13006"), ("La Joliette", "13002"), ("Les Chartreux", "13004"), ("Saint-Barnabé", "13012")],
}
GENERIC_QUARTERS = ["Centre", "Gare", "Les Halles", "Jean-Jaurès", "République", "Saint-Michel", "Les Prés", "Zone commerciale Nord"]
STREETS = ["rue de la République", "avenue Jean-Jaurès", "boulevard Victor-Hugo", "rue du Marché", "place de la Gare",
           "rue Pasteur", "avenue de la Libération", "rue Nationale", "cours Gambetta", "rue des Écoles",
           "rue Émile-Zola", "quai des Chartreux", "avenue du Général-Leclerc", "rue de la Paix"]
# Towns the French geography cannot resolve.
FOREIGN = ["Dylaki", "Krapkowice", "Strzelce Opolskie", "Opole", "Zawadzkie", "Gogolin", "Kędzierzyn-Koźle"]
HAMLETS = ["Le Hameau des Granges", "Hameau de Champ-Rond", "Lieu-dit La Forge Neuve"]

REGION_FEED = {
    "11": "boussole-idf", "24": "centre-val-emploi", "27": "bfc-annonces", "28": "normandie-recrute",
    "32": "hauts-de-france-jobs", "44": "grand-est-offres", "52": "ouest-emploi-pdl", "53": "breizh-emploi",
    "75": "na-emploi-local", "76": "occitanie-offres", "84": "aura-job-board", "93": "sud-emploi-paca",
    "94": "sud-emploi-paca",
}


def fold(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in s).split())


class Place:
    def __init__(self, name, cp, dept, geo):
        self.name, self.cp, self.dept = name, cp, dept
        self.foreign = dept is None
        self.dept_name = geo.dept_name.get(dept) if dept else None
        self.region = geo.dept_region.get(dept) if dept else None
        self.region_name = geo.region_name.get(self.region) if self.region else None

    @property
    def label(self):
        """'Paris 11e' for an arrondissement, else the name."""
        if self.name in QUARTERS and self.cp:
            n = int(self.cp[-2:])
            return f"{self.name} {n}{'er' if n == 1 else 'e'}"
        return self.name

    def with_cp(self, cp):
        p = Place.__new__(Place)
        p.__dict__.update(self.__dict__)
        p.cp = cp
        return p


class Geo:
    def __init__(self, geo_dir):
        self.dept_name, self.dept_region, self.region_name = {}, {}, {}
        communes = {}
        try:
            for line in open(os.path.join(geo_dir, "departements.tsv"), encoding="utf-8"):
                if line.startswith("#"):
                    continue
                code, name, region = line.rstrip("\n").split("\t")
                self.dept_name[code], self.dept_region[code] = name, region
            for line in open(os.path.join(geo_dir, "regions.tsv"), encoding="utf-8"):
                if line.startswith("#"):
                    continue
                code, name = line.rstrip("\n").split("\t")
                self.region_name[code] = name
            for line in open(os.path.join(geo_dir, "communes.tsv"), encoding="utf-8"):
                if line.startswith("#"):
                    continue
                p = line.rstrip("\n").split("\t")
                communes.setdefault(fold(p[1]), []).append((p[2], p[4].split(",")))
        except OSError as e:
            sys.exit(f"cannot read the geography tables in {geo_dir}: {e}")
        self.areas = {}
        bad = []
        for key, towns in AREAS.items():
            places = []
            for t in towns:
                name, cp, dept = t.rsplit(" ", 2)
                if not any(d == dept and cp in cps for d, cps in communes.get(fold(name), [])):
                    bad.append(t)
                places.append(Place(name, cp, dept, self))
            self.areas[key] = places
        for q in QUARTERS.values():
            for _, cp in q:
                if not any(cp in cps for cands in communes.values() for _, cps in cands):
                    bad.append(cp)
        for name in FOREIGN + HAMLETS:
            if fold(name) in communes:
                bad.append(name + " (is a French commune)")
        if bad:
            sys.exit("geography check failed: " + ", ".join(bad))
        self.foreign = [Place(n, None, None, self) for n in FOREIGN + HAMLETS]


# ---------------------------------------------------------------------------------------------
# Roles: "masculine|feminine|task;task;task;task|requirement|reworded title". Tasks are verb
# phrases in the infinitive.

FAMILIES = {
    "cuisine": """
Chef de partie|Cheffe de partie|tenir un poste chaud ou froid pendant le service;réaliser les mises en place selon les fiches techniques;contrôler les températures et la traçabilité des produits;former le commis affecté à votre poste|un CAP cuisine et au moins deux ans en brigade|Chef de partie en cuisine
Chef de rang|Cheffe de rang|accueillir les clients et les installer en salle;prendre les commandes et conseiller sur les accords mets et vins;coordonner le service d'un rang de huit tables;encaisser les additions en fin de repas|une première expérience en restauration traditionnelle et un anglais courant|Chef de rang en restaurant
Commis de cuisine|Commise de cuisine|éplucher, tailler et préparer les légumes;aider le chef de partie pendant le coup de feu;nettoyer le poste et la batterie de cuisine;réceptionner les livraisons du matin|un CAP cuisine apprécié, débutant accepté|Aide de cuisine
Second de cuisine|Seconde de cuisine|remplacer le chef lors de ses absences;passer les commandes auprès des fournisseurs;organiser le planning de la brigade;participer à la création de la carte de saison|cinq ans d'expérience dont deux comme second|Sous-chef de cuisine
Plongeur|Plongeuse|laver la vaisselle et la batterie;entretenir les sols de la cuisine en fin de service;ranger la vaisselle propre dans les réserves;sortir les déchets en respectant le tri|aucun diplôme, poste ouvert aux débutants|Agent de plonge
Serveur|Serveuse|dresser les tables avant le service;servir les plats et les boissons;débarrasser et redresser les tables;installer la terrasse aux beaux jours|une présentation soignée et le sens du contact|Serveur en salle
Barman|Barmaid|préparer les cocktails et les boissons chaudes;gérer les stocks du bar;tenir la caisse du comptoir;ouvrir et fermer l'établissement à tour de rôle|une expérience en bar à cocktails|Barman cocktails
Pâtissier|Pâtissière|produire les desserts à l'assiette;fabriquer les viennoiseries du petit-déjeuner;suivre les stocks de matières premières;proposer des créations de saison|un CAP pâtissier|Pâtissier de restaurant
Réceptionniste|Réceptionniste|accueillir les clients à leur arrivée;gérer les réservations et le planning des chambres;établir les factures au départ;répondre aux demandes par téléphone et par courriel|un BTS tourisme ou hôtellerie et un anglais courant|Réceptionniste d'hôtel
Maître d'hôtel|Maîtresse d'hôtel|superviser l'équipe de salle;gérer le livre de réservations;veiller à la qualité du service;établir les plannings de salle|une solide expérience en restauration gastronomique|Responsable de salle
Cuisinier|Cuisinière|préparer les plats du jour;appliquer les règles d'hygiène HACCP;gérer les stocks de la chambre froide;proposer des menus végétariens|un CAP cuisine et une expérience en restauration|Cuisinier polyvalent
Gouvernant d'étage|Gouvernante d'étage|encadrer les valets et femmes de chambre;contrôler la propreté des chambres;gérer le linge et les produits d'accueil;établir le planning des étages|une expérience en hôtellerie trois ou quatre étoiles|Responsable des étages
Valet de chambre|Femme de chambre|nettoyer et préparer les chambres;changer le linge de lit et de toilette;réapprovisionner les produits d'accueil;signaler les anomalies techniques|rigueur et discrétion|Agent d'étage
Employé polyvalent de restauration|Employée polyvalente de restauration|préparer les commandes au comptoir;mettre en place le self;encaisser les clients;nettoyer la salle et le matériel|motivation et disponibilité le week-end|Équipier de restauration
Sommelier|Sommelière|conseiller les clients sur le choix des vins;gérer la cave et les commandes;former l'équipe de salle à la carte des vins;organiser des soirées de dégustation|un diplôme de sommellerie ou une expérience équivalente|Sommelier de restaurant
Réceptionniste de nuit|Réceptionniste de nuit|assurer l'accueil de nuit;réaliser la clôture journalière;veiller à la sécurité de l'hôtel;préparer les petits-déjeuners|un anglais courant et la maîtrise d'un logiciel hôtelier|Night auditor
""",
    "metal": """
Soudeur|Soudeuse|souder des ensembles en acier et en inox aux procédés TIG et MIG;lire les plans et les descriptifs de soudage;préparer les bords avant soudage;contrôler visuellement les cordons|une qualification de soudeur à jour|Soudeur TIG MIG
Chaudronnier|Chaudronnière|tracer, découper et mettre en forme les tôles;assembler les sous-ensembles par pointage;réaliser des pièces unitaires ou en petite série;utiliser la plieuse et la rouleuse|un CAP ou un bac pro chaudronnerie|Chaudronnier industriel
Tuyauteur|Tuyauteuse|préparer et assembler les lignes de tuyauterie;lire les isométriques de montage;poser les supports et les brides;participer aux essais d'étanchéité|une expérience en tuyauterie industrielle|Tuyauteur industriel
Monteur-ajusteur|Monteuse-ajusteuse|monter les sous-ensembles mécaniques;ajuster les pièces à la lime et au grattoir;contrôler les jeux et les cotes;rédiger les fiches de suivi|un bac pro maintenance ou mécanique|Ajusteur monteur
Tourneur|Tourneuse|régler le tour à commande numérique;usiner des pièces de révolution;contrôler les pièces au micromètre;assurer la maintenance de premier niveau|un CAP usinage et la maîtrise de la programmation Fanuc|Tourneur sur commande numérique
Fraiseur|Fraiseuse|programmer le centre d'usinage trois axes;choisir les outils et les conditions de coupe;usiner des pièces prototypes;contrôler la conformité dimensionnelle|un bac pro technicien d'usinage|Fraiseur CN
Peintre industriel|Peintre industrielle|préparer les surfaces par grenaillage;appliquer les peintures au pistolet;contrôler les épaisseurs de revêtement;entretenir la cabine de peinture|une expérience en peinture industrielle ou en carrosserie|Peintre en cabine
Technicien de maintenance|Technicienne de maintenance|diagnostiquer les pannes électriques et mécaniques;réaliser la maintenance préventive des machines;proposer des améliorations techniques;tenir à jour la GMAO|un BTS maintenance des systèmes|Technicien de maintenance industrielle
Dessinateur-projeteur|Dessinatrice-projeteuse|concevoir les ensembles chaudronnés sous SolidWorks;réaliser les plans de fabrication;chiffrer les matières;échanger avec l'atelier sur la faisabilité|un BTS conception de produits industriels|Dessinateur projeteur mécanique
Contrôleur qualité|Contrôleuse qualité|contrôler les pièces en cours de production;réaliser les contrôles de réception;rédiger les rapports de non-conformité;étalonner les instruments de mesure|un bac pro ou un BTS et une expérience en contrôle|Technicien contrôle qualité
Chef d'atelier|Cheffe d'atelier|encadrer une équipe de quinze compagnons;planifier la charge de l'atelier;garantir la sécurité et la qualité;animer les réunions de production|une expérience de management en chaudronnerie|Responsable d'atelier
Métallier|Métallière|fabriquer des garde-corps, des escaliers et des portails;poser les ouvrages sur chantier;réaliser les finitions et la pose de quincaillerie;prendre les cotes chez le client|un CAP métallerie et le permis B|Serrurier métallier
Opérateur sur presse plieuse|Opératrice sur presse plieuse|régler la presse plieuse;plier des tôles selon les plans;contrôler les angles et les cotes;approvisionner le poste|une première expérience en pliage|Plieur sur commande numérique
Cariste|Cariste|charger et décharger les camions;approvisionner les postes de travail;ranger les produits finis en stock;réaliser les inventaires tournants|le CACES R489 catégories 3 et 5 à jour|Cariste magasinier
""",
    "siege": """
Responsable qualité|Responsable qualité|piloter le système de management ISO 9001;conduire les audits internes;suivre les réclamations clients;animer les revues de direction|un bac+5 qualité et trois ans d'expérience|Responsable qualité ISO 9001
Chef de projet|Cheffe de projet|piloter les projets de développement produit;coordonner les équipes techniques et commerciales;suivre les budgets et les plannings;rendre compte au comité de direction|un diplôme d'ingénieur ou d'école de commerce|Chef de projet industriel
Technicien méthodes|Technicienne méthodes|rédiger les gammes de fabrication;optimiser les temps de cycle;mettre en place les outillages de production;analyser les indicateurs de performance|un BTS ou un BUT génie mécanique|Technicien des méthodes
Acheteur|Acheteuse|consulter et sélectionner les fournisseurs;négocier les prix et les délais;suivre les commandes;participer au plan de réduction des coûts|un bac+3 achats et un anglais professionnel|Acheteur industriel
Contrôleur de gestion|Contrôleuse de gestion|élaborer le budget annuel;produire les tableaux de bord mensuels;analyser les écarts;accompagner les responsables de service|un bac+5 finance ou contrôle de gestion|Contrôleur de gestion industriel
Assistant RH|Assistante RH|gérer les dossiers administratifs du personnel;préparer les éléments variables de paie;organiser les visites médicales;suivre le plan de formation|un bac+2 ou bac+3 en ressources humaines|Assistant ressources humaines
Comptable fournisseurs|Comptable fournisseurs|saisir et contrôler les factures;préparer les règlements;lettrer les comptes;participer aux clôtures mensuelles|un BTS comptabilité et gestion|Comptable fournisseur
Chargé de communication|Chargée de communication|animer les réseaux sociaux;rédiger la lettre d'information;organiser la présence sur les salons professionnels;mettre à jour le site internet|un bac+3 communication|Chargé de communication interne et externe
Gestionnaire de paie|Gestionnaire de paie|établir les bulletins de paie de 300 salariés;réaliser les déclarations sociales;répondre aux questions des salariés;assurer la veille légale|un BTS ou une licence paie et la maîtrise de Silae|Gestionnaire paie
Assistant de direction|Assistante de direction|gérer l'agenda du directeur général;préparer les conseils d'administration;organiser les déplacements;accueillir les partenaires|un bac+2 assistanat et une excellente expression écrite|Assistant de direction générale
Chargé de recrutement|Chargée de recrutement|rédiger et diffuser les annonces;présélectionner les candidatures;conduire les entretiens;suivre l'intégration des nouveaux salariés|un bac+3 RH et une première expérience en recrutement|Chargé de recrutement RH
Juriste|Juriste|rédiger et négocier les contrats commerciaux;conseiller les services opérationnels;suivre les contentieux;assurer la veille juridique|un master 2 en droit des affaires|Juriste d'entreprise
Développeur|Développeuse|développer les applications internes en Python;maintenir le système d'information;rédiger la documentation technique;assurer le support aux utilisateurs|un bac+3 informatique|Développeur d'applications
Commercial sédentaire|Commerciale sédentaire|répondre aux demandes de devis;relancer les offres en cours;gérer un portefeuille de clients professionnels;saisir les commandes dans l'ERP|un bac+2 commerce|Technico-commercial sédentaire
""",
    "magasin": """
Vendeur bijouterie|Vendeuse bijouterie|conseiller les clients sur les bijoux et les montres;réaliser les mises en vitrine;assurer le suivi des réparations;tenir la caisse du rayon|une expérience en vente de produits de luxe|Vendeur en bijouterie
Vendeur multimédia|Vendeuse multimédia|conseiller sur les ordinateurs, les tablettes et les consoles;proposer les services associés;réaliser les mises en rayon;suivre les commandes clients|la passion des nouvelles technologies|Conseiller de vente multimédia
Vendeur téléphonie|Vendeuse téléphonie|présenter les offres d'abonnement;vendre les smartphones et les accessoires;réaliser les transferts de données;assurer le service après-vente|une expérience en vente de téléphonie mobile|Conseiller de vente téléphonie
Vendeur électroménager|Vendeuse électroménager|conseiller les clients sur le gros et le petit électroménager;organiser les livraisons;proposer les extensions de garantie;tenir les étiquettes à jour|le goût du conseil et le sens commercial|Vendeur en électroménager
Vendeur jardinerie|Vendeuse jardinerie|conseiller sur les végétaux et l'outillage;entretenir les plantes du rayon;réceptionner les arrivages;préparer les opérations saisonnières|des connaissances en botanique|Vendeur rayon jardin
Hôte de caisse|Hôtesse de caisse|accueillir les clients en caisse;encaisser les achats;gérer les retours et les échanges;ouvrir et clôturer la caisse|le sens du service et une disponibilité le samedi|Employé de caisse
Employé de rayon frais|Employée de rayon frais|mettre en rayon les produits laitiers et la charcuterie;contrôler les dates limites;passer les commandes du rayon;veiller à la chaîne du froid|une première expérience en grande distribution|Employé libre-service produits frais
Boucher|Bouchère|découper et préparer les viandes;conseiller les clients au stand;appliquer les règles d'hygiène;gérer les commandes du rayon|un CAP boucher|Boucher en grande surface
Boulanger|Boulangère|fabriquer le pain et les viennoiseries;gérer la cuisson tout au long de la journée;appliquer les règles d'hygiène;préparer les commandes des professionnels|un CAP boulanger|Boulanger en magasin
Poissonnier|Poissonnière|préparer et mettre en valeur les produits de la mer;conseiller les clients;tenir la traçabilité;nettoyer le banc en fin de journée|un CAP poissonnier ou une expérience équivalente|Poissonnier en grande surface
Responsable de rayon|Responsable de rayon|encadrer une équipe de six employés;piloter le chiffre d'affaires du rayon;négocier avec les fournisseurs locaux;organiser les plannings|un bac+2 commerce et une expérience de management|Manager de rayon
Agent de sécurité magasin|Agente de sécurité magasin|surveiller les accès et les rayons;prévenir les vols;intervenir en cas d'incident;rédiger les rapports|la carte professionnelle CNAPS et le SSIAP 1|Agent de prévention et de sécurité
Employé drive|Employée drive|préparer les commandes passées en ligne;remettre les commandes aux clients;gérer les produits manquants;ranger la zone de retrait|dynamisme et rigueur|Préparateur drive
Hôte d'accueil|Hôtesse d'accueil|renseigner les clients à l'accueil;gérer le service après-vente;établir les cartes de fidélité;annoncer les promotions au micro|une excellente présentation et le sens du relationnel|Agent d'accueil en magasin
Réceptionnaire de marchandises|Réceptionnaire de marchandises|réceptionner les livraisons des fournisseurs;contrôler les quantités et l'état des colis;saisir les entrées en stock;signaler les litiges|le CACES R489 catégorie 1|Réceptionnaire en magasin
""",
    "soin": """
Aide-soignant de jour|Aide-soignante de jour|accompagner les résidents dans les actes de la vie quotidienne;réaliser les soins d'hygiène et de confort;participer aux transmissions avec l'équipe infirmière;aider à la prise des repas|le diplôme d'État d'aide-soignant|Aide-soignant en EHPAD, poste de jour
Aide-soignant de nuit|Aide-soignante de nuit|veiller au repos et à la sécurité des résidents;réaliser les changes et les soins de nuit;répondre aux appels des résidents;assurer les transmissions du matin|le diplôme d'État d'aide-soignant|Aide-soignant en EHPAD, poste de nuit
Infirmier|Infirmière|préparer et distribuer les traitements;réaliser les soins techniques;participer au projet de soins personnalisé;assurer le lien avec les médecins traitants|le diplôme d'État d'infirmier|Infirmier diplômé d'État
Infirmier coordinateur|Infirmière coordinatrice|encadrer l'équipe soignante;organiser les admissions;coordonner les intervenants libéraux;piloter la démarche qualité des soins|le diplôme d'État d'infirmier et une expérience d'encadrement|IDEC
Agent de service hospitalier|Agente de service hospitalier|entretenir les chambres et les espaces collectifs;participer au service des repas;gérer le linge des résidents;appliquer les protocoles d'hygiène|une première expérience en établissement de santé|ASH
Animateur en gérontologie|Animatrice en gérontologie|concevoir le programme d'animation;organiser des sorties et des ateliers mémoire;impliquer les familles et les bénévoles;évaluer les activités proposées|un BPJEPS animation sociale ou un diplôme équivalent|Animateur en EHPAD
Cuisinier en collectivité|Cuisinière en collectivité|préparer les repas des résidents;adapter les textures aux régimes;gérer les commandes et les stocks;appliquer le plan de maîtrise sanitaire|un CAP cuisine et une expérience en collectivité|Cuisinier d'EHPAD
Agent de lingerie|Agente de lingerie|trier et laver le linge des résidents;marquer les vêtements;repasser et distribuer le linge;suivre le stock de linge plat|rigueur et discrétion|Lingère
Veilleur de nuit|Veilleuse de nuit|assurer les rondes de surveillance;répondre aux appels des résidents;alerter l'infirmier d'astreinte;noter les événements sur le cahier de nuit|une expérience auprès de personnes âgées|Surveillant de nuit
Psychologue|Psychologue|accompagner les résidents et leurs familles;animer des groupes de parole;participer aux réunions pluridisciplinaires;soutenir les équipes|un master 2 de psychologie clinique|Psychologue clinicien
Ergothérapeute|Ergothérapeute|évaluer l'autonomie des résidents;préconiser les aides techniques;animer des ateliers de prévention des chutes;conseiller les équipes sur les transferts|le diplôme d'État d'ergothérapeute|Ergothérapeute en établissement
Secrétaire médicale|Secrétaire médicale|accueillir les familles et les visiteurs;gérer les dossiers administratifs des résidents;planifier les rendez-vous médicaux;assurer la facturation|un diplôme de secrétaire médicale|Secrétaire médico-administrative
Agent de maintenance des bâtiments|Agente de maintenance des bâtiments|réaliser les petits travaux de plomberie et d'électricité;entretenir les espaces verts;suivre les contrôles réglementaires;gérer les interventions des prestataires|un CAP du bâtiment et une habilitation électrique|Agent technique polyvalent
Accompagnant éducatif et social|Accompagnante éducative et sociale|accompagner les personnes dans leur vie quotidienne;favoriser le maintien de l'autonomie;participer aux animations;rédiger les transmissions|le diplôme d'État d'accompagnant éducatif et social|AES
""",
    "insertion": """
Encadrant technique espaces verts|Encadrante technique espaces verts|encadrer une équipe de huit salariés en insertion sur les chantiers;organiser l'entretien des espaces verts des bailleurs;transmettre les gestes techniques;évaluer les progrès de chaque salarié|une expérience en espaces verts et le goût de la transmission|Encadrant technique d'insertion espaces verts
Encadrant technique menuiserie|Encadrante technique menuiserie|encadrer l'atelier de menuiserie;fabriquer du mobilier à partir de bois de réemploi;former les salariés à l'usage des machines;suivre les commandes|un CAP menuiserie et une expérience d'encadrement|Encadrant d'atelier bois
Encadrant technique bâtiment|Encadrante technique bâtiment|conduire les chantiers de second œuvre;encadrer les salariés en parcours;faire respecter les règles de sécurité;rendre compte à la coordinatrice|une expérience en peinture et en plâtrerie|Encadrant technique second œuvre
Chargé d'insertion professionnelle|Chargée d'insertion professionnelle|accompagner trente salariés en parcours;construire les projets professionnels;lever les freins périphériques à l'emploi;développer les relations avec les entreprises du territoire|le titre de conseiller en insertion professionnelle ou équivalent|Conseiller en insertion professionnelle
Valoriste|Valoriste|collecter et trier les objets donnés;tester et nettoyer les appareils;orienter les objets vers les filières de recyclage;participer à la mise en rayon|de l'intérêt pour le réemploi, débutant accepté|Agent de valorisation
Vendeur en ressourcerie|Vendeuse en ressourcerie|accueillir le public de la boutique;fixer les prix avec l'équipe;tenir la caisse;mettre en valeur les objets de seconde main|le sens du contact, poste éligible au parcours d'insertion|Vendeur en boutique de réemploi
Chauffeur collecte|Chauffeuse collecte|conduire le camion de collecte;charger les dons chez les particuliers;planifier les tournées;entretenir le véhicule|le permis B exigé, le permis C apprécié|Chauffeur-ripeur collecte
Agent de tri textile|Agente de tri textile|trier les vêtements collectés;préparer les balles pour le recyclage;sélectionner les pièces destinées aux boutiques;respecter les consignes de sécurité|aucune qualification exigée|Trieur textile
Mécanicien cycles|Mécanicienne cycles|réparer et remettre en état les vélos donnés;animer les ateliers d'autoréparation;conseiller les adhérents;gérer le stock de pièces|un CQP technicien cycles ou une expérience équivalente|Mécanicien vélo
Coordinateur de chantier|Coordinatrice de chantier|planifier les chantiers d'insertion;rédiger les devis;suivre les relations avec les donneurs d'ordre;animer les réunions d'équipe|un bac+2 et une expérience en conduite de travaux|Coordinateur des chantiers d'insertion
Agent d'entretien|Agente d'entretien|nettoyer les bureaux et les parties communes;gérer les produits d'entretien;signaler les dégradations;sortir les conteneurs|rigueur et autonomie|Agent de propreté des locaux
Couturier retoucheur|Couturière retoucheuse|réaliser les retouches sur les vêtements de la boutique;fabriquer des articles à partir de tissus de récupération;animer un atelier couture;entretenir les machines|un CAP métiers de la mode ou une expérience|Couturier en atelier solidaire
Assistant administratif|Assistante administrative|accueillir les salariés et le public;suivre les dossiers d'agrément IAE;préparer les éléments de paie;classer et archiver les dossiers|un bac pro gestion-administration|Secrétaire administratif
Jardinier maraîcher|Jardinière maraîchère|semer, planter et récolter les légumes bio;préparer les paniers des adhérents;entretenir les serres;encadrer les salariés en parcours sur les cultures|un BPREA ou une expérience en maraîchage biologique|Maraîcher bio
""",
    "logistique": """
Préparateur de commandes|Préparatrice de commandes|prélever les articles à l'aide d'un terminal;préparer et filmer les palettes;contrôler les commandes avant expédition;respecter les cadences et les consignes de sécurité|une première expérience en entrepôt|Préparateur de commandes en entrepôt
Cariste d'entrepôt|Cariste d'entrepôt|charger et décharger les semi-remorques;mettre en stock en hauteur;approvisionner les zones de préparation;participer aux inventaires|le CACES R489 catégories 1, 3 et 5|Conducteur de chariot élévateur
Chauffeur poids lourd|Chauffeuse poids lourd|livrer les magasins de la région;charger et décharger la marchandise au hayon;remplir les documents de transport;entretenir le véhicule|le permis C, la FIMO et la carte conducteur à jour|Conducteur PL
Chef d'équipe logistique|Cheffe d'équipe logistique|animer une équipe de douze préparateurs;répartir les tâches selon les flux;suivre les indicateurs de productivité;faire respecter les règles de sécurité|une expérience d'encadrement en logistique|Chef d'équipe en entrepôt
Agent de quai|Agente de quai|décharger les camions;trier les colis par destination;scanner les colis;charger les tournées|débutant accepté, horaires décalés|Manutentionnaire de quai
Gestionnaire de stock|Gestionnaire de stock|suivre les niveaux de stock dans le WMS;organiser les inventaires;analyser les écarts;proposer des améliorations de rangement|un bac+2 logistique|Gestionnaire des stocks
Magasinier|Magasinière|réceptionner et ranger les pièces détachées;servir les techniciens au comptoir;préparer les expéditions;tenir l'inventaire|le CACES R489 catégories 1 et 3|Magasinier vendeur
Agent d'exploitation transport|Agente d'exploitation transport|planifier les tournées de livraison;affecter les conducteurs;suivre les livraisons en temps réel;gérer les litiges clients|un bac+2 transport et logistique|Exploitant transport
Affréteur|Affréteuse|rechercher les transporteurs partenaires;négocier les tarifs;suivre les expéditions;fidéliser les sous-traitants|une expérience en affrètement routier|Affréteur transport routier
Responsable d'entrepôt|Responsable d'entrepôt|piloter l'activité d'un entrepôt de 20 000 m²;manager les chefs d'équipe;garantir la qualité de service;suivre le budget|un bac+5 logistique et une expérience de management|Responsable de site logistique
""",
    "production": """
Agent de production|Agente de production|alimenter les lignes en matières premières;surveiller le déroulement de la production;réaliser les contrôles qualité en cours de fabrication;nettoyer le poste en fin d'équipe|une première expérience en industrie|Opérateur de fabrication
Opérateur de conditionnement|Opératrice de conditionnement|conditionner les produits sur la ligne;étiqueter et palettiser les cartons;contrôler les poids et les dates;signaler les anomalies|débutant accepté|Agent de conditionnement
Conducteur de ligne|Conductrice de ligne|régler et piloter la ligne de production;effectuer les changements de format;assurer la maintenance de premier niveau;renseigner les documents de traçabilité|une expérience en conduite de ligne automatisée|Conducteur de machines
Manutentionnaire|Manutentionnaire|charger et décharger les marchandises;trier et ranger les colis;filmer les palettes;tenir la zone de stockage propre|une bonne condition physique|Agent de manutention
Ouvrier agricole|Ouvrière agricole|récolter les fruits et les légumes;trier et calibrer la récolte;entretenir les cultures;conditionner les produits pour l'expédition|aucune expérience exigée, travail en extérieur|Saisonnier agricole
Chauffeur-livreur|Chauffeuse-livreuse|livrer les colis aux particuliers et aux professionnels;charger le véhicule utilitaire;optimiser la tournée;encaisser les paiements à la livraison|le permis B depuis trois ans|Livreur VL
Agent de propreté|Agente de propreté|nettoyer les bureaux et les sanitaires;vider les corbeilles et trier les déchets;entretenir les sols à l'autolaveuse;signaler les besoins en produits|une première expérience en nettoyage|Agent de nettoyage
""",
    "social": """
Éducateur spécialisé|Éducatrice spécialisée|accompagner des adolescents accueillis en maison d'enfants;élaborer les projets personnalisés;travailler en lien avec les familles et l'aide sociale à l'enfance;rédiger les écrits professionnels|le diplôme d'État d'éducateur spécialisé|Éducateur spécialisé en MECS
Moniteur-éducateur|Monitrice-éducatrice|accompagner les adultes du foyer d'hébergement;organiser les activités de la vie quotidienne;participer aux réunions d'équipe;assurer des permanences en soirée et le week-end|le diplôme d'État de moniteur-éducateur|Moniteur éducateur en foyer
Assistant de service social|Assistante de service social|accueillir et évaluer la situation des personnes;accompagner l'accès aux droits;instruire les demandes d'aide;travailler en réseau avec les partenaires|le diplôme d'État d'assistant de service social|Assistant social
Conseiller en économie sociale et familiale|Conseillère en économie sociale et familiale|accompagner les ménages dans la gestion de leur budget;animer des ateliers collectifs sur l'énergie;préparer les dossiers de surendettement;soutenir l'accès au logement|le diplôme d'État de CESF|CESF
Médiateur social|Médiatrice sociale|aller à la rencontre des habitants du quartier;prévenir et apaiser les conflits;orienter vers les services adaptés;participer aux événements de quartier|une expérience en médiation et la connaissance du territoire|Médiateur de quartier
Éducateur de jeunes enfants|Éducatrice de jeunes enfants|accompagner l'éveil des enfants de la crèche;élaborer le projet pédagogique;soutenir les familles dans leur parentalité;animer l'équipe d'auxiliaires|le diplôme d'État d'éducateur de jeunes enfants|EJE en crèche
Chef de service éducatif|Cheffe de service éducatif|encadrer une équipe de quinze professionnels;garantir la mise en œuvre des projets personnalisés;assurer les astreintes;représenter l'établissement auprès des partenaires|le CAFERUIS et une expérience en protection de l'enfance|Chef de service en protection de l'enfance
Maître de maison|Maîtresse de maison|veiller au confort du lieu de vie;préparer les repas avec les jeunes;entretenir le linge et les locaux;participer à la vie collective|une expérience en collectivité|Maître de maison en foyer
Intervenant social|Intervenante sociale|accompagner les personnes hébergées en CHRS;aider aux démarches administratives;animer des temps collectifs;préparer la sortie vers un logement|un diplôme du travail social de niveau 6|Travailleur social en CHRS
Agent d'accueil|Agente d'accueil|accueillir le public et répondre au téléphone;orienter les visiteurs;gérer le courrier;tenir les registres|le baccalauréat et le sens du service|Chargé d'accueil
""",
    "animation": """
Animateur périscolaire|Animatrice périscolaire|encadrer les enfants le matin, le midi et le soir;proposer des activités manuelles et sportives;veiller à la sécurité des enfants;échanger avec les familles|le BAFA ou le CQP animateur périscolaire|Animateur d'accueil périscolaire
Directeur d'accueil de loisirs|Directrice d'accueil de loisirs|diriger un accueil de loisirs de 60 enfants;encadrer l'équipe d'animateurs;élaborer le projet pédagogique;gérer le budget et les inscriptions|le BPJEPS LTP ou le BAFD|Directeur d'ALSH
Animateur socioculturel|Animatrice socioculturelle|animer les activités du centre social;accompagner les projets des habitants;organiser les sorties familiales;coordonner les bénévoles|un DEJEPS ou un BPJEPS animation sociale|Animateur de centre social
Coordinateur jeunesse|Coordinatrice jeunesse|coordonner les actions en direction des 11-25 ans;animer l'espace jeunes;monter des projets d'échange;accompagner les initiatives des jeunes|un DEJEPS et une expérience auprès des adolescents|Coordinateur du secteur jeunesse
Médiateur numérique|Médiatrice numérique|animer des ateliers d'initiation au numérique;accompagner les habitants dans leurs démarches en ligne;gérer l'espace public numérique;participer au réseau local d'inclusion numérique|une expérience en accompagnement au numérique|Conseiller numérique
Référent familles|Référente familles|animer le projet familles du centre social;organiser des actions de soutien à la parentalité;accompagner les départs en vacances;travailler avec les écoles du quartier|un diplôme du travail social ou de l'animation|Référent famille en centre social
Chargé de développement associatif|Chargée de développement associatif|développer les partenariats et les financements;rédiger les dossiers de subvention;animer le réseau des adhérents;organiser les événements de l'association|un bac+3 et la connaissance du monde associatif|Chargé de développement
""",
    "domicile": """
Aide à domicile|Aide à domicile|entretenir le logement;préparer les repas;accompagner les courses;apporter une présence aux personnes âgées|débutant accepté, permis B et véhicule|Aide ménagère à domicile
Auxiliaire de vie|Auxiliaire de vie|aider au lever et au coucher;accompagner la toilette;stimuler l'autonomie;accompagner les sorties|le titre d'assistant de vie aux familles|Auxiliaire de vie sociale
Responsable de secteur|Responsable de secteur|évaluer les besoins des bénéficiaires;organiser les plannings des intervenants;recruter et intégrer les aides à domicile;suivre la qualité des prestations|un bac+2 et une expérience dans le service à la personne|Responsable de secteur en SAAD
Assistant de planning|Assistante de planning|construire les plannings des intervenants;gérer les remplacements;répondre aux appels des bénéficiaires;saisir les heures réalisées|la maîtrise d'un logiciel de planification|Planificateur
Garde d'enfants à domicile|Garde d'enfants à domicile|aller chercher les enfants à l'école;préparer le goûter;accompagner les devoirs;proposer des jeux|une expérience auprès d'enfants|Garde d'enfants après l'école
Technicien de l'intervention sociale et familiale|Technicienne de l'intervention sociale et familiale|soutenir les familles dans leur quotidien;accompagner les parents dans l'éducation;intervenir sur mandat de l'aide sociale à l'enfance;rédiger les bilans d'intervention|le diplôme d'État de TISF|TISF
""",
}


class Role:
    def __init__(self, family, line):
        masc, fem, tasks, req, alt = line.split("|")
        self.family, self.masc, self.fem, self.req, self.alt = family, masc, fem, req, alt
        self.tasks = tasks.split(";")
        assert len(self.tasks) == 4, line


ROLES = {f: [Role(f, l) for l in block.strip().splitlines()] for f, block in FAMILIES.items()}
ESS_FAMILIES = {"insertion", "social", "animation", "domicile", "soin"}

# ---------------------------------------------------------------------------------------------
# Employers.

# Employer-roles: (name, short, activity), by family.
BIG_EMPLOYERS = {
    "cuisine": [("Brasserie du Grand Marché", "Grand Marché", "une brasserie de 180 couverts ouverte sept jours sur sept"),
                ("Hôtel-Restaurant Les Tilleuls", "Les Tilleuls", "un hôtel de 45 chambres avec un restaurant traditionnel"),
                ("La Marmite Coopérative (SCOP)", "La Marmite", "un restaurant coopératif et un traiteur engagé dans l'approvisionnement local"),
                ("Groupe Saveurs d'Ici", "Saveurs d'Ici", "un groupe de quatre restaurants et d'un service traiteur"),
                ("Hôtel du Parc et des Sources", "Hôtel du Parc", "un hôtel quatre étoiles avec spa et restaurant gastronomique"),
                ("Le Comptoir des Canuts", "Comptoir des Canuts", "un bistrot de quartier doublé d'une cave à manger")],
    "metal": [("Chaudronnerie Berthelot et Fils", "Berthelot", "une entreprise familiale de chaudronnerie et de tuyauterie industrielle"),
              ("Métallerie Coopérative de l'Estuaire (SCOP)", "MCE", "une coopérative de métallerie et de serrurerie"),
              ("Soudures et Structures Vasseur", "SSV", "un fabricant de structures métalliques pour l'agroalimentaire"),
              ("Ateliers Ferréol", "Ferréol", "un sous-traitant en mécanique de précision pour l'aéronautique"),
              ("Inoxalp Process", "Inoxalp", "un concepteur de cuves et d'équipements en inox")],
    "siege": [("Laboratoires Ombelle", "Ombelle", "un laboratoire de cosmétiques naturels de 250 salariés"),
              ("Plasturgie Delmotte", "Delmotte", "un fabricant d'emballages plastiques recyclés"),
              ("Coopérative laitière du Val de Brenne", "Val de Brenne", "une coopérative laitière de 600 producteurs"),
              ("Technoform Composites", "Technoform", "un spécialiste des pièces composites pour le ferroviaire"),
              ("Mutuelle Entr'aide Santé", "Entr'aide Santé", "une mutuelle de santé régionale de 90 000 adhérents")],
    "magasin": [("Hypermarché Grand Horizon", "Grand Horizon", "un hypermarché de 9 000 m² et sa galerie marchande"),
                ("Hyper Clairval", "Clairval", "un hypermarché indépendant de 220 salariés"),
                ("Maison Fourcade Électroménager et Multimédia", "Fourcade", "une enseigne régionale d'électroménager et de multimédia"),
                ("Supermarché coopératif La Cagette Solidaire", "La Cagette", "un supermarché coopératif et participatif"),
                ("Galeries Dumontel", "Dumontel", "un grand magasin de centre-ville")],
    "soin": [("EHPAD Les Glycines", "Les Glycines", "un EHPAD associatif de 90 lits"),
             ("Résidence mutualiste Le Bois Joli", "Le Bois Joli", "un établissement mutualiste de 110 places pour personnes âgées"),
             ("Association Les Jardins d'Aurore", "Jardins d'Aurore", "une association qui gère un EHPAD, un SSIAD et un accueil de jour"),
             ("Fondation Rivage Santé", "Rivage Santé", "une fondation qui gère trois établissements médico-sociaux"),
             ("Clinique mutualiste du Belvédère", "Belvédère", "une clinique de soins de suite et de réadaptation")],
    "insertion": [("Groupe Tremplin Solidaire", "Tremplin", "un ensemble d'entreprises et de chantiers d'insertion"),
                  ("Régie de quartier Les Coteaux", "Régie des Coteaux", "une régie de quartier au service des habitants et des bailleurs"),
                  ("Recyclerie La Boucle", "La Boucle", "une recyclerie qui porte un atelier chantier d'insertion"),
                  ("ESAT Les Ateliers du Moulin", "Ateliers du Moulin", "un établissement et service d'aide par le travail de 80 travailleurs"),
                  ("Coopérative Racines Communes (SCIC)", "Racines Communes", "une coopérative d'intérêt collectif de maraîchage et de réemploi")],
    "logistique": [("Entrepôts Lacombe-Martin", "Lacombe-Martin", "un prestataire logistique de 300 salariés"),
                   ("LogiNord Distribution", "LogiNord", "une plateforme de distribution pour la grande distribution"),
                   ("Transports Giraudon", "Giraudon", "un transporteur régional de marchandises"),
                   ("Logistique Solidaire du Val (entreprise d'insertion)", "Logistique Solidaire", "une entreprise d'insertion spécialisée dans la logistique")],
}
# Ordinary employers, by family ({city}: the home town; {de_city}: "de Lyon", "du Mans").
SMALL_EMPLOYERS = {
    "cuisine": ["Restaurant Le Petit Zinc", "Café associatif La Fabrique", "Traiteur solidaire Les Toques Vertes", "Hôtel des Voyageurs",
                "Restaurant d'insertion Le Bon Goût", "Brasserie Le Central", "Auberge de jeunesse {de_city}", "Cantine coopérative Le Réfectoire"],
    "metal": ["Mécanique Générale {de_city}", "Tôlerie Fontaine", "Atelier coopératif Acier Vif (SCOP)", "Usinage de Précision Morel", "Serrurerie Métallerie Duval"],
    "siege": ["Coopérative agricole Terres du Val", "Groupe associatif Horizon Solidarités", "Banque coopérative du Crédit Solidaire",
              "Union régionale des SCOP", "Imprimerie coopérative L'Encre Libre (SCOP)", "Bureau d'études Sillon Conseil"],
    "magasin": ["Supermarché coopératif Le Panier Commun", "Librairie coopérative Les Mots Passants", "Jardinerie Verte Vallée",
                "Magasin de producteurs La Ferme en Ville", "Boutique Équi'Monde {de_city}"],
    "soin": ["EHPAD associatif Les Lilas", "Centre de santé mutualiste {de_city}", "SSIAD de l'agglomération {de_city}",
             "Maison d'accueil spécialisée Le Verger", "Clinique mutualiste La Roseraie"],
    "insertion": ["Chantier d'insertion Les Bras Ouverts", "Entreprise d'insertion Répar'Tout", "Ressourcerie {de_city}",
                  "Jardins solidaires {de_city}", "Atelier vélo coopératif La Rustine"],
    "logistique": ["Transports Solidaires {de_city}", "Entrepôt coopératif Le Relais Logistique", "Coursiers à vélo Les Roues Libres (SCOP)", "Messagerie Express {de_city}"],
    "production": ["Conserverie coopérative Les Vergers", "Laiterie du Plateau", "Biscuiterie artisanale Lenoir", "ESAT Les Ateliers de la Vallée", "Entreprise adaptée Handi'Pack"],
    "social": ["Association Horizon Jeunesse", "Maison d'enfants à caractère social Les Peupliers", "CHRS L'Escale", "Association d'entraide {de_city}",
               "Crèche associative Les Petits Pas", "Foyer d'hébergement Le Phare", "Association de prévention spécialisée Rue et Cité"],
    "animation": ["Centre social Les Quatre Vents", "MJC {de_city}", "Association Récré'Action", "Maison de quartier des Buttes", "Fédération des accueils de loisirs {de_city}"],
    "domicile": ["Association Aide et Présence {de_city}", "Coopérative Les Aidants (SCIC)", "Service d'aide à domicile Le Relais des Familles", "Présence Plus {city}", "Association Domicile Solidaire"],
}
ACTIVITIES = {
    "cuisine": ["un restaurant de quartier attaché aux produits frais", "un établissement de restauration engagé contre le gaspillage", "une table conviviale qui travaille avec les producteurs locaux"],
    "metal": ["un atelier de fabrication mécanique", "une PME de la métallurgie", "un atelier de sous-traitance industrielle"],
    "siege": ["une structure de l'économie sociale et solidaire", "une entreprise régionale en développement", "un groupe coopératif"],
    "magasin": ["un commerce de proximité", "un magasin engagé pour une consommation responsable", "une enseigne indépendante"],
    "soin": ["un établissement médico-social à but non lucratif", "une structure de soins mutualiste", "un service de soins associatif"],
    "insertion": ["une structure d'insertion par l'activité économique", "un acteur du réemploi solidaire", "un chantier d'insertion"],
    "logistique": ["une entreprise de transport et de logistique", "un acteur de la logistique urbaine", "une société de messagerie"],
    "production": ["un atelier de production agroalimentaire", "une entreprise adaptée", "une unité de fabrication artisanale"],
    "social": ["une association du secteur social et médico-social", "un établissement de protection de l'enfance", "une association d'action sociale"],
    "animation": ["une association d'éducation populaire", "un équipement de quartier", "une association de loisirs éducatifs"],
    "domicile": ["un service d'aide et d'accompagnement à domicile", "une association d'aide à la personne", "une coopérative de services à domicile"],
}
VALUES = ["le travail bien fait et le respect des personnes", "la coopération et le partage des décisions", "l'accueil de tous les publics",
          "la qualité de service et l'ancrage local", "la sécurité et la formation de chacun", "la transition écologique de nos métiers"]
EXTRAS = ["Nous faisons partie de l'économie sociale et solidaire et réinvestissons nos excédents dans l'emploi local.",
          "L'entreprise est engagée dans une démarche de responsabilité sociétale et a obtenu le label Lucie.",
          "Nous accueillons chaque année des apprentis et des stagiaires.",
          "Notre gouvernance associe les salariés, les usagers et nos partenaires.",
          "Nos équipes sont accompagnées par un plan de formation ambitieux.",
          "Nous avons été reconnus entreprise inclusive en 2025."]
BENEFITS = ["mutuelle d'entreprise prise en charge à 70 %", "tickets restaurant de 9 € par jour travaillé", "6 semaines de congés payés",
            "13e mois après un an d'ancienneté", "prime de transport et forfait mobilités durables", "accès aux activités du comité social et économique",
            "parking gratuit et local vélos", "repas pris en charge pendant les services", "prime d'intéressement",
            "horaires stables du lundi au vendredi", "tenues de travail fournies et entretenues", "chèques vacances"]
CONTACTS = ["Mme Claire Vautrin", "M. Karim Belhadj", "Mme Sophie Lemarchand", "M. Julien Roussel", "Mme Nadia Ferhat", "M. Olivier Grandjean",
            "Mme Élodie Carpentier", "M. Thomas Lagarde", "Mme Fatou Diallo", "M. Antoine Mercier"]
CONTACT_ROLES = ["responsable des ressources humaines", "directrice", "directeur", "chargée de recrutement", "gérant"]
SALARIES = {
    "low": ["SMIC horaire + primes", "1 850 € brut mensuel", "12,10 € brut de l'heure", "selon la convention collective", "1 900 à 2 050 € brut mensuel"],
    "mid": ["2 100 à 2 400 € brut mensuel selon expérience", "2 300 € brut mensuel sur 13 mois", "selon la convention collective et l'expérience", "26 000 à 29 000 € brut annuel"],
    "high": ["38 000 à 45 000 € brut annuel", "selon profil et expérience", "3 100 € brut mensuel sur 13 mois", "42 000 € brut annuel + variable"],
}
FAMILY_PAY = {"cuisine": "low", "metal": "mid", "siege": "high", "magasin": "low", "soin": "mid", "insertion": "low",
              "logistique": "low", "production": "low", "social": "mid", "animation": "low", "domicile": "low"}
PARTNER = {"cuisine": "le chef de cuisine", "metal": "le chef d'atelier", "siege": "la direction générale", "magasin": "le manager du secteur",
           "soin": "l'infirmière coordinatrice", "insertion": "la coordinatrice des parcours", "logistique": "le responsable d'exploitation",
           "production": "le chef d'équipe", "social": "le chef de service", "animation": "la direction de la structure", "domicile": "la responsable de secteur"}

# Multi-town: agencies that post one ad for several towns.
AGENCIES = [("Tempora Intérim", "Tempora", "une agence d'emploi de proximité"),
            ("Interim Coop Emploi (SCOP)", "Interim Coop", "une agence d'intérim coopérative"),
            ("Alliance Travail Temporaire d'Insertion", "Alliance ETTI", "une entreprise de travail temporaire d'insertion"),
            ("AgriMobil Recrutement", "AgriMobil", "un cabinet de recrutement agricole"),
            ("Euro Staffing Opole", "Euro Staffing", "une agence de placement transfrontalière"),
            ("Novatrans Recrutement", "Novatrans", "un cabinet de recrutement pour l'industrie et la logistique")]
CLIENTS = {
    "production": ["un fabricant d'emballages en carton", "un industriel de l'agroalimentaire", "un équipementier automobile",
                   "une conserverie de fruits", "une blanchisserie industrielle"],
    "logistique": ["une plateforme logistique du commerce en ligne", "un entrepôt de la grande distribution", "un transporteur régional"],
    "insertion": ["une collectivité locale", "un bailleur social", "une entreprise du bâtiment"],
    "domicile": ["une association d'aide à domicile", "un service d'aide à la personne"],
}
ROLE_CLIENTS = {"Ouvrier agricole": ["un producteur de légumes de plein champ", "une exploitation arboricole", "un domaine viticole"],
                "Chauffeur-livreur": ["un transporteur de colis", "un grossiste alimentaire"],
                "Agent de propreté": ["une entreprise de propreté", "un centre commercial"]}
SHIFTS = {
    "industry": ["2x8 (5 h - 13 h / 13 h - 21 h)", "journée, du lundi au vendredi", "3x8 avec des week-ends ponctuels", "nuit (21 h - 5 h)"],
    "day": ["journée, du lundi au vendredi", "horaires coupés, du lundi au samedi", "matinées et fins de journée"],
}
BONUSES = ["", " + prime de panier", " + 10 % d'indemnité de fin de mission", " + prime d'équipe"]

# Chains: (name, slug, tagline, roles as Role lines).
CHAINS = [
    ("Graine de Bio", "grainedebio", "un réseau coopératif de magasins bio indépendants",
     ["Vendeur en magasin bio|Vendeuse en magasin bio|conseiller les clients sur les produits bio et locaux;mettre en rayon les fruits et légumes;tenir la caisse;participer aux animations du magasin|un intérêt pour l'alimentation durable|Employé de magasin bio",
      "Responsable de rayon vrac|Responsable de rayon vrac|gérer les commandes du vrac;veiller à l'hygiène des silos;conseiller les clients;suivre les marges du rayon|une expérience en commerce alimentaire|Responsable vrac"]),
    ("Numérique Pour Tous", "numeriquepourtous", "un réseau associatif d'inclusion numérique qui reconditionne et vend des équipements à prix solidaires",
     ["Conseiller en boutique solidaire|Conseillère en boutique solidaire|accueillir les bénéficiaires orientés par les partenaires sociaux;vendre des ordinateurs et des téléphones reconditionnés;animer des ateliers de prise en main;gérer le stock de la boutique|le goût du contact et une aisance avec le numérique|Conseiller de vente solidaire"]),
    ("Le Fil Postal", "lefilpostal", "un opérateur de services postaux et de proximité",
     ["Chargé de clientèle en bureau de poste|Chargée de clientèle en bureau de poste|accueillir et conseiller les clients au guichet;vendre les produits courrier et colis;orienter vers les services financiers;tenir la caisse du bureau|une première expérience en relation client|Guichetier",
      "Facteur|Factrice|trier le courrier de la tournée;distribuer le courrier et les colis;remettre les lettres recommandées;proposer les services de proximité|le permis B|Agent de distribution du courrier"]),
    ("Recyclo", "recyclo", "un réseau de ressourceries solidaires",
     ["Vendeur valoriste|Vendeuse valoriste|trier et valoriser les objets donnés;mettre en rayon la boutique;tenir la caisse;conseiller les clients sur le réemploi|débutant accepté, poste en parcours d'insertion|Valoriste en boutique"]),
    ("Vélocité Atelier", "velocite", "un réseau d'ateliers vélo coopératifs",
     ["Mécanicien cycles en atelier|Mécanicienne cycles en atelier|réparer les vélos des clients;assembler les vélos neufs;conseiller sur les équipements;gérer les rendez-vous de l'atelier|un CQP technicien cycles|Technicien vélo"]),
    ("Optique Mutualiste Horizon", "optiquehorizon", "un réseau d'opticiens mutualistes",
     ["Opticien|Opticienne|réaliser les examens de vue;conseiller les clients sur les montures;monter les verres à l'atelier;gérer le tiers payant|le BTS opticien-lunetier|Opticien lunetier"]),
    ("Au Fournil Partagé", "fournilpartage", "un réseau de boulangeries coopératives",
     ["Vendeur en boulangerie|Vendeuse en boulangerie|accueillir et servir les clients;mettre en place la vitrine;encaisser les ventes;entretenir la boutique|une première expérience en vente alimentaire|Employé de vente en boulangerie"]),
]

# ---------------------------------------------------------------------------------------------
# Feeds: id, scope tokens, place style, title style, contract style, truncate at, employer
# style, one-line text. Scope tokens: "national", "r<region>", "f:<family>", "agency".

FEEDS = [
    dict(id="toutes-offres", scope={"national"}, place="commune_dept", title="raw", contract="code", trunc=0, emp="full", flat=False),
    dict(id="jobmix-fr", scope={"national"}, place="cp_commune", title="hf_suffix", contract="long", trunc=600, emp="upper", flat=True, copy_link=0.4),
    dict(id="offrescope", scope={"national"}, place="commune", title="raw", contract="code_time", trunc=0, emp="short", flat=False),
    dict(id="emploi-direct", scope={"national", "agency"}, place="commune_region", title="no_marker", contract="code", trunc=450, emp="full", flat=True, apply_link=True),
    dict(id="service-public-emploi", scope={"national"}, place="ft", title="raw", contract="ft", trunc=0, emp="full_or_none", flat=False),
    dict(id="ess-national-jobs", scope={"f:" + f for f in ESS_FAMILIES}, place="commune_dept", title="raw", contract="long", trunc=0, emp="full", flat=False),
    dict(id="solidaires-emploi", scope={"f:" + f for f in ESS_FAMILIES} | {"f:insertion"}, place="commune", title="fh", contract="code", trunc=0, emp="short", flat=False),
    dict(id="hotellerie-restau-jobs", scope={"f:cuisine"}, place="commune_dept", title="upper", contract="code", trunc=0, emp="full", flat=False),
    dict(id="metiers-industrie", scope={"f:metal", "f:siege", "f:production"}, place="cp_commune", title="raw", contract="code_time", trunc=0, emp="full", flat=False),
    dict(id="commerce-vente-recrute", scope={"f:magasin", "chain"}, place="commune", title="raw", contract="code", trunc=700, emp="upper", flat=False),
    dict(id="soin-et-accompagnement", scope={"f:soin", "f:domicile", "f:social"}, place="commune_dept", title="raw", contract="long", trunc=0, emp="full", flat=False),
    dict(id="logistique-transport-emploi", scope={"f:logistique", "f:production", "agency"}, place="ft", title="upper", contract="ft", trunc=0, emp="short", flat=False),
    dict(id="insertion-iae-offres", scope={"f:insertion"}, place="commune_dept", title="raw", contract="code", trunc=0, emp="full", flat=False),
    dict(id="animation-jeunesse-emploi", scope={"f:animation"}, place="commune", title="hf_suffix", contract="code", trunc=0, emp="full", flat=False),
]
_styles = [("commune_dept", "raw", "code", "full"), ("cp_commune", "raw", "long", "full"), ("commune", "fh", "code_time", "short"),
           ("ft", "raw", "ft", "full"), ("commune_region", "hf_suffix", "code", "upper")]
for i, (region, fid) in enumerate(sorted(set((r, f) for r, f in REGION_FEED.items() if r != "94"))):
    p, t, c, e = _styles[i % len(_styles)]
    scope = {"r" + region} | ({"r94"} if fid == "sud-emploi-paca" else set())
    FEEDS.append(dict(id=fid, scope=scope, place=p, title=t, contract=c, trunc=0, emp=e, flat=False))
MAX_OWN_FEEDS = 9

# ---------------------------------------------------------------------------------------------
# Text helpers.

VOWELS = "aeiouyéèêàâîôûœh"
MARKERS = ["H/F", "(H/F)", "F/H", "(F/H)", ""]


def de(phrase):
    return ("d'" + phrase) if phrase[0].lower() in VOWELS else ("de " + phrase)


def lower_first(s):
    return s[0].lower() + s[1:] if len(s) > 1 and s[1].islower() else s


def upper_first(s):
    return s[:1].upper() + s[1:]


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", fold(s)).strip("-")


def a_place(name):
    """'à Lyon', 'au Havre', 'aux Sables-d'Olonne'."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    return "à " + name


def de_place(name):
    """'de Lyon', 'd'Angers', 'du Mans', 'des Ulis'."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    return de(name)


def fr_date(d):
    return d.strftime("%d/%m/%Y")


def hours_text(h):
    hh = "17 h 30" if h == 17.5 else f"{int(h)} h"
    return f"{hh} hebdomadaires ({'temps plein' if h >= 35 else 'temps partiel'})", hh


def contract_text(c, m):
    """(phrase after 'recrute un X', noun) for a contract code and a length in months."""
    return {
        "CDI": ("en CDI", "CDI"),
        "CDD": (f"en CDD de {m} mois", f"CDD de {m} mois"),
        "MIS": (f"en mission d'intérim de {m} mois", f"mission d'intérim de {m} mois"),
        "CDDI": (f"en CDD d'insertion de {m} mois", f"CDD d'insertion de {m} mois"),
        "SAIS": (f"en contrat saisonnier de {m} mois", f"contrat saisonnier de {m} mois"),
    }[c]


def contract_field(job, style):
    c, m, h = job.contract, job.months, job.hours
    if style == "code":
        return {"CDI": "CDI", "CDD": "CDD", "MIS": "Intérim", "CDDI": "CDD d'insertion", "SAIS": "Saisonnier"}[c]
    if style == "long":
        return {"CDI": "Contrat à durée indéterminée", "CDD": "Contrat à durée déterminée", "MIS": "Travail temporaire",
                "CDDI": "Contrat à durée déterminée d'insertion", "SAIS": "Contrat saisonnier"}[c]
    if style == "ft":
        return {"CDI": "CDI", "CDD": f"CDD - {m} Mois", "MIS": f"Mission intérimaire - {m} Mois",
                "CDDI": f"CDD - {m} Mois", "SAIS": f"Contrat travail saisonnier - {m} Mois"}[c]
    if style == "code_time":
        base = {"CDI": "CDI", "CDD": "CDD", "MIS": "Intérim", "CDDI": "CDDI", "SAIS": "Saisonnier"}[c]
        return f"{base} - {'Temps plein' if h >= 35 else 'Temps partiel'}"
    raise ValueError(style)


def place_field(place, style):
    if place.foreign:
        return place.name
    label = place.label
    if style == "commune":
        return label
    if style == "commune_dept":
        return f"{label} ({place.dept})"
    if style == "cp_commune":
        return f"{place.cp} {place.name}"
    if style == "ft":
        up = fold(place.name).upper() if place.name not in QUARTERS else f"{place.name.upper()} {place.cp[-2:]}"
        return f"{place.dept} - {up}"
    if style == "commune_region":
        return f"{label}, {place.region_name}"
    if style == "dept":
        return f"{place.dept_name} ({place.dept})"
    if style == "dept_name":
        return place.dept_name
    raise ValueError(style)


def render_title(core, marker, suffix, marker_last):
    if suffix and marker_last:
        return f"{core}{suffix} {marker}".strip()
    return f"{core}{' ' + marker if marker else ''}{suffix}"


def strip_marker(title):
    return re.sub(r"\s*\(?\b[HF]\s*/\s*[FH](\s*/\s*X)?\)?", "", title).strip()


def title_field(title, style):
    if style == "upper":
        return title.upper()
    if style == "hf_suffix":
        return strip_marker(title) + " (H/F)"
    if style == "no_marker":
        return strip_marker(title)
    if style == "fh":
        return strip_marker(title) + " F/H"
    return title


# Rewording of a rewritten ad (semantic duplicates). Applied phrase by phrase, each with a
# probability; never touches figures, dates, towns or shop names.
SYNONYMS = [
    ("Nous recrutons", "Nous recherchons"), ("nous recrutons", "nous recherchons"),
    ("Rejoignez", "Intégrez"), ("au sein de", "dans"), ("rémunération", "salaire"), ("Rémunération", "Salaire"),
    ("mutuelle d'entreprise", "complémentaire santé"), ("tickets restaurant", "titres-restaurant"),
    ("Envoyez", "Adressez"), ("CV et lettre de motivation", "lettre de motivation et CV"),
    ("assurer", "garantir"), ("réaliser", "effectuer"), ("participer", "prendre part"), ("accompagner", "soutenir"),
    ("organiser", "planifier"), ("contrôler", "vérifier"), ("gérer", "piloter"),
    ("Poste à pourvoir", "Prise de poste"), ("dès que possible", "rapidement"), ("salariés", "collaborateurs"),
    ("exigé", "obligatoire"), ("première expérience", "expérience préalable"), ("clients", "clientèle"),
]


def reword(text, rng, keep):
    for a, b in SYNONYMS:
        if a in text and rng.random() < 0.7:
            if a == "clients":
                text = re.sub(r"\bles clients\b", "la clientèle", text)
                continue
            new = re.sub(r"(?<![\w-])" + re.escape(a) + r"(?![\w-])", b, text)
            if all(k in new for k in keep):
                text = new
    return text


def cut(text, n):
    if len(text) <= n:
        return text
    return text[:n].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


# ---------------------------------------------------------------------------------------------
# Model.


class Employer:
    def __init__(self, name, short, activity, family, place, rng, area=None):
        self.name, self.short, self.activity, self.family, self.place = name, short, activity, family, place
        self.area = area
        self.year = rng.randint(1952, 2019)
        self.staff = rng.choice([14, 25, 38, 60, 85, 140, 220, 400])
        self.value = rng.choice(VALUES)
        self.extra = rng.choice(EXTRAS)
        self.benefits = rng.sample(BENEFITS, rng.randint(4, 6))
        self.contact = rng.choice(CONTACTS)
        self.contact_role = rng.choice(CONTACT_ROLES)
        words = [w for w in slug(short).split("-") if w not in ("de", "du", "des", "la", "le", "les", "l", "d", "et")]
        self.domain = "".join(words[:3])[:18] + rng.choice([".fr", ".org", ".coop", "-recrute.fr"])
        self.email = rng.choice(["recrutement", "emploi", "rh", "candidatures"]) + "@" + self.domain
        self.voice = rng.randrange(3)       # sentence frames of the original wording
        self.layout = rng.randrange(2)      # presentation first, or the job first
        self.apply_kind = rng.randrange(3)
        self.own_feed = None

    def intro(self, style):
        city = self.place.label
        if style == 0:
            return [[f"{self.name}, c'est {self.activity} {a_place(city)} depuis {self.year}.",
                     f"Nos {self.staff} salariés partagent une même exigence : {self.value}.", self.extra],
                    [f"Depuis {self.year}, {self.name} fait vivre {a_place(city)} {self.activity}.",
                     f"Avec {self.staff} salariés, nous défendons {self.value}.", self.extra],
                    [f"Vous cherchez un employeur qui a du sens ? {self.name} recrute {a_place(city)}.",
                     f"Notre structure, présente depuis {self.year}, compte {self.staff} salariés.", self.extra,
                     f"Au quotidien, nous défendons {self.value}."]][self.voice]
        return [f"Qui sommes-nous ? {self.name} : {self.activity}, depuis {self.year}.",
                f"L'équipe compte {self.staff} personnes {a_place(city)} et défend {self.value}.", self.extra]

    def benefits_par(self, style):
        if style == 0:
            head = ["Ce que nous offrons :", "Nos avantages :", "Pourquoi nous rejoindre ?"][self.voice]
            return [head + " " + upper_first(", ".join(self.benefits)) + "."]
        items = self.benefits[::-1]
        return ["Les plus du poste : " + " ; ".join(items) + "."]


class Job:
    n = 0

    def __init__(self, cls, role, emp, place, contract, months, hours, salary, start, published, rng, batch):
        Job.n += 1
        self.id = f"hj{Job.n:05d}"
        self.cls, self.role, self.emp, self.place = cls, role, emp, place
        self.contract, self.months, self.hours, self.salary, self.start = contract, months, hours, salary, start
        self.published, self.batch = published, batch
        self.deadline = published.date() + dt.timedelta(days=rng.randrange(14, 40))
        self.marker = rng.choice(MARKERS[:4])
        self.suffix = ""
        self.marker_last = False
        self.tasks = role.tasks[:]
        self.n_tasks = 4
        self.hours_in_header = False
        self.code = None
        self.distinct = []          # words a duplicate must keep (they tell the job from its siblings)
        self.shop = None            # chain: (shop name, address line)
        self.text_kind = "standard"

    @property
    def core(self):
        return self.role.masc

    def art(self):
        return "un(e)" if self.emp.voice == 2 else "un"

    # -- paragraphs: lists of sentences; style 0 = the original wording, 1 = a rewrite.
    def paragraphs(self, style, rng=None):
        if self.text_kind == "agency":
            return self.agency_paragraphs(style, rng)
        if self.text_kind == "chain":
            return self.chain_paragraphs(style, rng)
        return self.standard_paragraphs(style, rng)

    def header_bits(self):
        cp, cnoun = contract_text(self.contract, self.months)
        hp, _ = hours_text(self.hours)
        extra = f", {hp}" if self.hours_in_header else ""
        return cp, cnoun, hp, extra

    def start_text(self):
        return "dès que possible" if self.start is None else f"le {fr_date(self.start)}"

    def role_par(self, style, rng):
        t = self.tasks[:self.n_tasks]
        tl = lower_first(self.core)
        cp, cnoun, hp, extra = self.header_bits()
        v = self.emp.voice
        if style == 0:
            if v in (0, 2):
                s = [f"Nous recrutons {self.art()} {tl} {cp}{extra}.", f"Vous serez chargé(e) {de(t[0])}."]
                frames = ["Vous aurez aussi à {}.", "Il vous appartiendra {}.", "Vous devrez enfin {}."]
                for i, task in enumerate(t[1:]):
                    s.append(frames[i].format(task if i != 1 else de(task)))
                return s
            s = [f"Poste : {tl} {cp}{extra}.", "Missions : " + " ; ".join(t) + "."]
            if self.n_tasks >= 3:
                s.append(f"Vous travaillerez en lien avec {PARTNER[self.role.family]}.")
            return s
        t = t[:]
        rng.shuffle(t)
        s = [f"{upper_first(tl)} (H/F) recherché(e) {cp}{extra}.",
             "Au quotidien, vous allez " + ", ".join(t[:-1]) + (" et " if len(t) > 1 else "") + t[-1] + "."]
        return s

    def profile_par(self, style):
        if style == 0:
            return [[f"Profil recherché : {self.role.req}.", f"Vous avez : {self.role.req}.", f"Ce que nous attendons : {self.role.req}."][self.emp.voice]]
        return [f"Pour réussir dans ce poste, il faut {self.role.req}."]

    def conditions_par(self, style):
        _, cnoun, hp, _ = self.header_bits()
        if style == 0:
            return [f"Contrat : {cnoun}.", f"Temps de travail : {hp}.", f"Rémunération : {self.salary}.", f"Poste à pourvoir {self.start_text()}."]
        st = "dès que possible" if self.start is None else f"à partir du {fr_date(self.start)}"
        return [f"Conditions : {cnoun}, {hp}, {self.salary}, prise de poste {st}."]

    def apply_par(self, style, deadline):
        ref = f" (réf. {self.code})" if self.code else ""
        e = self.emp
        if style == 0:
            return [[f"Envoyez CV et lettre de motivation à {e.email} en précisant l'intitulé du poste{ref}.",
                     f"Pour postuler, adressez votre candidature (CV et lettre de motivation) à {e.contact}, {e.contact_role}, par courriel : {e.email}{ref}.",
                     f"Candidatures à envoyer à {e.email} avant le {fr_date(deadline)}{ref}. Les entretiens ont lieu au fil de l'eau."][e.apply_kind]]
        return [f"Intéressé(e) ? Écrivez à {e.email}{ref}, date limite le {fr_date(deadline)}."]

    def standard_paragraphs(self, style, rng, deadline=None):
        d = deadline or self.deadline
        intro = self.emp.intro(style)
        role = self.role_par(style, rng)
        prof = self.profile_par(style)
        cond = self.conditions_par(style)
        ben = self.emp.benefits_par(style)
        app = self.apply_par(style, d)
        if style == 1:
            return [intro, role, cond, prof, app, ben]
        if self.emp.layout == 0:
            return [intro, role, prof, cond, ben, app]
        return [role, prof, cond, intro, ben, app]

    def agency_paragraphs(self, style, rng):
        a = self.emp
        tl = lower_first(self.core)
        cp, cnoun, hp, _ = self.header_bits()
        t = self.tasks[:self.n_tasks]
        if style == 0:
            return [[f"{a.name}, {a.activity}, recrute pour l'un de ses clients, {self.client}, {self.art()} {tl} (H/F) {cp}."],
                    ["Vos missions :"] + [f"- {x}" for x in t],
                    [f"Profil : {self.role.req}.", f"Horaires : {self.shift}."],
                    [f"Rémunération : {self.salary}{self.bonus}.", f"Durée : {hp}, {self.term()}."],
                    ["Postulez en ligne en joignant votre CV : un conseiller de l'agence vous rappelle sous deux jours."]]
        t = t[:]
        rng.shuffle(t)
        return [[f"Pour {self.client}, {a.name} cherche {self.art()} {tl} {cp}."],
                ["Au programme : " + ", ".join(t) + "."],
                [f"Organisation : {self.shift}, {hp}.", f"Salaire : {self.salary}{self.bonus}.", f"Il faut {self.role.req}."],
                ["Candidature en ligne, réponse rapide de l'agence."]]

    def term(self):
        return {"MIS": "mission renouvelable", "CDD": "contrat renouvelable", "CDI": "poste durable en CDI",
                "SAIS": "pour toute la saison", "CDDI": "parcours renouvelable"}[self.contract]

    def chain_paragraphs(self, style, rng):
        c = self.chain
        tl = lower_first(self.core)
        cp, cnoun, hp, _ = self.header_bits()
        shop, addr, email = self.shop
        t = self.tasks[:self.n_tasks]
        apply = (f"Envoyez votre candidature à {email}." if email
                 else f"Postulez sur notre site carrières en indiquant le magasin {de_place(shop)}.")
        if style == 0:
            return [[f"{c['name']}, {c['tagline']}, compte plus de {c['shops']} points de vente en France.", c["extra"]],
                    [f"Pour notre magasin {de_place(shop)} ({addr}), nous recherchons {self.art()} {tl} {cp}."],
                    ["Vos missions :"] + [f"- {x}" for x in t],
                    [f"Profil : {self.role.req}."],
                    [f"Temps de travail : {hp}.", f"Rémunération : {self.salary}.", f"Poste à pourvoir {self.start_text()}."],
                    [c["benefits"]], [apply]]
        t = t[:]
        rng.shuffle(t)
        return [[f"Le magasin {c['name']} {de_place(shop)} ({addr}) renforce son équipe : {self.art()} {tl} {cp}."],
                ["Vous aurez à " + ", ".join(t) + "."],
                [f"Nous vous proposons {hp}, {self.salary}, à partir {('de maintenant' if self.start is None else 'du ' + fr_date(self.start))}."],
                [f"Il faut {self.role.req}."], [apply], [c["benefits"]]]


# ---------------------------------------------------------------------------------------------
# Generation.


class Gen:
    def __init__(self, seed, geo):
        self.seed = seed
        self.rng = random.Random(seed)
        self.geo = geo
        self.jobs = []
        self.taken = set()
        self.batches = {}
        self.own_feeds = []
        self.start = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)

    def local_rng(self, *key):
        return random.Random(f"{self.seed}:" + ":".join(map(str, key)))

    def pub(self, day=None):
        r = self.rng
        day = r.randrange(0, 80) if day is None else day
        return self.start + dt.timedelta(days=day, hours=r.randrange(6, 19), minutes=r.randrange(60))

    def area(self):
        return self.rng.choice(sorted(self.geo.areas))

    def salary(self, family):
        return self.rng.choice(SALARIES[FAMILY_PAY[family]])

    def contract(self, cls_hint=None):
        r = self.rng
        c = r.choices(["CDI", "CDD", "MIS", "CDDI", "SAIS"], weights=[50, 30, 8, 7, 5])[0]
        return c, r.choice([3, 4, 6, 8, 12, 18]) if c != "CDI" else 0

    def start_date(self, pub):
        if self.rng.random() < 0.35:
            return None
        return (pub + dt.timedelta(days=self.rng.randrange(10, 70))).date()

    def new_job(self, cls, role, emp, place, batch, contract=None, months=None, hours=None, salary=None, start="draw", published=None):
        r = self.rng
        if contract is None:
            contract, months = self.contract()
        hours = hours if hours is not None else r.choice([35, 35, 35, 39, 28, 24, 30])
        published = published or self.pub()
        start = self.start_date(published) if start == "draw" else start
        job = Job(cls, role, emp, place, contract, months, hours, salary or self.salary(role.family), start, published, r, batch)
        return job

    def keep(self, job, *extra):
        key = (job.emp.name, job.emp.place.name, job.core, job.suffix, job.place.label, job.place.cp, job.contract, job.months,
               job.hours, job.start, job.shop[0] if job.shop else None) + extra
        if key in self.taken:
            return False  # a rejected job's id is simply not used
        self.taken.add(key)
        self.jobs.append(job)
        return True

    def maybe_own_feed(self, emp, p):
        if emp.own_feed is None and len(self.own_feeds) < MAX_OWN_FEEDS and self.rng.random() < p:
            fid = "wp-" + slug(emp.short)[:24].strip("-")
            if fid in self.own_feeds or any(f["id"] == fid for f in FEEDS):
                fid = f"{fid}-{len(self.own_feeds)}"
            emp.own_feed = fid
            self.own_feeds.append(fid)

    # -- classes
    def employer_roles(self):
        r = self.rng
        family = r.choice(sorted(BIG_EMPLOYERS))
        name, short, activity = r.choice(BIG_EMPLOYERS[family])
        area = self.area()
        place = r.choice(self.geo.areas[area][:3])
        emp = Employer(name, short, activity, family, place, r, area)
        self.maybe_own_feed(emp, 0.35)
        roles = ROLES[family]
        n = min(len(roles), r.choice([5, 6, 7, 8, 9, 10, 12, 14, 16, 20]))
        chosen = r.sample(roles, n)
        batch = f"er{len(self.batches)}"
        self.batches[batch] = "employer-roles"
        pub = self.pub()
        same = r.random() < 0.45
        shared_hours, shared_salary = r.choice([35, 35, 39]), self.salary(family)
        shared_contract = self.contract()
        codes = r.random() < 0.4
        made = 0
        for i, role in enumerate(chosen):
            c, m = shared_contract if same else self.contract()
            job = self.new_job("employer-roles", role, emp, place, batch, contract=c, months=m,
                               hours=shared_hours if same else None, salary=shared_salary if same else None,
                               published=pub + dt.timedelta(minutes=r.randrange(0, 40)))
            job.n_tasks = r.randint(1, 3)  # role part: a header and 1-3 sentences
            job.tasks = r.sample(role.tasks, 4)
            if codes:
                job.code = f"{slug(short)[:3].upper()}-{pub.year}-{i + 11:02d}"
            made += self.keep(job)
        return made

    def multi_town(self):
        r = self.rng
        mode = r.choices(["fr", "mixed", "foreign"], weights=[55, 30, 15])[0]
        area = self.area()
        n = r.randint(2, 5)
        if mode == "fr":
            towns = r.sample(self.geo.areas[area], min(n, len(self.geo.areas[area])))
        elif mode == "mixed":
            k = r.randint(1, max(1, n - 1))
            towns = r.sample(self.geo.areas[area], min(k, len(self.geo.areas[area]))) + r.sample(self.geo.foreign, n - k)
        else:
            towns = r.sample(self.geo.foreign, n)
        name, short, activity = AGENCIES[4] if mode == "foreign" else r.choice(AGENCIES)
        emp = Employer(name, short, activity, "agency", towns[0], r, area)
        self.maybe_own_feed(emp, 0.25)
        family = r.choice(["production", "production", "logistique", "insertion", "domicile"])
        role = r.choice(ROLES[family])
        batch = f"mt{len(self.batches)}"
        self.batches[batch] = "multi-town"
        c, m = r.choice([("MIS", r.choice([1, 3, 6])), ("CDD", r.choice([3, 6])), ("CDI", 0), ("SAIS", r.choice([2, 4]))])
        hours, salary = r.choice([35, 35, 37, 39]), self.salary(family)
        pub = self.pub()
        client = r.choice(ROLE_CLIENTS.get(role.masc) or CLIENTS[family])
        shift = r.choice(SHIFTS["industry" if family in ("production", "logistique") else "day"])
        bonus = r.choice(BONUSES) if c in ("MIS", "SAIS") else ""
        sep = r.choice([" - ", " – ", " / "])
        marker = r.choice(MARKERS[:4])
        marker_last = r.random() < 0.5
        tasks = r.sample(role.tasks, 4)
        n_tasks = r.randint(3, 4)
        made = 0
        for t in towns:
            job = self.new_job("multi-town", role, emp, t, batch, contract=c, months=m, hours=hours, salary=salary,
                               start=None, published=pub + dt.timedelta(minutes=r.randrange(0, 15)))
            job.text_kind = "agency"
            job.client, job.shift, job.bonus = client, shift, bonus
            job.suffix = f"{sep}{t.label}"
            job.marker, job.marker_last = marker, marker_last
            job.tasks, job.n_tasks = tasks, n_tasks
            job.apply_link = f"https://{emp.domain.split('.')[0]}.example.net/candidature/{batch}"
            made += self.keep(job)
        return made

    def hours_contract(self):
        r = self.rng
        family = r.choice(["social", "animation", "domicile", "insertion", "soin", "magasin", "siege", "cuisine"])
        area = self.area()
        place = r.choice(self.geo.areas[area])
        name = r.choice(SMALL_EMPLOYERS.get(family, SMALL_EMPLOYERS["social"])).format(city=place.name, de_city=de_place(place.name))
        emp = Employer(name, re.sub(r"^(Association|Centre|Coopérative|Service d'aide à domicile|EHPAD associatif) ", "", name),
                       r.choice(ACTIVITIES[family]), family, place, r, area)
        self.maybe_own_feed(emp, 0.15)
        role = r.choice(ROLES[family])
        variant = r.choice(["hours", "hours", "cdi-cdd", "cdd-length", "start"])
        batch = f"hc{len(self.batches)}"
        self.batches[batch] = "hours-contract"
        pub = self.pub()
        salary = self.salary(family)
        base_start = (pub + dt.timedelta(days=r.randrange(10, 40))).date()
        if variant == "hours":
            opts = r.sample([35, 28, 24, 17.5], r.choice([2, 2, 3]))
            specs = [dict(contract="CDI", months=0, hours=h, start=base_start) for h in opts]
            dist = [[hours_text(h)[1]] for h in opts]
        elif variant == "cdi-cdd":
            m = r.choice([6, 6, 8, 12])
            specs = [dict(contract="CDI", months=0, hours=35, start=base_start), dict(contract="CDD", months=m, hours=35, start=base_start)]
            dist = [["CDI"], [f"CDD de {m} mois"]]
        elif variant == "cdd-length":
            ms = r.sample([3, 6, 12, 18], 2)
            h = r.choice([35, 28])
            specs = [dict(contract="CDD", months=m, hours=h, start=base_start) for m in ms]
            dist = [[f"{m} mois"] for m in ms]
        else:
            h = r.choice([35, 24])
            c, m = r.choice([("CDI", 0), ("CDD", 6)])
            d2 = base_start + dt.timedelta(days=r.choice([28, 56, 91, 120]))
            specs = [dict(contract=c, months=m, hours=h, start=base_start), dict(contract=c, months=m, hours=h, start=d2)]
            dist = [[fr_date(base_start)], [fr_date(d2)]]
        hours_in_header = r.random() < 0.5
        tasks = r.sample(role.tasks, 4)
        n_tasks = r.randint(3, 4)
        marker = r.choice(MARKERS[:4])
        jobs = []
        for spec, d in zip(specs, dist):
            job = self.new_job("hours-contract", role, emp, place, batch, salary=salary,
                               published=pub + dt.timedelta(minutes=r.randrange(0, 30)), **spec)
            job.hours_in_header = hours_in_header and variant == "hours"
            job.tasks, job.n_tasks, job.marker = tasks, n_tasks, marker
            job.distinct = d
            jobs.append(job)
        return self.keep_siblings(jobs)

    def keep_siblings(self, jobs):
        """Keeps a batch whose jobs each hold their distinctive words and none of a sibling's."""
        texts = [self.text(j, 0, None) for j in jobs]
        for i, j in enumerate(jobs):
            if not all(d in texts[i] for d in j.distinct):
                raise AssertionError(f"{j.id}: {j.distinct} not in its own text")
            for k, other in enumerate(jobs):
                if k != i and any(d in texts[i] for d in other.distinct):
                    return 0
        return sum(self.keep(j) for j in jobs)

    def chain(self):
        r = self.rng
        name, cslug, tagline, lines = r.choice(CHAINS)
        role = Role("magasin", r.choice(lines))
        area = self.area()
        towns = self.geo.areas[area]
        main = towns[0]
        quarters = QUARTERS.get(main.name) or [(q, main.cp) for q in GENERIC_QUARTERS]
        shops = []
        for q, cp in r.sample(quarters, r.randint(2, 3)):
            shops.append((main.with_cp(cp), f"{main.name} {q}" if main.name in QUARTERS else f"{main.name} {q}", q))
        for t in r.sample(towns[1:], min(len(towns) - 1, r.randint(1, 3))):
            shops.append((t, t.name, t.name))
        chain = dict(name=name, tagline=tagline, shops=r.choice([40, 65, 120, 200]),
                     extra=r.choice(EXTRAS), benefits="Nos avantages : " + ", ".join(r.sample(BENEFITS, 4)) + ".")
        per_shop_employer = r.random() < 0.25
        title_suffix = r.random() < 0.3
        batch = f"ch{len(self.batches)}"
        self.batches[batch] = "chain"
        pub = self.pub()
        c, m = r.choice([("CDI", 0), ("CDI", 0), ("CDD", 6), ("CDD", 3)])
        hours, salary = r.choice([35, 30, 24]), self.salary("magasin")
        start = self.start_date(pub)
        emp0 = Employer(name, name, tagline, "chain", main, r, area)
        self.maybe_own_feed(emp0, 0.4)
        tasks = r.sample(role.tasks, 4)
        emails = r.random() < 0.5
        jobs = []
        for place, shop, distinct in shops:
            emp = emp0
            if per_shop_employer:
                emp = Employer(f"{name} {shop}", name, tagline, "chain", place, r, area)
                emp.own_feed = emp0.own_feed
                emp.voice, emp.domain = emp0.voice, emp0.domain
            job = self.new_job("chain", role, emp, place, batch, contract=c, months=m, hours=hours, salary=salary, start=start,
                               published=pub + dt.timedelta(minutes=r.randrange(0, 50)))
            job.text_kind = "chain"
            job.chain = chain
            addr = f"{r.randint(2, 180)} {r.choice(STREETS)}, {place.cp} {place.name}"
            job.shop = (shop, addr, f"{slug(distinct)}@{cslug}.fr" if emails else None)
            job.tasks, job.n_tasks = tasks, 4
            job.distinct = [distinct]
            if title_suffix:
                job.suffix = f" - {shop}"
            jobs.append(job)
        return self.keep_siblings(jobs)

    def ordinary(self):
        r = self.rng
        family = r.choices(sorted(SMALL_EMPLOYERS), weights=[6 if f in ESS_FAMILIES else 3 for f in sorted(SMALL_EMPLOYERS)])[0]
        area = self.area()
        place = r.choice(self.geo.areas[area])
        name = r.choice(SMALL_EMPLOYERS[family]).format(city=place.name, de_city=de_place(place.name))
        key = (name, place.name)
        emp = self.employers.get(key)
        if emp is None:
            emp = Employer(name, re.sub(r"^(Association|Centre|Coopérative|Restaurant|Entreprise d'insertion|Chantier d'insertion) ", "", name),
                           r.choice(ACTIVITIES[family]), family, place, r, area)
            self.employers[key] = emp
        role = r.choice(ROLES[family])
        job = self.new_job("ordinary", role, emp, place, None)
        job.tasks = r.sample(role.tasks, 4)
        job.n_tasks = r.randint(3, 4)
        if r.random() < 0.2:
            job.code = f"{r.randrange(100, 999)}-{r.randrange(1000, 9999)}"
        return self.keep(job)

    def build(self, n_jobs):
        self.employers = {}
        target_hard = n_jobs // 2
        made = 0
        while made < target_hard:
            cls = self.rng.choices(["employer-roles", "multi-town", "hours-contract", "chain"], weights=[22, 25, 30, 28])[0]
            made += getattr(self, cls.replace("-", "_"))()
        while len(self.jobs) < n_jobs:
            self.ordinary()

    # -- postings
    def text(self, job, style, rng, deadline=None, prefix=None, flat=False):
        rng = rng or self.local_rng(job.id, "orig")
        if job.text_kind == "standard":
            pars = job.standard_paragraphs(style, rng, deadline)
        else:
            pars = job.paragraphs(style, rng)
        out = [" ".join(p) if flat or not (p and p[0].endswith(":") and len(p) > 1 and p[1].startswith("- ")) else "\n".join(p) for p in pars]
        if prefix:
            out.insert(0, prefix)
        return (" " if flat else "\n").join(out)

    def feeds_for(self, job):
        tokens = {"national", "f:" + job.role.family}
        if job.place.region:
            tokens.add("r" + job.place.region)
        if job.cls == "chain":
            tokens.add("chain")
        if job.text_kind == "agency":
            tokens.add("agency")
        return [f for f in FEEDS if f["scope"] & tokens]

    def choose_feeds(self, job):
        r = self.rng
        if job.batch and job.batch in self.batch_feeds:
            base = self.batch_feeds[job.batch]
            chosen = [base[0]] + [f for f in base[1:] if r.random() < 0.85]
            return chosen
        cands = self.feeds_for(job)
        n = r.choices([1, 2, 3, 4], weights=[10, 30, 34, 26])[0]
        chosen = r.sample(cands, min(n, len(cands)))
        if job.emp.own_feed:
            chosen = [dict(id=job.emp.own_feed, scope=set(), place="commune", title="raw", contract="code", trunc=0,
                           emp="full", flat=False, own=True)] + chosen[: max(1, n - 1)]
        if job.batch:
            self.batch_feeds[job.batch] = chosen
        return chosen

    def post_all(self):
        r = self.rng
        self.batch_feeds = {}
        counters, rows, used_refs = {}, [], set()
        for job in self.jobs:
            feeds = self.choose_feeds(job)
            orig_link = None
            for i, feed in enumerate(feeds):
                kind = "original" if i == 0 else r.choices(["full", "semantic", "temporal", "partial"], weights=[30, 25, 20, 25])[0]
                row = self.posting(job, feed, kind, i, orig_link, counters, used_refs)
                if i == 0:
                    orig_link = row["link"]
                rows.append(row)
        rows.sort(key=lambda x: (x["published"], x["posting"]))
        return rows

    def posting(self, job, feed, kind, i, orig_link, counters, used_refs):
        r = self.rng
        lr = self.local_rng(job.id, i)
        pub = job.published
        core, marker, suffix, marker_last = job.core, job.marker, job.suffix, job.marker_last
        emp = job.emp
        employer = emp.name
        place_style = feed["place"]
        contract_style = feed["contract"]
        drop_contract = False
        what = []
        style, prefix, deadline, do_cut, reworded = 0, None, None, None, False
        if kind == "full":
            pub += dt.timedelta(hours=r.randrange(1, 36))
            if r.random() < 0.5:
                marker = r.choice(MARKERS)
        elif kind == "semantic":
            pub += dt.timedelta(hours=r.randrange(2, 72))
            role = job.role
            core = r.choice([role.fem, f"{role.masc} / {role.fem}" if role.fem != role.masc else role.alt, role.alt])
            marker = r.choice(MARKERS)
            style, reworded = 1, True
            if r.random() < 0.3:
                employer = emp.short
        elif kind == "temporal":
            days = r.randrange(3, 22)
            pub += dt.timedelta(days=days, hours=r.randrange(0, 5))
            deadline = job.deadline + dt.timedelta(days=days)
            prefix = r.choice([f"Offre actualisée le {fr_date(pub)} : le poste est toujours à pourvoir.",
                               "Republication - candidatures toujours ouvertes.", None])
        elif kind == "partial":
            pub += dt.timedelta(hours=r.randrange(1, 96))
            what = r.sample(["truncate", "employer", "contract", "place"], r.choice([1, 1, 2]))
            if "truncate" in what:
                do_cut = r.randrange(200, 401)
            if "employer" in what:
                employer = None
            if "contract" in what:
                drop_contract = True
            if "place" in what and not job.place.foreign:
                place_style = r.choice(["dept", "dept_name"])
        flat = feed.get("flat", False)

        def make(style, cut_at, reword_it):
            if job.text_kind == "standard":
                t = self.text(job, style, lr, deadline=deadline, prefix=prefix, flat=flat)
            else:
                t = self.text(job, style, lr, prefix=prefix, flat=flat)
            if reword_it:
                t = reword(t, lr, job.distinct)
            if cut_at:
                t = cut(t, cut_at)
            return t

        text = make(style, do_cut, reworded)
        if not all(d in text for d in job.distinct):
            text = make(style, None, reworded)       # a cut that loses the job's distinctive words is not made
            if "truncate" in what and employer is not None and not drop_contract:
                employer = None
        if feed["trunc"] and len(text) > feed["trunc"]:
            t2 = cut(text, feed["trunc"])
            if all(d in t2 for d in job.distinct):
                text = t2
        assert all(d in text for d in job.distinct), (job.id, job.distinct, text)
        # Fields as the board writes them.
        title = title_field(render_title(core, marker, suffix, marker_last), feed["title"])
        if kind == "full" and r.random() < 0.2:
            title = title.upper()
        estyle = feed["emp"]
        if employer is not None:
            if estyle == "upper":
                employer = employer.upper()
            elif estyle == "short" and kind != "semantic":
                employer = emp.short
            elif estyle == "full_or_none" and r.random() < 0.2:
                employer = None
        location = place_field(job.place, place_style)
        contract = None if drop_contract else contract_field(job, contract_style)
        fid = feed["id"]
        counters[fid] = counters.get(fid, 0) + 1
        n = counters[fid]
        if feed.get("own"):
            ref = f"{fid}-post-{1000 + n}"
            link = f"https://{fid[3:]}.example.org/?p={1000 + n}"
        elif fid in ("service-public-emploi",):
            ref = f"{190 + n // 900}{''.join(lr.choice('ABCDEFGHJKLMNPQRSTVWXYZ') for _ in range(4))}"
            while (fid, ref) in used_refs:
                ref += lr.choice("ABCDEFGH")
            link = f"https://{fid}.example.org/offres/detail/{ref}"
        else:
            ref = f"{fid[:3].upper()}-{n:06d}" if n % 2 else f"{lr.randrange(16 ** 8):08x}-{n}"
            link = f"https://{fid}.example.org/offre/{ref}"
        if feed.get("copy_link") and orig_link and r.random() < feed["copy_link"]:
            link = orig_link
        if feed.get("apply_link") and getattr(job, "apply_link", None):
            link = job.apply_link
        assert (fid, ref) not in used_refs
        used_refs.add((fid, ref))
        return {"posting": f"{job.id}-{i}", "feed": fid, "job": job.id, "kind": kind, "class": job.cls,
                "reference": ref, "link": link, "title": title, "employer": employer, "location": location,
                "contract": contract, "description": text, "published": pub.strftime("%Y-%m-%dT%H:%M:%SZ")}


def validate(rows):
    feed_re = re.compile(r"^[a-z0-9-]+$")
    postings, refs, job_feeds = set(), set(), set()
    first = {}
    for row in rows:
        assert feed_re.match(row["feed"]), row["feed"]
        assert row["posting"] not in postings
        postings.add(row["posting"])
        assert (row["feed"], row["reference"]) not in refs
        refs.add((row["feed"], row["reference"]))
        assert (row["feed"], row["job"]) not in job_feeds, (row["feed"], row["job"])
        job_feeds.add((row["feed"], row["job"]))
        if row["kind"] == "original":
            assert row["job"] not in first
            first[row["job"]] = row
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", row["published"])
    assert set(first) == {r["job"] for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--jobs", type=int, default=1200)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "fixtures", "dedup-eval-hard.jsonl"))
    ap.add_argument("--geo-dir", default=os.path.join(HERE, "..", "data", "geo"))
    args = ap.parse_args()
    geo = Geo(args.geo_dir)
    Job.n = 0
    g = Gen(args.seed, geo)
    g.build(args.jobs)
    rows = g.post_all()
    validate(rows)
    with open(args.out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    feeds = sorted({r["feed"] for r in rows})
    print(f"{len(rows)} postings, {len(g.jobs)} jobs, {len(feeds)} feeds -> {args.out}")
    kinds, cls_jobs, cls_posts, batches = {}, {}, {}, {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        cls_posts[r["class"]] = cls_posts.get(r["class"], 0) + 1
    for j in g.jobs:
        cls_jobs[j.cls] = cls_jobs.get(j.cls, 0) + 1
        if j.batch:
            batches.setdefault(j.cls, set()).add(j.batch)
    print("kinds:", dict(sorted(kinds.items())))
    for c in sorted(cls_jobs):
        groups = f", {len(batches[c])} groups" if c in batches else ""
        print(f"  {c:<15} {cls_jobs[c]:>5} jobs, {cls_posts[c]:>5} postings{groups}")
    print(f"  own (WordPress) feeds: {len(g.own_feeds)}")
    if len(rows) < 3000 or len(feeds) < 20:
        print("warning: fewer than 3000 postings or 20 feeds (the evaluation asserts both); raise --jobs", file=sys.stderr)


if __name__ == "__main__":
    main()
