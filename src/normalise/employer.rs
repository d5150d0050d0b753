//! The employer's family (association, foundation, mutual, cooperative, social enterprise,
//! public body), from a stated type or from the employer's name.

use crate::model::EmployerFamily;
use crate::text::lexer::{best_match, Pattern, ProseTokens};

const EMPLOYER_PATTERNS: &[Pattern<EmployerFamily>] = {
    use EmployerFamily::{
        Association as A, CollectiviteOuPublic as P, Cooperative as C, EntrepriseSociale as E,
        Fondation as F, Mutuelle as M,
    };
    &[
        (&["fondation"], F, 60, false),
        (&["fondations"], F, 60, false),
        (&["fonds", "dotation"], F, 60, false),
        (&["apprentis", "auteuil"], F, 60, false),
        (&["armee", "salut"], F, 60, false),
        (&["credit", "mutuel"], C, 58, false),
        (&["credit", "cooperatif"], C, 58, false),
        (&["credit", "agricole"], C, 58, false),
        (&["banque", "populaire"], C, 58, false),
        (&["caisse", "epargne"], C, 58, false),
        (&["mutuelle"], M, 55, false),
        (&["mutuelles"], M, 55, false),
        (&["mutualiste"], M, 55, false),
        (&["mutualistes"], M, 55, false),
        (&["mutualite"], M, 55, false),
        (&["mgen"], M, 55, false),
        (&["maif"], M, 55, false),
        (&["macif"], M, 55, false),
        (&["matmut"], M, 55, false),
        (&["maaf"], M, 55, false),
        (&["mnt"], M, 55, true),
        (&["aesio"], M, 55, false),
        (&["vyv"], M, 55, false),
        (&["mutualia"], M, 55, false),
        (&["cooperative"], C, 50, false),
        (&["cooperatives"], C, 50, false),
        (&["cooperatif"], C, 50, false),
        (&["scop"], C, 50, false),
        (&["scic"], C, 50, false),
        (&["cae"], C, 50, false),
        (&["cuma"], C, 50, false),
        (&["coop"], C, 50, false),
        (&["association"], A, 40, false),
        (&["associations"], A, 40, false),
        (&["asso"], A, 40, false),
        (&["assoc"], A, 40, false),
        (&["associatif"], A, 40, false),
        (&["associative"], A, 40, false),
        (&["admr"], A, 40, false),
        (&["una"], A, 40, true),
        (&["croix", "rouge"], A, 40, false),
        (&["secours", "populaire"], A, 40, false),
        (&["secours", "catholique"], A, 40, false),
        (&["restos", "coeur"], A, 40, false),
        (&["restaurants", "coeur"], A, 40, false),
        (&["emmaus"], A, 40, false),
        (&["apf"], A, 40, true),
        (&["unapei"], A, 40, false),
        (&["adapei"], A, 40, false),
        (&["apajh"], A, 40, false),
        (&["udaf"], A, 40, false),
        (&["unaf"], A, 40, false),
        (&["adsea"], A, 40, false),
        (&["sauvegarde"], A, 40, false),
        (&["mjc"], A, 40, false),
        (&["cemea"], A, 40, false),
        (&["leo", "lagrange"], A, 40, false),
        (&["ucpa"], A, 40, false),
        (&["eclaireuses", "eclaireurs"], A, 40, false),
        (&["eedf"], A, 40, false),
        (&["acepp"], A, 40, false),
        (&["afij"], A, 40, false),
        (&["cress"], A, 40, false),
        (&["uriopss"], A, 40, false),
        (&["uniopss"], A, 40, false),
        (&["aides"], A, 40, true),
        (&["petits", "freres", "pauvres"], A, 40, false),
        (&["ligue", "enseignement"], A, 40, false),
        (&["ligue", "contre", "cancer"], A, 40, false),
        (&["france", "terre", "asile"], A, 40, false),
        (&["coallia"], A, 40, false),
        (&["groupe", "sos"], A, 40, false),
        (&["habitat", "humanisme"], A, 40, false),
        (&["federation"], A, 40, false),
        (&["planning", "familial"], A, 40, false),
        (&["cimade"], A, 40, false),
        (&["medecins", "monde"], A, 40, false),
        (&["medecins", "sans", "frontieres"], A, 40, false),
        (&["ong"], A, 40, false),
        (&["but", "non", "lucratif"], A, 40, false),
        (&["sans", "but", "lucratif"], A, 40, false),
        (&["mission", "locale"], A, 40, false),
        (&["esus"], E, 30, false),
        (&["entreprise", "sociale"], E, 30, false),
        (&["entreprise", "solidaire"], E, 30, false),
        (&["entreprise", "insertion"], E, 30, false),
        (&["entreprise", "adaptee"], E, 30, false),
        (&["entreprise", "but", "emploi"], E, 30, false),
        (&["etti"], E, 30, false),
        (&["siae"], E, 30, false),
        (&["collectivite"], P, 20, false),
        (&["collectivites"], P, 20, false),
        (&["etablissement", "public"], P, 20, false),
        (&["etablissements", "publics"], P, 20, false),
        (&["organisation", "publique"], P, 20, false),
        (&["organisme", "public"], P, 20, false),
        (&["structure", "publique"], P, 20, false),
        (&["secteur", "public"], P, 20, false),
        (&["fonction", "publique"], P, 20, false),
        (&["service", "public"], P, 20, false),
        (&["administration"], P, 20, false),
        (&["mairie"], P, 20, false),
        (&["ccas"], P, 20, false),
        (&["cias"], P, 20, false),
        (&["conseil", "departemental"], P, 20, false),
        (&["conseil", "regional"], P, 20, false),
        (&["conseil", "general"], P, 20, false),
        (&["communaute", "communes"], P, 20, false),
        (&["communaute", "agglomeration"], P, 20, false),
        (&["metropole"], P, 20, false),
        (&["centre", "hospitalier"], P, 20, false),
        (&["chu"], P, 20, false),
        (&["prefecture"], P, 20, false),
        (&["ministere"], P, 20, false),
        (&["france", "travail"], P, 20, false),
        (&["pole", "emploi"], P, 20, false),
        (&["universite"], P, 20, false),
        (&["epci"], P, 20, false),
        (&["gip"], P, 20, false),
        (&["sivu"], P, 20, false),
        (&["sivom"], P, 20, false),
        (&["syndicat", "intercommunal"], P, 20, false),
    ]
};

/// First words that name a family by themselves ("Ville de Lyon", "Association ...").
fn family_of_first_word(w: &str) -> Option<EmployerFamily> {
    Some(match w {
        "association" | "asso" | "assoc" => EmployerFamily::Association,
        "fondation" => EmployerFamily::Fondation,
        "mutuelle" | "mutualite" => EmployerFamily::Mutuelle,
        "scop" | "scic" | "cae" | "cuma" | "cooperative" | "coop" => EmployerFamily::Cooperative,
        "mairie" | "ville" | "commune" | "departement" | "region" | "metropole" | "ccas"
        | "cias" => EmployerFamily::CollectiviteOuPublic,
        _ => return None,
    })
}

fn family_of_text(text: &str) -> Option<EmployerFamily> {
    let lx = ProseTokens::new(text);
    let ws = lx.content_words();
    if let Some(f) = ws
        .first()
        .and_then(|&i| lx.word(i))
        .and_then(family_of_first_word)
    {
        return Some(f);
    }
    let mut best = best_match(&lx, &ws, EMPLOYER_PATTERNS).map(|(f, p, _)| (f, p));
    // "Biocoop", "Enercoop", "Coopaname": a word made on "coop".
    if best.is_none_or(|(_, p)| p < 50)
        && ws.iter().any(|&i| {
            lx.word(i)
                .is_some_and(|w| w.len() > 4 && (w.starts_with("coop") || w.ends_with("coop")))
        })
    {
        best = Some((EmployerFamily::Cooperative, 50));
    }
    // "Association loi 1901", "loi 1908" (Alsace-Moselle).
    if best.is_none_or(|(_, p)| p < 40)
        && (0..lx.len()).any(|i| {
            lx.word(i) == Some("loi")
                && matches!(lx.num(i + 1), Some(v) if v == 1901.0 || v == 1908.0)
        })
    {
        best = Some((EmployerFamily::Association, 40));
    }
    best.map(|(f, _)| f)
}

/// The employer's family, from a stated type when there is one ("Association loi 1901",
/// organizationType "Association", "Fondation reconnue d'utilité publique", "ESUS",
/// "Collectivité territoriale") and otherwise from the name ("Association Les Amis de...",
/// "Mutuelle ...", "SCOP ...", "SCIC ...", "CAE ...", "CUMA ...", "Fondation ...", "ADMR",
/// "UNA ...", "Croix-Rouge française", "Biocoop", "Ville de ...", "CCAS de ..."). The stated type
/// wins; a stated type that names no family ("Entreprise", "Autre") falls back to the name.
/// `None` when not inferable.
pub fn employer_family(name: &str, stated: Option<&str>) -> Option<EmployerFamily> {
    stated
        .and_then(family_of_text)
        .or_else(|| family_of_text(name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn employer_family_table() {
        use EmployerFamily::{
            Association as A, CollectiviteOuPublic as P, Cooperative as Co, EntrepriseSociale as E,
            Fondation as F, Mutuelle as M,
        };
        let cases: &[(&str, Option<&str>, Option<EmployerFamily>)] = &[
            ("Association Les Amis de la Terre", None, Some(A)),
            ("ASSOCIATION LES AMIS DE ...", None, Some(A)),
            ("Mutuelle Familiale", None, Some(M)),
            ("Harmonie Mutuelle", None, Some(M)),
            ("Mutualité Française Auvergne-Rhône-Alpes", None, Some(M)),
            ("SCOP Ardelaine", None, Some(Co)),
            ("SCIC Enercoop", None, Some(Co)),
            ("Enercoop", None, Some(Co)),
            ("Coopérative Oxalis", None, Some(Co)),
            ("CAE Coopaname", None, Some(Co)),
            ("CUMA des Trois Vallées", None, Some(Co)),
            ("Crédit Mutuel", None, Some(Co)),
            ("Fondation Abbé Pierre", None, Some(F)),
            ("Apprentis d'Auteuil", None, Some(F)),
            ("Fondation de l'Armée du Salut", None, Some(F)),
            ("ADMR du Rhône", None, Some(A)),
            ("Fédération ADMR", None, Some(A)),
            ("Croix-Rouge française", None, Some(A)),
            ("UNA Gironde", None, Some(A)),
            ("Emmaüs Connect", None, Some(A)),
            ("Ligue de l'enseignement", None, Some(A)),
            ("Mission locale de Lyon", None, Some(A)),
            ("Ville de Lyon", None, Some(P)),
            ("CCAS de Villeurbanne", None, Some(P)),
            ("Conseil départemental du Rhône", None, Some(P)),
            ("Centre hospitalier de Reims", None, Some(P)),
            ("Les Jardins de Cocagne", None, None),
            ("Acme SAS", None, None),
            ("Acme SAS", Some("ESUS"), Some(E)),
            (
                "Acme SAS",
                Some("Entreprise solidaire d'utilité sociale"),
                Some(E),
            ),
            ("Envie Rhône", Some("Entreprise d'insertion"), Some(E)),
            (
                "Les Jardins de Cocagne",
                Some("Association loi 1901"),
                Some(A),
            ),
            ("Les Jardins de Cocagne", Some("Loi 1901"), Some(A)),
            ("Les Jardins de Cocagne", Some("Association"), Some(A)),
            (
                "Les Jardins de Cocagne",
                Some("Association de droit local"),
                Some(A),
            ),
            ("Fondation X", Some("Association"), Some(A)),
            (
                "Association Y",
                Some("Fondation reconnue d'utilité publique"),
                Some(F),
            ),
            ("Mairie", Some("Collectivité territoriale"), Some(P)),
            ("X", Some("Etablissement public"), Some(P)),
            ("Mutuelle Z", Some("Entreprise"), Some(M)),
            ("Mutuelle Z", Some("Autre"), Some(M)),
            ("Mutuelle Z", Some(""), Some(M)),
            ("X", Some("Organisme sans but lucratif"), Some(A)),
            ("", None, None),
            ("🙂", None, None),
        ];
        for (name, stated, want) in cases {
            assert_eq!(employer_family(name, *stated), *want, "{name:?} {stated:?}");
        }
    }
}
