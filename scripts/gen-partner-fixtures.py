#!/usr/bin/env python3
"""Writes the partner fixture feeds in fixtures/partners/ (realistic French offers, in the
encodings partners really use). The files are committed; rerun after editing this script:
    python3 scripts/gen-partner-fixtures.py
"""
import html
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "partners")
os.makedirs(OUT, exist_ok=True)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# Ressources solidaires, Rhône: RSS 2.0 in ISO-8859-1 (characters outside Latin-1, such as €,
# as character references), job facts as labelled lines in the HTML description.
items = [
    ("Educateur spécialisé (H/F) - CDI - Lyon", "https://www.ressources-solidaires.org/educateur-specialise-h-f-cdi-lyon", "rs-69-48211", "Tue, 17 Nov 2026 09:12:00 +0100",
     "<p><strong>Association Le Prado</strong> recrute un éducateur spécialisé pour sa Maison d'enfants à caractère social.</p><p>Lieu : Lyon 3e (69)<br/>Contrat : CDI<br/>Temps de travail : Temps plein<br/>Salaire : selon CCN 66<br/>Date limite : 15/12/2026</p><p>Missions : accompagnement éducatif d'adolescents, travail en équipe pluridisciplinaire.</p>"),
    ("Animateur·rice périscolaire F/H", "https://www.ressources-solidaires.org/animateur-periscolaire-villeurbanne", "rs-69-48230", "Wed, 18 Nov 2026 14:05:00 +0100",
     "<p>La <em>Fédération Léo Lagrange Centre-Est</em> recherche des animateurs pour ses accueils périscolaires.</p><p>Lieu : 69100 Villeurbanne<br/>Contrat : CDD 10 mois<br/>Temps de travail : Temps partiel (24h/semaine)<br/>Salaire : 11,88 € brut de l'heure<br/>Date limite : 30 novembre 2026</p>"),
    ("Chargé(e) de mission économie circulaire", "https://www.ressources-solidaires.org/charge-mission-economie-circulaire-rhone", "rs-69-48244", "Thu, 19 Nov 2026 10:30:00 +0100",
     "<p>La SCIC <strong>Rhône Recyclerie</strong> développe ses activités de réemploi.</p><p>Lieu : Vénissieux (69)<br/>Contrat : CDD 12 mois<br/>Salaire : 2 100 € brut mensuel<br/>Date limite : 10/12/2026</p><p>Télétravail possible un jour par semaine.</p>"),
    ("Directeur/Directrice de crèche associative", "https://www.ressources-solidaires.org/directeur-creche-associative-caluire", "rs-69-48257", "Fri, 20 Nov 2026 08:00:00 +0100",
     "<p>Association <strong>Les P'tits Loups</strong> (crèche parentale ACEPP), 24 berceaux.</p><p>Lieu : Caluire-et-Cuire (69)<br/>Contrat : CDI<br/>Salaire : 32-36 k€ annuel<br/>Date limite : 04/01/2027</p><p>Diplôme d'EJE ou de puéricultrice exigé.</p>"),
    ("Accompagnateur socio-professionnel en chantier d'insertion", "https://www.ressources-solidaires.org/asp-chantier-insertion-givors", "rs-69-48263", "Sat, 21 Nov 2026 11:45:00 +0100",
     "<p>L'association <strong>Jardins de Cocagne du Grand Lyon</strong> recrute.</p><p>Lieu : Givors<br/>Contrat : CDI<br/>Temps de travail : 0,8 ETP<br/>Salaire : 1 950 € brut mensuel</p>"),
]
out = ['<?xml version="1.0" encoding="ISO-8859-1"?>',
       '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">', '<channel>',
       "<title>Ressources Solidaires - Offres d'emploi Rhône</title>",
       "<link>https://www.ressources-solidaires.org/</link>",
       "<description>Les offres d'emploi de l'économie sociale et solidaire dans le Rhône</description>",
       "<language>fr-FR</language>"]
for t, l, g, d, desc in items:
    out += ["<item>", f"<title>{html.escape(t, quote=False)}</title>", f"<link>{l}</link>",
            f'<guid isPermaLink="false">{g}</guid>', f"<pubDate>{d}</pubDate>",
            f"<description>{html.escape(desc, quote=False)}</description>", "</item>"]
out += ["</channel>", "</rss>", ""]
write("ressources-solidaires-rhone.xml", "\n".join(out).encode("iso-8859-1", "xmlcharrefreplace"))

# An association's WordPress with WP Job Manager: UTF-8, job_listing:* elements in CDATA.
# The second item swaps job_type and job_category, as some sites do.
wp = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:job_listing="https://wpjobmanager.com">
<channel>
	<title>Emplois &#8211; Les Restos du Cœur de la Marne</title>
	<atom:link href="https://emplois.restos51.org/?post_type=job_listing&#038;feed=rss2" rel="self" type="application/rss+xml" />
	<link>https://emplois.restos51.org</link>
	<description>Rejoignez nos équipes</description>
	<lastBuildDate>Sat, 21 Nov 2026 16:02:11 +0000</lastBuildDate>
	<language>fr-FR</language>
	<generator>https://wordpress.org/?v=6.8</generator>
	<item>
		<title>Responsable de centre de distribution (H/F)</title>
		<link>https://emplois.restos51.org/offre/responsable-centre-distribution-reims/</link>
		<dc:creator><![CDATA[rh-restos51]]></dc:creator>
		<pubDate>Mon, 16 Nov 2026 08:30:00 +0000</pubDate>
		<guid isPermaLink="false">https://emplois.restos51.org/?post_type=job_listing&#038;p=1184</guid>
		<description><![CDATA[Coordonner les bénévoles du centre de Reims, gérer les stocks et l'accueil des personnes accueillies.]]></description>
		<content:encoded><![CDATA[<p>Coordonner les <strong>bénévoles</strong> du centre de Reims, gérer les stocks et l'accueil des personnes accueillies.</p>
<ul><li>Permis B indispensable</li><li>Expérience du management associatif</li></ul>
<p><a href="/candidater/?job=1184">Candidater en ligne</a></p><img src="https://stats.example.net/pixel.gif?o=1184" width="1" height="1" />]]></content:encoded>
		<job_listing:location><![CDATA[51 - REIMS]]></job_listing:location>
		<job_listing:job_type><![CDATA[CDI]]></job_listing:job_type>
		<job_listing:job_category><![CDATA[Action sociale]]></job_listing:job_category>
		<job_listing:company><![CDATA[Les Restos du Cœur de la Marne]]></job_listing:company>
		<job_listing:salary><![CDATA[Mensuel de 2100,00 Euros à 2300,00 Euros]]></job_listing:salary>
	</item>
	<item>
		<title>Service civique &#8211; Lutte contre la précarité alimentaire h/f</title>
		<link>https://emplois.restos51.org/offre/service-civique-precarite-alimentaire-chalons/</link>
		<pubDate>Thu, 19 Nov 2026 13:10:00 +0000</pubDate>
		<guid isPermaLink="false">https://emplois.restos51.org/?post_type=job_listing&#038;p=1191</guid>
		<description><![CDATA[Mission de 8 mois, 24h par semaine, au centre de Châlons-en-Champagne.]]></description>
		<job_listing:location><![CDATA[Châlons-en-Champagne (51)]]></job_listing:location>
		<job_listing:job_type><![CDATA[Action sociale]]></job_listing:job_type>
		<job_listing:job_category><![CDATA[Service civique]]></job_listing:job_category>
		<job_listing:company><![CDATA[Les Restos du Cœur de la Marne]]></job_listing:company>
	</item>
	<item>
		<title>Chauffeur-livreur poids lourd (F/H) &#8211; CDD 6 mois</title>
		<link>https://emplois.restos51.org/offre/chauffeur-livreur-pl-epernay/</link>
		<pubDate>Fri, 20 Nov 2026 09:00:00 +0000</pubDate>
		<guid isPermaLink="false">https://emplois.restos51.org/?post_type=job_listing&#038;p=1193</guid>
		<description><![CDATA[<p>Tournées de ramasse auprès des grandes surfaces du secteur d'Épernay.</p>]]></description>
		<job_listing:location><![CDATA[Épernay]]></job_listing:location>
		<job_listing:job_type><![CDATA[CDD]]></job_listing:job_type>
		<job_listing:job_category><![CDATA[Logistique]]></job_listing:job_category>
		<job_listing:company><![CDATA[Les Restos du Cœur de la Marne]]></job_listing:company>
		<job_listing:salary><![CDATA[1 900 € brut mensuel]]></job_listing:salary>
	</item>
</channel>
</rss>
"""
write("wp-restos-marne.xml", wp.encode("utf-8"))

atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <id>tag:cress-bretagne.org,2026:offres</id>
  <title>CRESS Bretagne — Offres d'emploi de l'ESS</title>
  <updated>2026-11-21T17:00:00+01:00</updated>
  <link rel="self" href="https://www.cress-bretagne.org/offres.atom"/>
  <link rel="alternate" href="https://www.cress-bretagne.org/offres"/>
  <author><name>CRESS Bretagne</name></author>
  <entry>
    <id>tag:cress-bretagne.org,2026:offre-3391</id>
    <title>Coordinateur·rice de tiers-lieu (H/F)</title>
    <link rel="alternate" type="text/html" href="https://www.cress-bretagne.org/offres/3391-coordinateur-tiers-lieu?utm_source=atom"/>
    <published>2026-11-18T09:00:00+01:00</published>
    <updated>2026-11-19T12:30:00+01:00</updated>
    <author><name>SCIC La Fabrique du Lien</name></author>
    <category term="Développement local"/>
    <content type="html">&lt;p&gt;La SCIC &lt;b&gt;La Fabrique du Lien&lt;/b&gt; recrute son coordinateur.&lt;/p&gt;&lt;p&gt;Lieu : Rennes (35)&lt;br&gt;Contrat : CDI&lt;br&gt;Salaire : 28 à 32 K€ brut/an&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:cress-bretagne.org,2026:offre-3402</id>
    <title>Conseiller·ère en insertion professionnelle</title>
    <link rel="alternate" type="text/html" href="https://www.cress-bretagne.org/offres/3402-cip-brest"/>
    <published>2026-11-20T10:15:00+01:00</published>
    <updated>2026-11-20T10:15:00+01:00</updated>
    <author><name>Association Don Bosco</name></author>
    <category term="Insertion"/>
    <content type="html">&lt;p&gt;Lieu : 29200 Brest&lt;br&gt;Contrat : CDD de 12 mois&lt;br&gt;Temps de travail : Temps plein&lt;br&gt;Salaire : selon convention collective&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;</content>
  </entry>
  <entry>
    <id>tag:cress-bretagne.org,2026:offre-3407</id>
    <title>Stage — Communication et vie coopérative (6 mois)</title>
    <link rel="alternate" type="text/html" href="https://www.cress-bretagne.org/offres/3407-stage-communication"/>
    <published>2026-11-21T08:00:00+01:00</published>
    <updated>2026-11-21T08:00:00+01:00</updated>
    <author><name>Biocoop Scarabée</name></author>
    <content type="html">&lt;p&gt;Lieu : Ajaccio (2A)&lt;br&gt;Contrat : Stage de 6 mois&lt;br&gt;Gratification légale&lt;/p&gt;</content>
  </entry>
</feed>
"""
write("cress-bretagne.atom", atom.encode("utf-8"))

jf = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Mutualité Française — Offres d'emploi",
    "home_page_url": "https://emplois.mutualite.fr/",
    "feed_url": "https://emplois.mutualite.fr/feed.json",
    "language": "fr",
    "items": [
        {"id": "MF-2026-0912", "url": "https://emplois.mutualite.fr/offres/MF-2026-0912",
         "title": "Infirmier(e) en centre de santé mutualiste H/F",
         "content_html": "<p>Le centre de santé mutualiste de Saint-Denis recrute.</p><p>Lieu : 97400 Saint-Denis<br>Contrat : CDI<br>Temps de travail : 35h<br>Salaire : 2 400 € brut mensuel</p>",
         "date_published": "2026-11-17T07:00:00+04:00", "date_modified": "2026-11-18T07:00:00+04:00",
         "authors": [{"name": "Mutualité Française Réunion"}], "tags": ["Santé", "Soins"]},
        {"id": "MF-2026-0917", "url": "https://emplois.mutualite.fr/offres/MF-2026-0917",
         "title": "Opticien·ne — Magasin mutualiste Écouter Voir",
         "content_text": "Lieu : Marseille 13001\nContrat : CDD 6 mois\nSalaire : 1 900 € brut mensuel\nDate limite : 3 décembre 2026",
         "date_published": "2026-11-19T09:30:00Z",
         "authors": [{"name": "Mutualité Française Sud"}], "tags": ["Optique"]},
        {"id": "MF-2026-0921", "url": "https://emplois.mutualite.fr/offres/MF-2026-0921",
         "title": "Chargé de prévention santé (F/H) - Temps partiel",
         "content_html": "<p>Lieu : Paris 15e<br>Contrat : CDI<br>Temps de travail : 28h par semaine<br>Télétravail : 2 jours</p>",
         "date_published": "2026-11-20T11:00:00+01:00",
         "authors": [{"name": "Mutualité Française Île-de-France"}], "tags": ["Prévention"]},
    ],
}
write("mutualite-francaise.json", (json.dumps(jf, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

# RSS 1.0 (RDF) in Windows-1252 (curly quotes, en dashes, œ), declared in the prolog.
rdf_items = [
    ("Animateur de réseau – Pôle ESS du Pays de Morlaix", "https://www.reseau-ess-finistere.org/offres/animateur-reseau-morlaix", "2026-11-16T10:00:00+01:00",
     "Lieu : Morlaix (29) – Contrat : CDD 18 mois – Salaire : 2 000 € brut mensuel"),
    ("Comptable « œuvres sociales » H/F", "https://www.reseau-ess-finistere.org/offres/comptable-quimper", "2026-11-19T15:20:00+01:00",
     "Lieu : Quimper – Contrat : CDI – Salaire : 25 000 € / an"),
]
r = ['<?xml version="1.0" encoding="windows-1252"?>',
     '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
     '<channel rdf:about="https://www.reseau-ess-finistere.org/offres.rdf">', "<title>Réseau ESS Finistère — offres</title>",
     "<link>https://www.reseau-ess-finistere.org/offres</link>", "<description>Offres d’emploi du réseau</description>",
     "<items><rdf:Seq>"] + [f'<rdf:li rdf:resource="{l}"/>' for _, l, _, _ in rdf_items] + ["</rdf:Seq></items>", "</channel>"]
for t, l, d, desc in rdf_items:
    r += [f'<item rdf:about="{l}">', f"<title>{html.escape(t, quote=False)}</title>", f"<link>{l}</link>",
          f"<description>{html.escape(desc, quote=False)}</description>", f"<dc:date>{d}</dc:date>", "</item>"]
r += ["</rdf:RDF>", ""]
write("reseau-ess-finistere.rdf", "\n".join(r).encode("cp1252"))

# Indeed-style XML from a cooperative job board: Windows-1252 bytes with no charset declared
# anywhere (the decoder must fall back), CDATA, a repeated referencenumber with HTML entities.
indeed = """<?xml version="1.0"?>
<source>
<publisher>Coopérer pour l'emploi</publisher>
<publisherurl>https://www.cooperer-emploi.example</publisherurl>
<lastBuildDate>Sat, 21 Nov 2026 06:00:00 GMT</lastBuildDate>
<job>
<title><![CDATA[Aide à domicile H/F]]></title>
<date><![CDATA[Fri, 20 Nov 2026 10:00:00 GMT]]></date>
<referencenumber><![CDATA[ADMR-51-0042]]></referencenumber>
<url><![CDATA[https://www.cooperer-emploi.example/offres/admr-51-0042?utm_source=indeed]]></url>
<company><![CDATA[ADMR de la Marne]]></company>
<city><![CDATA[Épernay]]></city>
<state><![CDATA[Grand Est]]></state>
<country><![CDATA[FR]]></country>
<postalcode><![CDATA[51200]]></postalcode>
<description><![CDATA[<p>Vous accompagnez des personnes âgées dans les actes de la vie quotidienne – « bien vieillir chez soi ».</p><p>Permis B et véhicule indispensables.</p>]]></description>
<salary><![CDATA[11,88 € brut de l'heure]]></salary>
<jobtype><![CDATA[CDI, Temps partiel]]></jobtype>
<category><![CDATA[Services à la personne]]></category>
</job>
<job>
<title><![CDATA[Charg&eacute;(e) de communication (F/H)]]></title>
<date><![CDATA[19/11/2026]]></date>
<referencenumber><![CDATA[SCOP-&amp;-12]]></referencenumber>
<url><![CDATA[https://www.cooperer-emploi.example/offres/scop-12]]></url>
<company><![CDATA[SCOP Ardelaine]]></company>
<city><![CDATA[Saint-Pierreville]]></city>
<postalcode><![CDATA[07190]]></postalcode>
<description><![CDATA[Coopérative de la laine en Ardèche.
Poste en alternance, 2 jours par semaine en formation.]]></description>
<salary><![CDATA[selon profil]]></salary>
<jobtype><![CDATA[Contrat de professionnalisation]]></jobtype>
<category><![CDATA[Communication]]></category>
</job>
<job>
<title><![CDATA[Agent de tri en atelier chantier d'insertion]]></title>
<date><![CDATA[32/13/2026]]></date>
<referencenumber><![CDATA[EMMAUS-88]]></referencenumber>
<url><![CDATA[https://www.cooperer-emploi.example/offres/emmaus-88]]></url>
<company><![CDATA[Emmaüs Connect]]></company>
<city><![CDATA[Atlantide]]></city>
<description><![CDATA[Tri et valorisation de matériel informatique.]]></description>
<jobtype><![CDATA[XYZ]]></jobtype>
</job>
</source>
"""
write("indeed-cooperer.xml", indeed.encode("cp1252"))

ft = {
    "resultats": [
        {"id": "201ZXYB", "intitule": "Moniteur éducateur (H/F)",
         "description": "Au sein d'un foyer d'hébergement pour adultes en situation de handicap, vous accompagnez les résidents dans leur vie quotidienne.",
         "dateCreation": "2026-11-18T09:12:04.000Z", "dateActualisation": "2026-11-19T10:00:00.000Z",
         "lieuTravail": {"libelle": "51 - REIMS", "latitude": 49.25, "longitude": 4.03, "codePostal": "51100", "commune": "51454"},
         "romeCode": "K1207", "appellationlibelle": "Moniteur-éducateur / Monitrice-éducatrice",
         "entreprise": {"nom": "ASSOCIATION LES PAPILLONS BLANCS"},
         "typeContrat": "CDD", "typeContratLibelle": "Contrat à durée déterminée - 6 Mois", "natureContrat": "Contrat travail",
         "experienceExige": "D", "salaire": {"libelle": "Mensuel de 1900,00 Euros à 2100,00 Euros sur 12 mois"},
         "dureeTravailLibelle": "35H Horaires normaux", "dureeTravailLibelleConverti": "Temps plein",
         "secteurActivite": "87", "secteurActiviteLibelle": "Hébergement médico-social et social",
         "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/201ZXYB"}},
        {"id": "201ZYTR", "intitule": "Agent d'entretien des espaces verts en insertion",
         "description": "Chantier d'insertion : entretien des espaces naturels.",
         "dateCreation": "2026-11-20T14:00:00.000Z",
         "lieuTravail": {"libelle": "2B - BASTIA", "codePostal": "20200", "commune": "2B033"},
         "entreprise": {"nom": "Association Bastia Insertion"},
         "typeContrat": "CDD", "typeContratLibelle": "Contrat à durée déterminée - 4 Mois", "natureContrat": "Insertion par l'activ.éco.",
         "salaire": {"libelle": "Horaire de 11.88 Euros"},
         "dureeTravailLibelle": "26H Horaires normaux", "dureeTravailLibelleConverti": "Temps partiel",
         "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/201ZYTR"}},
        {"id": "201ZZAA", "intitule": "Infirmier / Infirmière (H/F)",
         "description": "EHPAD mutualiste.",
         "dateCreation": "2026-11-21T08:30:00.000Z",
         "lieuTravail": {"libelle": "974 - ST DENIS", "codePostal": "97400", "commune": "97411"},
         "entreprise": {"nom": "Mutuelle Réunion Santé"},
         "typeContrat": "MIS", "typeContratLibelle": "Mission intérimaire - 3 Mois", "natureContrat": "Contrat travail",
         "dureeTravailLibelleConverti": "Temps plein",
         "origineOffre": {"origine": "2", "urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/201ZZAA"}},
    ],
    "filtresPossibles": [],
}
write("france-travail.json", (json.dumps(ft, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

jsonld = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "name": "Emplois du Mouvement associatif Occitanie"},
        {"@type": "JobPosting", "title": "Délégué·e régional·e (H/F)",
         "description": "<p>Le Mouvement associatif Occitanie recrute son délégué régional.</p><ul><li>Animation du réseau</li><li>Plaidoyer</li></ul>",
         "identifier": {"@type": "PropertyValue", "name": "LMA Occitanie", "value": "LMA-OC-2026-07"},
         "datePosted": "2026-11-12", "validThrough": "2026-12-20T23:59:00+01:00",
         "employmentType": ["FULL_TIME"], "hiringOrganization": {"@type": "Organization", "name": "Le Mouvement associatif Occitanie"},
         "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Toulouse", "postalCode": "31000", "addressRegion": "Occitanie", "addressCountry": "FR"}},
         "baseSalary": {"@type": "MonetaryAmount", "currency": "EUR", "value": {"@type": "QuantitativeValue", "minValue": 34000, "maxValue": 38000, "unitText": "YEAR"}},
         "url": "https://emplois.lmaoccitanie.example/offres/delegue-regional"},
        {"@type": "JobPosting", "title": "Volontaire en service civique – Numérique solidaire",
         "description": "Accompagner les habitants dans leurs démarches en ligne.",
         "identifier": "LMA-OC-2026-09", "datePosted": "2026-11-19T10:00:00+01:00",
         "employmentType": "VOLUNTEER", "hiringOrganization": "Association Montpellier Numérique Solidaire",
         "jobLocation": [{"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Montpellier", "postalCode": "34000"}}],
         "jobLocationType": "TELECOMMUTE",
         "url": "https://emplois.lmaoccitanie.example/offres/service-civique-numerique"},
    ],
}
write("mouvement-associatif-occitanie.jsonld", (json.dumps(jsonld, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

missions = """<?xml version="1.0" encoding="UTF-8"?>
<source>
<publisher>api-engagement</publisher>
<mission>
<title>Accompagner des jeunes dans leur scolarité</title>
<clientId>AFEV-2026-1187</clientId>
<description><![CDATA[<p>Deux heures par semaine, accompagnez un collégien dans son quartier.</p>]]></description>
<applicationUrl>https://www.jeveuxaider.example/missions/afev-2026-1187</applicationUrl>
<postedAt>15/11/2026</postedAt>
<startAt>04/01/2027</startAt>
<endAt>30/06/2027</endAt>
<addresses><address><street>12 rue de la Paix</street><postalCode>59000</postalCode><city>Lille</city><departmentCode>59</departmentCode><region>Hauts-de-France</region><lat>50.63</lat><lon>3.06</lon></address></addresses>
<organizationName>AFEV</organizationName>
<organizationRNA>W751234567</organizationRNA>
<organizationType>Association</organizationType>
<domain>education</domain>
<remote>no</remote>
</mission>
<mission>
<title>Animer des ateliers de réparation de vélos</title>
<clientId>VELO-REP-42</clientId>
<description>Atelier participatif, le samedi matin.</description>
<applicationUrl>https://www.jeveuxaider.example/missions/velo-rep-42</applicationUrl>
<postedAt>20/11/2026</postedAt>
<addresses><address><postalCode>13001</postalCode><city>Marseille</city><departmentCode>13</departmentCode></address></addresses>
<organizationName>Collectif Vélos en Ville</organizationName>
<organizationType>Association</organizationType>
<domain>environnement</domain>
</mission>
</source>
"""
write("api-engagement-missions.xml", missions.encode("utf-8"))

# A home-made XML format, read through a [feed.mapping] in feeds.toml.
maison = """<?xml version="1.0" encoding="ISO-8859-15"?>
<offres generee="2026-11-21">
  <offre ref="UNA-37-15" maj="2026-11-20">
    <intitule>Responsable de secteur aide à domicile</intitule>
    <structure type="Association">UNA Touraine</structure>
    <lieu cp="37000">Tours</lieu>
    <contrat>CDI</contrat>
    <horaires>Temps plein</horaires>
    <remuneration>De 2 200 à 2 400 € bruts par mois</remuneration>
    <datelimite>12 décembre 2026</datelimite>
    <texte>Encadrement d'une équipe de 25 intervenants à domicile. Prime €.</texte>
    <lien>/offres/una-37-15.html</lien>
  </offre>
  <offre ref="UNA-37-16" maj="2026-11-21">
    <intitule>Auxiliaire de vie sociale (H/F)</intitule>
    <structure type="Association">UNA Touraine</structure>
    <lieu cp="37300">Joué-lès-Tours</lieu>
    <contrat>CDD 3 mois</contrat>
    <horaires>24h/semaine</horaires>
    <remuneration>Selon convention collective BAD</remuneration>
    <texte>Interventions au domicile des personnes âgées.</texte>
    <lien>/offres/una-37-16.html</lien>
  </offre>
</offres>
"""
write("una-touraine.xml", maison.encode("iso-8859-15"))
