#!/usr/bin/env python3
"""Writes fixtures/dedup-eval.jsonl: a labelled evaluation set for cross-feed deduplication.

Deterministic (fixed seed). Rerun after editing this script:
    python3 scripts/gen-dedup-eval.py            # writes fixtures/dedup-eval.jsonl
    python3 scripts/gen-dedup-eval.py --seed 7 --out /tmp/holdout.jsonl   # another draw

Each line is one posting as a partner feed would carry it (raw title with its gender marker,
employer, place text, contract text, plain-text description, publication date), with its
labels: `job` (postings with the same `job` are the same job: the ground truth), `kind`
(original, or the duplicate class of Eurostat's typology: full, semantic, temporal, partial)
and `class` (normal, or the hard-negative family the job belongs to).

Jobs are French ESS offers built from employers, communes and roles. No title of a role
names another role ("Aide à domicile - Auxiliaire de vie" would make an aide à domicile job
and an auxiliaire de vie job of one employer impossible to label). Each job is posted on
one to four of the feeds. Hard negatives:
  generic         one template ad ("Animateur périscolaire H/F") posted by many associations
  same-title      one role posted by two employers of the same commune
  other-commune   one employer posts the same ad (same text) in several of its communes
  other-contract  one employer posts the same role, same commune, as a CDI and as a CDD
  sibling-role    one employer posts two different roles, same commune, same boilerplate
"""
import argparse
import datetime as dt
import json
import os
import random
import re

# ---------------------------------------------------------------------------------------------
# Geography: communes that the geography tables resolve, with their department.

COMMUNES = [
    ("Lyon", "69001", "69", "Rhône"), ("Villeurbanne", "69100", "69", "Rhône"),
    ("Vénissieux", "69200", "69", "Rhône"), ("Rennes", "35000", "35", "Ille-et-Vilaine"),
    ("Brest", "29200", "29", "Finistère"), ("Quimper", "29000", "29", "Finistère"),
    ("Morlaix", "29600", "29", "Finistère"), ("Lorient", "56100", "56", "Morbihan"),
    ("Vannes", "56000", "56", "Morbihan"), ("Saint-Brieuc", "22000", "22", "Côtes-d'Armor"),
    ("Nantes", "44000", "44", "Loire-Atlantique"), ("Saint-Nazaire", "44600", "44", "Loire-Atlantique"),
    ("Rezé", "44400", "44", "Loire-Atlantique"), ("Angers", "49000", "49", "Maine-et-Loire"),
    ("Cholet", "49300", "49", "Maine-et-Loire"), ("Le Mans", "72000", "72", "Sarthe"),
    ("Tours", "37000", "37", "Indre-et-Loire"), ("Orléans", "45000", "45", "Loiret"),
    ("Lille", "59000", "59", "Nord"), ("Roubaix", "59100", "59", "Nord"),
    ("Amiens", "80000", "80", "Somme"), ("Reims", "51100", "51", "Marne"),
    ("Strasbourg", "67000", "67", "Bas-Rhin"), ("Mulhouse", "68100", "68", "Haut-Rhin"),
    ("Dijon", "21000", "21", "Côte-d'Or"), ("Besançon", "25000", "25", "Doubs"),
    ("Clermont-Ferrand", "63000", "63", "Puy-de-Dôme"), ("Grenoble", "38000", "38", "Isère"),
    ("Saint-Étienne", "42000", "42", "Loire"), ("Annecy", "74000", "74", "Haute-Savoie"),
    ("Aix-en-Provence", "13100", "13", "Bouches-du-Rhône"), ("Nice", "06000", "06", "Alpes-Maritimes"),
    ("Montpellier", "34000", "34", "Hérault"), ("Toulouse", "31000", "31", "Haute-Garonne"),
    ("Albi", "81000", "81", "Tarn"), ("Bordeaux", "33000", "33", "Gironde"),
    ("Pau", "64000", "64", "Pyrénées-Atlantiques"), ("Limoges", "87000", "87", "Haute-Vienne"),
    ("Poitiers", "86000", "86", "Vienne"), ("Caen", "14000", "14", "Calvados"),
    ("Rouen", "76000", "76", "Seine-Maritime"), ("Montreuil", "93100", "93", "Seine-Saint-Denis"),
    ("Nanterre", "92000", "92", "Hauts-de-Seine"), ("Créteil", "94000", "94", "Val-de-Marne"),
    ("Metz", "57000", "57", "Moselle"), ("Nancy", "54000", "54", "Meurthe-et-Moselle"),
    ("Perpignan", "66000", "66", "Pyrénées-Orientales"), ("Nîmes", "30000", "30", "Gard"),
    ("Avignon", "84000", "84", "Vaucluse"), ("Niort", "79000", "79", "Deux-Sèvres"),
]
REGION_OF = {
    "69": "aura", "38": "aura", "42": "aura", "74": "aura", "63": "aura",
    "35": "bretagne", "29": "bretagne", "56": "bretagne", "22": "bretagne",
    "44": "pdl", "49": "pdl", "72": "pdl", "37": "cvl", "45": "cvl",
    "59": "hdf", "80": "hdf", "51": "grand-est", "67": "grand-est", "68": "grand-est",
    "57": "grand-est", "54": "grand-est", "21": "bfc", "25": "bfc",
    "13": "paca", "06": "paca", "84": "paca", "34": "occitanie", "31": "occitanie",
    "81": "occitanie", "66": "occitanie", "30": "occitanie", "33": "nouvelle-aquitaine",
    "64": "nouvelle-aquitaine", "87": "nouvelle-aquitaine", "86": "nouvelle-aquitaine",
    "79": "nouvelle-aquitaine", "14": "normandie", "76": "normandie", "93": "idf", "92": "idf",
    "94": "idf",
}

# ---------------------------------------------------------------------------------------------
# Employers: (network, name pattern, short form, family, cause). {d} is the department name.

NETWORKS = [
    ("animation", "Fédération Léo Lagrange {d}", "Léo Lagrange {d}", "association", "l'éducation populaire et les loisirs des enfants"),
    ("animation", "Association départementale des Francas {of_d}", "Francas {of_d}", "association", "l'accueil éducatif des enfants et des jeunes"),
    ("animation", "UFCV {d}", "UFCV", "association", "l'animation et la formation des animateurs"),
    ("animation", "IFAC {d}", "IFAC", "association", "l'animation socioculturelle"),
    ("animation", "Familles Rurales {of_d}", "Familles Rurales", "association", "les familles en milieu rural"),
    ("domicile", "ADMR {of_d}", "ADMR", "association", "l'aide à domicile en milieu rural"),
    ("domicile", "Association Aide et Services à Domicile {of_d}", "ASD {d}", "association", "le maintien à domicile des personnes âgées"),
    ("domicile", "UNA {d}", "UNA {d}", "association", "l'aide et les soins à domicile"),
    ("handicap", "Adapei {of_d}", "Adapei", "association", "les personnes en situation de handicap mental"),
    ("handicap", "APF France handicap, délégation {of_d}", "APF France handicap", "association", "les personnes en situation de handicap moteur"),
    ("insertion", "Emmaüs {d}", "Emmaüs", "association", "la lutte contre l'exclusion"),
    ("insertion", "Envie {d}", "Envie", "scop", "le réemploi de l'électroménager et l'insertion"),
    ("insertion", "Jardins de Cocagne {of_d}", "Jardins de Cocagne", "association", "l'insertion par le maraîchage biologique"),
    ("insertion", "Ressourcerie {d} Solidaire", "Ressourcerie {d}", "scic", "le réemploi et la prévention des déchets"),
    ("solidarite", "Secours populaire français, fédération {of_d}", "Secours populaire", "association", "la solidarité et l'aide alimentaire"),
    ("solidarite", "Les Restos du Cœur {of_d}", "Restos du Cœur", "association", "l'aide alimentaire et l'accès aux droits"),
    ("solidarite", "Habitat et Humanisme {d}", "Habitat et Humanisme", "association", "le logement des personnes en difficulté"),
    ("solidarite", "Croix-Rouge française, délégation {of_d}", "Croix-Rouge française", "association", "l'action sociale et le secourisme"),
    ("sante", "Mutualité Française {d}", "Mutualité Française", "mutuelle", "la santé et la prévention mutualistes"),
    ("sante", "Centre de santé mutualiste {d}", "CSM {d}", "mutuelle", "l'accès aux soins pour tous"),
    ("cooperation", "Coopérative d'activité et d'emploi {d} Entreprendre", "CAE {d} Entreprendre", "scop", "l'entrepreneuriat coopératif"),
    ("cooperation", "Enercoop {d}", "Enercoop", "scic", "l'énergie renouvelable citoyenne"),
    ("protection", "Sauvegarde de l'enfance {of_d}", "Sauvegarde {d}", "association", "la protection de l'enfance"),
    ("protection", "Fondation Apprentis d'Auteuil, établissement {of_d}", "Apprentis d'Auteuil", "fondation", "la protection et la formation des jeunes"),
]

# ---------------------------------------------------------------------------------------------
# Roles: title variants (as partners write them), contracts, missions (each with two
# wordings), profile (each with two wordings), and the networks that post them.

ROLES = {
    "animateur-periscolaire": dict(
        titles=["Animateur périscolaire H/F", "Animateur·rice périscolaire", "Animateur / Animatrice périscolaire (H/F)", "Animateur périscolaire F/H"],
        alt_titles=["Animateur temps périscolaire H/F", "Animateur périscolaire et extrascolaire"],
        contracts=["CDD", "CDI"], nets=["animation"],
        missions=[("encadrer les enfants de 3 à 11 ans sur les temps du matin, du midi et du soir", "prendre en charge des groupes d'enfants de maternelle et d'élémentaire avant et après la classe"),
                  ("concevoir et animer des activités ludiques, sportives et culturelles", "proposer des ateliers créatifs, sportifs et culturels adaptés à chaque âge"),
                  ("veiller à la sécurité physique et affective des enfants", "garantir la sécurité et le bien-être de chaque enfant"),
                  ("participer aux réunions d'équipe et au projet pédagogique", "contribuer à l'écriture et à la mise en œuvre du projet pédagogique"),
                  ("assurer le lien quotidien avec les familles", "échanger chaque jour avec les parents")],
        profile=[("BAFA ou CQP animateur périscolaire exigé", "titulaire du BAFA ou du CQP animateur périscolaire"),
                 ("une première expérience auprès d'enfants est appréciée", "vous avez déjà travaillé avec des enfants")]),
    "directeur-alsh": dict(
        titles=["Directeur d'accueil de loisirs H/F", "Directeur·rice d'accueil collectif de mineurs", "Directeur ALSH (H/F)"],
        alt_titles=["Directeur de centre de loisirs H/F", "Responsable d'accueil de loisirs"],
        contracts=["CDI", "CDD"], nets=["animation"],
        missions=[("piloter l'accueil de loisirs de 80 enfants et son équipe de 8 animateurs", "diriger un centre de loisirs accueillant 80 enfants et encadrer 8 animateurs"),
                  ("élaborer le projet pédagogique en cohérence avec le projet éducatif", "écrire et faire vivre le projet pédagogique de la structure"),
                  ("gérer le budget, les inscriptions et les relations avec la mairie", "suivre le budget, les effectifs et le partenariat avec la collectivité"),
                  ("recruter et former les animateurs", "accompagner la montée en compétences des animateurs")],
        profile=[("BPJEPS LTP ou BAFD exigé", "titulaire du BPJEPS loisirs tous publics ou du BAFD"),
                 ("expérience de direction d'au moins deux ans", "vous avez déjà dirigé un accueil collectif de mineurs")]),
    "aide-domicile": dict(
        titles=["Aide à domicile H/F", "Aide à domicile (F/H)", "Aide à domicile polyvalent"],
        alt_titles=["Intervenant à domicile H/F", "Aide à domicile auprès des personnes âgées"],
        contracts=["CDI", "CDD"], nets=["domicile"],
        missions=[("aider les personnes âgées dans les actes de la vie quotidienne", "accompagner des personnes âgées dans leur quotidien"),
                  ("entretenir le logement et le linge", "réaliser l'entretien du domicile et du linge"),
                  ("préparer les repas et aider à la prise des repas", "cuisiner et accompagner les repas"),
                  ("accompagner les sorties et les courses", "faire les courses et accompagner les déplacements"),
                  ("rendre compte à la responsable de secteur", "transmettre les informations utiles à votre responsable de secteur")],
        profile=[("permis B et véhicule indispensables", "vous êtes titulaire du permis B et véhiculé"),
                 ("débutant accepté, formation assurée", "vous débutez ? nous vous formons")]),
    "auxiliaire-vie": dict(
        titles=["Auxiliaire de vie sociale H/F", "Auxiliaire de vie sociale (AVS) F/H", "AVS - Auxiliaire de vie sociale"],
        alt_titles=["Accompagnant éducatif et social à domicile H/F", "Auxiliaire de vie"],
        contracts=["CDI", "CDD"], nets=["domicile", "handicap"],
        missions=[("accompagner des personnes en perte d'autonomie dans les gestes essentiels", "aider des personnes dépendantes pour la toilette, l'habillage et les transferts"),
                  ("stimuler l'autonomie et la vie sociale des personnes", "favoriser le maintien de l'autonomie et du lien social"),
                  ("travailler en lien avec les soignants et les familles", "coordonner votre action avec l'infirmier et l'entourage"),
                  ("assurer les transmissions écrites", "tenir à jour le cahier de liaison")],
        profile=[("DEAVS, DEAES ou titre ADVF souhaité", "diplôme DEAES ou DEAVS apprécié"),
                 ("permis B exigé", "être titulaire du permis de conduire")]),
    "educateur-specialise": dict(
        titles=["Educateur spécialisé H/F", "Éducateur·rice spécialisé·e", "Educateur spécialisé (F/H) - Internat"],
        alt_titles=["Éducateur spécialisé en MECS H/F", "Educateur specialise"],
        contracts=["CDI", "CDD"], nets=["protection", "handicap"],
        missions=[("accompagner au quotidien des adolescents de 13 à 18 ans confiés par l'aide sociale à l'enfance", "assurer le suivi éducatif de jeunes de 13 à 18 ans placés au titre de la protection de l'enfance"),
                  ("élaborer et mettre en œuvre les projets personnalisés", "construire avec chaque jeune son projet individualisé"),
                  ("travailler en équipe pluridisciplinaire avec psychologue et chef de service", "collaborer avec l'équipe pluridisciplinaire et les partenaires"),
                  ("rédiger les écrits professionnels et les rapports", "produire les rapports d'évolution destinés au juge et au département")],
        profile=[("diplôme d'État d'éducateur spécialisé exigé", "titulaire du DEES"),
                 ("horaires d'internat, week-ends et jours fériés", "travail en internat avec un week-end sur deux")]),
    "moniteur-educateur": dict(
        titles=["Moniteur éducateur H/F", "Moniteur·rice éducateur·rice", "Moniteur-éducateur (H/F) - Foyer de vie"],
        alt_titles=["Moniteur éducateur en foyer H/F"],
        contracts=["CDI", "CDD"], nets=["handicap", "protection"],
        missions=[("accompagner des adultes en situation de handicap dans les actes de la vie quotidienne", "aider les résidents du foyer dans leur vie quotidienne"),
                  ("animer des activités éducatives et de loisirs", "proposer et encadrer des ateliers éducatifs"),
                  ("participer à l'élaboration des projets personnalisés", "contribuer aux projets d'accompagnement personnalisés"),
                  ("assurer le lien avec les familles et les tuteurs", "entretenir la relation avec les proches et les mandataires")],
        profile=[("diplôme de moniteur éducateur exigé", "titulaire du DEME"),
                 ("capacité d'écoute et sens du travail en équipe", "vous êtes à l'écoute et aimez travailler en équipe")]),
    "asp": dict(
        titles=["Accompagnateur socio-professionnel H/F", "Accompagnateur·rice socioprofessionnel·le", "Accompagnateur socio-professionnel (ASP)"],
        alt_titles=["Accompagnateur socio-professionnel en chantier d'insertion H/F", "Chargé d'accompagnement socio-professionnel"],
        contracts=["CDI", "CDD"], nets=["insertion"],
        missions=[("accompagner 25 salariés en parcours d'insertion vers l'emploi durable", "suivre les parcours de 25 salariés en insertion"),
                  ("lever les freins périphériques à l'emploi : logement, mobilité, santé", "traiter avec les partenaires les freins sociaux à l'emploi"),
                  ("développer les relations avec les entreprises du territoire", "prospecter les employeurs locaux pour les sorties positives"),
                  ("assurer le suivi administratif avec France Travail et le département", "renseigner les bilans pour les financeurs et les prescripteurs")],
        profile=[("formation CIP ou travailleur social", "titre de conseiller en insertion professionnelle ou diplôme du travail social"),
                 ("connaissance du secteur de l'IAE appréciée", "vous connaissez l'insertion par l'activité économique")]),
    "encadrant-technique": dict(
        titles=["Encadrant technique d'insertion H/F", "Encadrant·e technique d'insertion", "Encadrant technique - maraîchage biologique"],
        alt_titles=["Encadrant technique en chantier d'insertion H/F", "Encadrant technique d'activité d'insertion"],
        contracts=["CDI", "CDD", "CDDI"], nets=["insertion"],
        missions=[("encadrer une équipe de 12 salariés en insertion sur le chantier", "diriger au quotidien une équipe de 12 personnes en parcours d'insertion"),
                  ("organiser la production et veiller au respect des délais", "planifier le travail et garantir la qualité de la production"),
                  ("transmettre les savoir-faire techniques et les règles de sécurité", "former les salariés aux gestes techniques et à la sécurité"),
                  ("évaluer les compétences acquises avec l'accompagnateur", "faire le point sur les acquis avec l'accompagnateur socio-professionnel")],
        profile=[("titre d'encadrant technique d'insertion ou expérience équivalente", "titulaire du titre ETAIE ou expérience confirmée"),
                 ("permis B indispensable", "permis de conduire exigé")]),
    "cip": dict(
        titles=["Conseiller en insertion professionnelle H/F", "Conseiller·ère en insertion professionnelle", "CIP - Conseiller en insertion professionnelle (F/H)"],
        alt_titles=["Conseiller emploi insertion H/F", "Chargé d'insertion professionnelle"],
        contracts=["CDD", "CDI"], nets=["insertion", "solidarite"],
        missions=[("accompagner des demandeurs d'emploi bénéficiaires du RSA", "suivre un portefeuille d'allocataires du RSA vers l'emploi"),
                  ("animer des ateliers collectifs de recherche d'emploi", "proposer des ateliers CV, entretien et numérique"),
                  ("mobiliser les entreprises et les organismes de formation", "construire des partenariats avec les employeurs et les centres de formation")],
        profile=[("titre professionnel CIP ou équivalent", "diplôme de conseiller en insertion professionnelle"),
                 ("maîtrise des outils numériques", "aisance avec les outils bureautiques")]),
    "charge-mission-eco-circulaire": dict(
        titles=["Chargé de mission économie circulaire H/F", "Chargé·e de mission économie circulaire", "Chargé(e) de mission économie circulaire"],
        alt_titles=["Chargé de projet économie circulaire H/F", "Chargé de mission réemploi et économie circulaire"],
        contracts=["CDD", "CDI"], nets=["insertion", "cooperation"],
        missions=[("développer les filières de réemploi sur le territoire", "structurer les activités de réemploi et de réparation"),
                  ("animer le réseau des acteurs locaux de l'économie circulaire", "fédérer les partenaires publics et associatifs"),
                  ("monter les dossiers de financement et suivre les subventions", "rédiger les demandes de subvention et les bilans"),
                  ("organiser des actions de sensibilisation du grand public", "mettre en place des événements de sensibilisation")],
        profile=[("bac+5 en environnement ou développement durable", "formation supérieure en environnement"),
                 ("expérience en gestion de projet", "vous avez déjà conduit des projets multi-partenariaux")]),
    "charge-communication": dict(
        titles=["Chargé de communication H/F", "Chargé·e de communication et vie associative", "Chargé de communication (F/H)"],
        alt_titles=["Chargé de communication et de mobilisation H/F", "Responsable communication"],
        contracts=["CDI", "CDD", "Alternance"], nets=["solidarite", "cooperation", "sante"],
        missions=[("définir et mettre en œuvre le plan de communication", "piloter la stratégie de communication interne et externe"),
                  ("animer le site internet et les réseaux sociaux", "gérer les contenus du site et des réseaux sociaux"),
                  ("concevoir les supports imprimés et la lettre d'information", "réaliser les plaquettes, affiches et la newsletter"),
                  ("organiser les relations avec la presse", "entretenir les contacts avec les journalistes")],
        profile=[("formation en communication, bac+3 minimum", "diplôme bac+3 à bac+5 en communication"),
                 ("maîtrise de la suite Adobe et de WordPress", "bonne pratique des outils de PAO et des CMS")]),
    "comptable": dict(
        titles=["Comptable H/F", "Comptable unique (F/H)", "Comptable - Gestionnaire paie"],
        alt_titles=["Assistant comptable H/F", "Comptable général"],
        contracts=["CDI", "CDD"], nets=["solidarite", "domicile", "sante", "cooperation"],
        missions=[("tenir la comptabilité générale jusqu'au bilan", "assurer la saisie et la révision des comptes jusqu'à la clôture"),
                  ("préparer la paie de 40 salariés", "établir les bulletins de salaire et les déclarations sociales"),
                  ("suivre la trésorerie et les relations bancaires", "gérer la trésorerie et les rapprochements bancaires"),
                  ("préparer les comptes rendus financiers des subventions", "justifier l'emploi des subventions auprès des financeurs")],
        profile=[("BTS ou DUT gestion, cinq ans d'expérience", "formation comptable bac+2 et expérience confirmée"),
                 ("la connaissance du secteur associatif est un plus", "vous connaissez les spécificités comptables des associations")]),
    "coordinateur-benevoles": dict(
        titles=["Coordinateur des bénévoles H/F", "Coordinateur·rice de la vie associative", "Responsable bénévolat (F/H)"],
        alt_titles=["Coordinateur de bénévoles et de la vie associative H/F", "Animateur du réseau de bénévoles"],
        contracts=["CDD", "CDI"], nets=["solidarite"],
        missions=[("recruter, accueillir et former les bénévoles", "organiser l'accueil et la formation des nouveaux bénévoles"),
                  ("coordonner les plannings des distributions alimentaires", "planifier les équipes bénévoles des distributions"),
                  ("animer la vie associative et les temps conviviaux", "faire vivre la vie associative de l'antenne"),
                  ("représenter l'association auprès des partenaires locaux", "assurer le lien avec les partenaires institutionnels")],
        profile=[("expérience de l'animation de bénévoles", "vous avez déjà animé des équipes bénévoles"),
                 ("sens de l'organisation et diplomatie", "vous êtes organisé et diplomate")]),
    "service-civique-alimentaire": dict(
        titles=["Service civique - Lutte contre la précarité alimentaire", "Mission de service civique : aide alimentaire", "Volontaire en service civique - solidarité alimentaire"],
        alt_titles=["Service civique solidarité alimentaire", "Engagement de service civique contre la précarité alimentaire"],
        contracts=["Service civique"], nets=["solidarite"],
        missions=[("participer à l'accueil des personnes lors des distributions", "accueillir les bénéficiaires pendant les distributions"),
                  ("contribuer à la collecte et au tri des denrées", "aider à la collecte et au tri des produits"),
                  ("proposer des ateliers cuisine anti-gaspillage", "animer des ateliers de cuisine avec les familles")],
        profile=[("mission ouverte aux jeunes de 16 à 25 ans, sans condition de diplôme", "aucun diplôme requis, de 16 à 25 ans"),
                 ("indemnité de 620 euros par mois", "indemnisation mensuelle de 620 euros")]),
    "infirmier": dict(
        titles=["Infirmier en centre de santé H/F", "Infirmier·ère diplômé·e d'État", "IDE - Infirmier (F/H)"],
        alt_titles=["Infirmier diplômé d'État en centre de santé mutualiste H/F", "Infirmier coordinateur"],
        contracts=["CDI", "CDD"], nets=["sante", "handicap"],
        missions=[("réaliser les soins infirmiers en consultation et à domicile", "assurer les soins techniques au centre et chez les patients"),
                  ("participer aux actions de prévention et d'éducation thérapeutique", "animer des séances d'éducation à la santé"),
                  ("travailler en équipe avec les médecins généralistes", "coopérer avec l'équipe médicale pluriprofessionnelle")],
        profile=[("diplôme d'État d'infirmier exigé", "titulaire du DEI"),
                 ("salaire selon la convention collective de la Mutualité", "rémunération conventionnelle de la Mutualité")]),
    "chauffeur-livreur": dict(
        titles=["Chauffeur-livreur H/F", "Chauffeur livreur poids lourd (F/H)", "Chauffeur-livreur - Banque alimentaire"],
        alt_titles=["Chauffeur ramasse alimentaire H/F", "Chauffeur livreur permis C"],
        contracts=["CDI", "CDD", "CDDI"], nets=["solidarite", "insertion"],
        missions=[("collecter les denrées auprès des grandes surfaces", "assurer la ramasse quotidienne dans les magasins partenaires"),
                  ("livrer les centres de distribution du département", "approvisionner les antennes locales"),
                  ("charger et décharger les marchandises en respectant la chaîne du froid", "manutentionner les produits dans le respect de la chaîne du froid"),
                  ("entretenir le véhicule et tenir le carnet de bord", "veiller au bon état du camion")],
        profile=[("permis C et FIMO à jour", "titulaire du permis poids lourd et de la FIMO"),
                 ("CACES 1 apprécié", "le CACES chariot élévateur est un plus")]),
    "vendeur-boutique": dict(
        titles=["Vendeur en boutique solidaire H/F", "Vendeur·se en ressourcerie", "Agent de vente - boutique solidaire (F/H)"],
        alt_titles=["Vendeur conseil en boutique de réemploi H/F", "Employé de boutique solidaire"],
        contracts=["CDDI", "CDD", "CDI"], nets=["insertion"],
        missions=[("accueillir et conseiller les clients", "renseigner et orienter la clientèle"),
                  ("mettre en rayon et valoriser les objets", "assurer la mise en valeur des articles"),
                  ("tenir la caisse", "réaliser les encaissements"),
                  ("participer au tri des dons", "contribuer au tri et à la valorisation des apports")],
        profile=[("aucun diplôme exigé", "poste ouvert sans qualification"),
                 ("éligibilité IAE requise", "être éligible à l'insertion par l'activité économique")]),
    "cesf": dict(
        titles=["Conseiller en économie sociale et familiale H/F", "CESF (F/H)", "Conseiller·ère ESF"],
        alt_titles=["Conseiller ESF - accompagnement au logement H/F", "Travailleur social CESF"],
        contracts=["CDI", "CDD"], nets=["solidarite", "protection"],
        missions=[("accompagner des ménages dans leur accès au logement", "suivre des familles dans leur parcours résidentiel"),
                  ("animer des ateliers budget et énergie", "proposer des ateliers collectifs sur le budget et les économies d'énergie"),
                  ("instruire les dossiers d'aides et de fonds de solidarité logement", "monter les demandes d'aides financières"),
                  ("travailler en réseau avec les bailleurs et les services sociaux", "coopérer avec les bailleurs sociaux et les partenaires")],
        profile=[("diplôme d'État de CESF exigé", "titulaire du DECESF"),
                 ("connaissance des dispositifs logement", "vous maîtrisez les dispositifs d'accès au logement")]),
    "coordinateur-tiers-lieu": dict(
        titles=["Coordinateur de tiers-lieu H/F", "Coordinateur·rice de tiers-lieu", "Animateur - coordinateur de tiers-lieu (F/H)"],
        alt_titles=["Responsable de tiers-lieu H/F", "Coordinateur de lieu coopératif"],
        contracts=["CDI", "CDD"], nets=["cooperation"],
        missions=[("animer la communauté des usagers et des résidents du tiers-lieu", "faire vivre la communauté du lieu"),
                  ("programmer les événements et les ateliers", "organiser la programmation culturelle et les ateliers"),
                  ("assurer la gestion administrative et budgétaire", "suivre le budget et l'administration du lieu"),
                  ("développer les partenariats et les financements", "rechercher de nouveaux partenaires et financements")],
        profile=[("expérience en animation de projets collectifs", "vous avez déjà animé des collectifs"),
                 ("intérêt pour la gouvernance coopérative", "vous êtes sensible au modèle coopératif")]),
    "aide-soignant": dict(
        titles=["Aide-soignant H/F", "Aide-soignant·e", "Aide soignant (F/H) - SSIAD"],
        alt_titles=["Aide-soignant à domicile H/F", "Aide-soignant de nuit"],
        contracts=["CDI", "CDD"], nets=["domicile", "sante", "handicap"],
        missions=[("dispenser les soins d'hygiène et de confort aux patients", "réaliser les soins de nursing"),
                  ("surveiller l'état de santé et alerter l'infirmier", "observer l'état des patients et transmettre à l'infirmier coordinateur"),
                  ("participer à l'éducation des aidants", "conseiller les proches aidants")],
        profile=[("diplôme d'État d'aide-soignant exigé", "titulaire du DEAS"),
                 ("permis B indispensable", "vous êtes véhiculé")]),
}

GENERIC_ROLES = ["animateur-periscolaire", "aide-domicile", "service-civique-alimentaire"]

# ---------------------------------------------------------------------------------------------
# Feeds: where each job may be posted, and how each board writes things.

FEEDS = [
    # id, scope (national | region code | network), location style, title style, contract,
    # truncate description to N chars (0: whole), employer style
    ("france-travail-ess", "national", "cp_commune", "upper", "long", 0, "full"),
    ("jobs-ess-national", "national", "commune_dept", "raw", "short", 0, "full"),
    ("ess-france-emplois", "national", "commune", "raw", "short", 0, "short"),
    ("indeed-ess", "national", "commune_dept", "raw", "short", 420, "full"),
    ("coop-emploi", "cooperation", "commune", "raw", "short", 0, "full"),
    ("api-engagement", "solidarite", "cp_commune", "raw", "long", 0, "short"),
    ("cress-aura", "aura", "commune_dept", "raw", "short", 0, "full"),
    ("cress-bretagne", "bretagne", "commune", "raw", "long", 0, "full"),
    ("cress-pdl", "pdl", "commune_dept", "raw", "short", 0, "full"),
    ("cress-cvl", "cvl", "commune_dept", "raw", "short", 0, "full"),
    ("cress-hdf", "hdf", "cp_commune", "raw", "short", 0, "full"),
    ("cress-grand-est", "grand-est", "commune_dept", "raw", "short", 0, "short"),
    ("cress-bfc", "bfc", "commune_dept", "raw", "short", 0, "full"),
    ("cress-paca", "paca", "commune", "raw", "short", 0, "full"),
    ("cress-occitanie", "occitanie", "commune_dept", "raw", "long", 0, "full"),
    ("cress-nouvelle-aquitaine", "nouvelle-aquitaine", "cp_commune", "raw", "short", 0, "full"),
    ("cress-normandie", "normandie", "commune_dept", "raw", "short", 0, "full"),
    ("cress-idf", "idf", "cp_commune", "raw", "short", 0, "full"),
    ("rs-auvergne-rhone-alpes", "aura", "commune_dept", "raw", "short", 300, "full"),
    ("rs-ouest", "bretagne+pdl", "commune_dept", "raw", "short", 300, "full"),
    ("rs-sud", "paca+occitanie", "commune_dept", "raw", "short", 300, "full"),
    ("reseau-animation", "animation", "commune", "raw", "short", 0, "short"),
    ("reseau-domicile", "domicile", "commune_dept", "raw", "long", 0, "full"),
    ("reseau-insertion", "insertion", "commune", "raw", "short", 0, "full"),
    ("reseau-sante-handicap", "sante+handicap+protection", "commune_dept", "raw", "long", 0, "full"),
]


def feeds_for(net, dept):
    region = REGION_OF[dept]
    out = []
    for f in FEEDS:
        scopes = f[1].split("+")
        if "national" in scopes or net in scopes or region in scopes:
            out.append(f)
    return out


# ---------------------------------------------------------------------------------------------
# Text helpers.

SYNONYMS = [
    ("recrute", "recherche"), ("Vous rejoindrez", "Vous intégrerez"), ("au sein de", "dans"),
    ("l'équipe", "le collectif"), ("accompagner", "soutenir"), ("participer", "prendre part"),
    ("indispensable", "exigé"), ("souhaité", "apprécié"), ("poste", "emploi"),
    ("structure", "association"), ("missions", "tâches"), ("personnes", "publics"),
    ("quotidien", "jour le jour"), ("développer", "faire grandir"), ("organiser", "mettre sur pied"),
]


def fold_case_first(s):
    return s[:1].upper() + s[1:]


def contract_text(code, style, rng):
    long = {"CDI": "Contrat à durée indéterminée", "CDD": "Contrat à durée déterminée",
            "CDDI": "CDD d'insertion", "Alternance": "Contrat d'apprentissage",
            "Service civique": "Engagement de service civique"}
    return long.get(code, code) if style == "long" else code


def place_text(commune, style, rng):
    name, cp, dept, dname = commune
    if style == "cp_commune":
        return f"{cp} {name}"
    if style == "commune_dept":
        return f"{name} ({dept})"
    if style == "upper":
        return name.upper()
    return name


def of_dept(dname):
    if dname[0] in "AEIOUYÎÉH":
        return f"de l'{dname}"
    if dname.endswith("e") and dname not in ("Rhône", "Finistère", "Morbihan", "Calvados", "Doubs", "Gard", "Nord", "Tarn", "Var", "Vaucluse", "Loiret"):
        return f"de la {dname}"
    if dname.startswith(("Bouches", "Côtes", "Hauts", "Pyrénées", "Deux", "Alpes")):
        return f"des {dname}"
    return f"du {dname}"


class Employer:
    def __init__(self, net, pattern, short, family, cause, dept, dname, communes, rng):
        self.net = net
        self.name = pattern.format(d=dname, of_d=of_dept(dname))
        self.short = short.format(d=dname, of_d=of_dept(dname))
        self.family = family
        self.cause = cause
        self.dept = dept
        self.communes = communes
        self.year = rng.randint(1946, 2015)
        self.staff = rng.choice([12, 25, 40, 80, 150, 300])
        slug = re.sub(r"[^a-z]+", "-", fold(self.short).lower()).strip("-")
        self.domain = f"{slug}.org"


def fold(s):
    table = str.maketrans("éèêëàâäîïôöûüùçÉÈÊÀÂÎÔÛÇœŒ'", "eeeeaaaiioouuucEEEAAIOUCoO ")
    return s.translate(table)


def intro(emp, commune, rng, variant):
    city = commune[0]
    a = [f"{emp.name} recrute. Créée en {emp.year}, l'association agit pour {emp.cause} à {city} et dans tout le département.",
         f"{emp.name} est une structure de l'économie sociale et solidaire engagée depuis {emp.year} pour {emp.cause}. Elle emploie {emp.staff} salariés autour de {city}."]
    b = [f"Depuis {emp.year}, {emp.name} œuvre pour {emp.cause} sur le territoire de {city}.",
         f"Acteur de l'ESS, {emp.name} ({emp.staff} salariés) se mobilise pour {emp.cause}. Nous cherchons notre futur collègue à {city}."]
    return (a if variant == 0 else b)[rng.randrange(2)]


def conditions(job, variant):
    c = job["contract"]
    hours = job["hours"]
    extra = " pour un remplacement de congé maternité" if job.get("replacement") else ""
    duration = f" de {job['months']} mois" if c in ("CDD", "CDDI") else ""
    if variant == 0:
        return (f"Contrat : {c}{duration}{extra}. Temps de travail : {hours} heures par semaine. "
                f"Rémunération : {job['salary']}. Poste à pourvoir le {job['start']}.")
    return (f"Nous proposons un {c}{duration}{extra}, {hours} h hebdomadaires, avec une rémunération "
            f"de {job['salary']}. Prise de poste : {job['start']}.")


def apply_text(emp, job, variant):
    if variant == 0:
        return f"Envoyez CV et lettre de motivation à recrutement@{emp.domain} avant le {job['deadline']} (réf. {job['code']})."
    return f"Candidatures (CV + lettre) par courriel à recrutement@{emp.domain}, au plus tard le {job['deadline']}."


def description(job, rng, variant=0, missions_order=None, drop=None):
    role = ROLES[job["role"]]
    emp = job["emp"]
    parts = [intro(emp, job["commune"], rng, variant)]
    if job.get("generic_text"):
        parts = [job["generic_text"].format(name=emp.name, city=job["commune"][0])]
    head = ["Vos missions :", "Missions principales :"][variant]
    ms = [m[variant] for m in role["missions"]]
    if missions_order:
        ms = [ms[i] for i in missions_order if i < len(ms)]
    if drop is not None and len(ms) > 2:
        ms.pop(drop % len(ms))
    parts.append(head + " " + "; ".join(ms) + ".")
    prof = [p[variant] for p in role["profile"]]
    parts.append(["Profil recherché : ", "Vous : "][variant] + "; ".join(prof) + ".")
    parts.append(conditions(job, variant))
    parts.append(apply_text(emp, job, variant))
    return "\n".join(fold_case_first(p) for p in parts)


def reword(text, rng):
    """A SEMANTIC rewording of a text another board wrote: synonyms, one sentence dropped."""
    for a, b in SYNONYMS:
        if rng.random() < 0.7:
            text = re.sub(r"\b" + re.escape(a) + r"\b", b, text)
    return text


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=1550)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "dedup-eval.jsonl"))
    args = ap.parse_args()
    rng = random.Random(args.seed)

    by_dept = {}
    for c in COMMUNES:
        by_dept.setdefault(c[2], []).append(c)
    employers = []
    for net, pattern, short, family, cause in NETWORKS:
        for dept in rng.sample(sorted(by_dept), 7):
            cs = by_dept[dept]
            employers.append(Employer(net, pattern, short, family, cause, dept, cs[0][3], cs, rng))
    roles_by_net = {}
    for rid, r in ROLES.items():
        for n in r["nets"]:
            roles_by_net.setdefault(n, []).append(rid)

    start = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.timezone.utc)
    jobs = []

    taken = set()

    def new_job(emp, role, commune=None, contract=None, cls="normal", **kw):
        """A new job; None when the employer already has this role, commune and contract (two
        such ads would be the same ad: no label could tell them apart)."""
        r = ROLES[role]
        c = contract or rng.choice(r["contracts"])
        commune = commune or rng.choice(emp.communes)
        if (emp.name, role, commune, c) in taken:
            return None
        taken.add((emp.name, role, commune, c))
        day = rng.randrange(0, 90)
        pub = start + dt.timedelta(days=day, hours=rng.randrange(0, 10), minutes=rng.randrange(60))
        job = dict(
            id=f"j{len(jobs) + 1:05d}", emp=emp, role=role,
            commune=commune, contract=c, cls=cls,
            hours=rng.choice([35, 35, 35, 28, 24, 30]) if c != "Service civique" else 24,
            months=rng.choice([3, 6, 8, 10, 12]),
            salary=rng.choice(["selon la convention collective", "1 850 € brut mensuel", "2 100 € brut mensuel",
                               "11,88 € brut de l'heure", "2 400 à 2 700 € brut mensuel", "selon la CCN 66"]),
            start=(pub + dt.timedelta(days=rng.randrange(15, 60))).strftime("%d/%m/%Y"),
            deadline=(pub + dt.timedelta(days=rng.randrange(10, 40))).strftime("%d/%m/%Y"),
            code=f"{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
            published=pub, title=rng.choice(r["titles"]), **kw)
        jobs.append(job)
        return job

    # Ordinary jobs.
    n_normal = int(args.jobs * 0.62)
    while len(jobs) < n_normal:
        emp = rng.choice(employers)
        new_job(emp, rng.choice(roles_by_net[emp.net]))

    # Hard negatives.
    while len(jobs) < args.jobs:
        kind = rng.choice(["generic", "generic", "same-title", "other-commune", "other-contract", "sibling-role"])
        if kind == "generic":
            role = rng.choice(GENERIC_ROLES)
            r = ROLES[role]
            net = r["nets"][0]
            pool = [e for e in employers if e.net == net]
            text = ("{name} recrute pour " + ["ses accueils", "ses services", "ses antennes"][GENERIC_ROLES.index(role)]
                    + " à {city}. Rejoignez une équipe engagée au service des habitants.")
            contract = rng.choice(r["contracts"])
            title = rng.choice(r["titles"])
            hours = rng.choice([24, 28, 35])
            if rng.random() < 0.5:
                # Associations of one town post the same template ad.
                dept = rng.choice(sorted(by_dept))
                local = [e for e in employers if e.dept == dept]
                chosen = rng.sample(local, min(len(local), rng.randrange(2, 7)))
                commune = rng.choice(by_dept[dept])
            else:
                # A federation's template ad, posted by its members across the country.
                chosen = rng.sample(pool, min(len(pool), rng.randrange(5, 12)))
                commune = None
            for emp in chosen:
                j = new_job(emp, role, commune=commune, contract=contract, cls=kind,
                            generic_text=text)
                if j is None:
                    continue
                j["title"] = title
                j["hours"] = hours
                j["salary"] = "selon la convention collective"
        elif kind == "same-title":
            commune = rng.choice(COMMUNES)
            net = rng.choice(sorted(roles_by_net))
            role = rng.choice(roles_by_net[net])
            pool = [e for e in employers if e.net in ROLES[role]["nets"] and e.dept == commune[2]]
            if len(pool) < 2:
                continue
            for emp in rng.sample(pool, 2):
                new_job(emp, role, commune=commune, cls=kind)
        elif kind == "other-commune":
            emp = rng.choice([e for e in employers if len(e.communes) >= 2])
            role = rng.choice(roles_by_net[emp.net])
            first = new_job(emp, role, commune=emp.communes[0], cls=kind)
            if first is None:
                continue
            for c in emp.communes[1:3]:
                j = new_job(emp, role, commune=c, contract=first["contract"], cls=kind)
                if j is None:
                    continue
                for k in ("hours", "salary", "months", "title", "start", "deadline", "published"):
                    j[k] = first[k]
        elif kind == "other-contract":
            emp = rng.choice(employers)
            role = rng.choice([r for r in roles_by_net[emp.net] if "CDI" in ROLES[r]["contracts"]])
            first = new_job(emp, role, contract="CDI", cls=kind)
            if first is None:
                continue
            j = new_job(emp, role, commune=first["commune"], contract="CDD", cls=kind, replacement=True)
            if j is None:
                continue
            for k in ("hours", "salary", "title", "published"):
                j[k] = first[k]
        else:  # sibling-role
            emp = rng.choice(employers)
            roles = roles_by_net[emp.net]
            if len(roles) < 2:
                continue
            r1, r2 = rng.sample(roles, 2)
            first = new_job(emp, r1, cls=kind)
            if first is None:
                continue
            j = new_job(emp, r2, commune=first["commune"], contract=rng.choice(ROLES[r2]["contracts"]), cls=kind)
            if j is not None:
                j["salary"] = first["salary"]

    # Postings.
    rows = []
    counts = {}
    for job in jobs:
        emp = job["emp"]
        feeds = feeds_for(emp.net, emp.dept)
        n = rng.choices([1, 2, 3, 4], weights=[38, 32, 20, 10])[0]
        chosen = rng.sample(feeds, min(n, len(feeds)))
        order = list(range(len(ROLES[job["role"]]["missions"])))
        for i, feed in enumerate(chosen):
            fid, scope, loc_style, title_style, contract_style, truncate, emp_style = feed
            if i == 0:
                kind = "original"
            else:
                kind = rng.choices(["full", "semantic", "temporal", "partial"], weights=[28, 27, 20, 25])[0]
            pub = job["published"]
            title = job["title"]
            employer = emp.name if emp_style == "full" else emp.short
            place = place_text(job["commune"], loc_style, rng)
            contract = contract_text(job["contract"], contract_style, rng)
            text = description(job, random.Random(job["id"]), 0)
            if kind == "full":
                pub += dt.timedelta(hours=rng.randrange(1, 30))
            elif kind == "semantic":
                pub += dt.timedelta(hours=rng.randrange(1, 72))
                title = rng.choice(ROLES[job["role"]]["titles"] + ROLES[job["role"]]["alt_titles"])
                o = order[:]
                rng.shuffle(o)
                drop = rng.randrange(8) if rng.random() < 0.5 else None
                if rng.random() < 0.5:
                    # Restructured and partly reworded: missions reordered, one dropped,
                    # synonyms.
                    text = reword(description(job, random.Random(job["id"]), 0, o, drop=drop), rng)
                else:
                    # Rewritten from scratch: every sentence worded otherwise.
                    text = reword(description(job, random.Random(job["id"] + "b"), 1, o, drop=drop), rng)
                if rng.random() < 0.3:
                    employer = emp.short if employer == emp.name else emp.name
            elif kind == "temporal":
                days = rng.randrange(3, 25)
                pub += dt.timedelta(days=days)
                if rng.random() < 0.5:
                    # Republished with new dates: a later deadline.
                    later = dict(job)
                    d = dt.datetime.strptime(job["deadline"], "%d/%m/%Y") + dt.timedelta(days=days)
                    later["deadline"] = d.strftime("%d/%m/%Y")
                    text = description(later, random.Random(job["id"]), 0)
                if rng.random() < 0.5:
                    text = "Offre republiée : le poste est toujours à pourvoir.\n" + text
                if rng.random() < 0.4:
                    text = reword(text, rng)
            elif kind == "partial":
                pub += dt.timedelta(hours=rng.randrange(1, 96))
                what = rng.sample(["truncate", "contract", "place", "employer"], rng.randrange(1, 3))
                if "truncate" in what:
                    cut = rng.randrange(180, 320)
                    text = text[:cut].rsplit(" ", 1)[0] + "…"
                if "contract" in what:
                    contract = None
                if "place" in what:
                    place = f"{job['commune'][3]} ({job['commune'][2]})" if rng.random() < 0.5 else None
                if "employer" in what:
                    employer = None
            if truncate and len(text) > truncate:
                text = text[:truncate].rsplit(" ", 1)[0] + "…"
            if title_style == "upper":
                title = title.upper()
            counts[fid] = counts.get(fid, 0) + 1
            ref = f"{fid}-{counts[fid]:05d}"
            rows.append(dict(
                posting=f"{job['id']}-{i}", feed=fid, job=job["id"], kind=kind, **{"class": job["cls"]},
                reference=ref,
                link=f"https://{fid}.example.org/offres/{counts[fid]}",
                title=title, employer=employer, location=place, contract=contract,
                description=text, published=pub.strftime("%Y-%m-%dT%H:%M:%SZ")))
    rows.sort(key=lambda r: (r["published"], r["posting"]))
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    kinds = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    classes = {}
    for j in jobs:
        classes[j["cls"]] = classes.get(j["cls"], 0) + 1
    print(f"{len(rows)} postings, {len(jobs)} jobs, {len(counts)} feeds -> {args.out}")
    print("kinds:", dict(sorted(kinds.items())))
    print("job classes:", dict(sorted(classes.items())))


if __name__ == "__main__":
    main()
