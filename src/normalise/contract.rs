//! Contract types read from what partners write: free text ("CDI", "Contrat à durée
//! indéterminée", "CDD 6 mois", "Mission d'intérim", WP Job Manager slugs, schema.org
//! `employmentType` values, English words) and France Travail's `typeContrat` /
//! `natureContrat` codes.
//!
//! Decisions worth knowing (also stated on the functions):
//! - when a text names several contracts, the most specific wins (insertion, contrat aidé,
//!   alternance, service civique, stage, volontariat, bénévolat, intérim, saisonnier,
//!   indépendant, CDD, CDI, in that order), so "CDD/CDI" is a CDD and "CDD d'insertion" is
//!   insertion;
//! - "vacation" / "vacataire" is a CDD (in private law a vacation is a CDD d'usage) and the
//!   contrat d'engagement éducatif (France Travail nature `EE`) is a CDD too (a fixed-term
//!   contract of its own kind).
//!
//! Pure, like every reader of the vocabulary: no I/O, no global state, no panic on any input.

use crate::model::Contract;
use crate::parse::RawItem;
use crate::text::lexer::{best_match, Pattern, ProseTokens};

const CONTRACT_PATTERNS: &[Pattern<Contract>] = {
    use Contract as C;
    &[
        // "contrat unique d'insertion" is the CUI, a contrat aidé, not insertion.
        (
            &["contrat", "unique", "insertion"],
            C::ContratAide,
            95,
            false,
        ),
        (&["cddi"], C::Insertion, 90, false),
        (&["insertion"], C::Insertion, 90, false),
        (&["etti"], C::Insertion, 90, false),
        (&["aci"], C::Insertion, 90, true),
        (&["iae"], C::Insertion, 90, true),
        (&["pec"], C::ContratAide, 85, false),
        (
            &["parcours", "emploi", "competences"],
            C::ContratAide,
            85,
            false,
        ),
        (&["cui"], C::ContratAide, 85, false),
        (&["cae"], C::ContratAide, 85, true),
        (&["cie"], C::ContratAide, 85, true),
        (&["contrat", "aide"], C::ContratAide, 85, false),
        (&["contrats", "aides"], C::ContratAide, 85, false),
        (&["emplois", "aides"], C::ContratAide, 85, false),
        (&["adulte", "relais"], C::ContratAide, 85, false),
        (&["adultes", "relais"], C::ContratAide, 85, false),
        (&["emploi", "avenir"], C::ContratAide, 85, false),
        (&["emplois", "avenir"], C::ContratAide, 85, false),
        (&["alternance"], C::Alternance, 80, false),
        (&["alternant"], C::Alternance, 80, false),
        (&["alternante"], C::Alternance, 80, false),
        (&["alternants"], C::Alternance, 80, false),
        (&["apprentissage"], C::Alternance, 80, false),
        (&["apprenti"], C::Alternance, 80, false),
        (&["apprentie"], C::Alternance, 80, false),
        (&["apprentis"], C::Alternance, 80, false),
        (&["professionnalisation"], C::Alternance, 80, false),
        (&["contrat", "pro"], C::Alternance, 80, false),
        (&["apprenticeship"], C::Alternance, 80, false),
        (&["work", "study"], C::Alternance, 80, false),
        (&["service", "civique"], C::ServiceCivique, 75, false),
        (&["services", "civiques"], C::ServiceCivique, 75, false),
        (&["stage"], C::Stage, 70, false),
        (&["stages"], C::Stage, 70, false),
        (&["stagiaire"], C::Stage, 70, false),
        (&["stagiaires"], C::Stage, 70, false),
        (&["internship"], C::Stage, 70, false),
        (&["intern"], C::Stage, 70, false),
        (&["volontariat"], C::Volontariat, 65, false),
        (&["volontaire"], C::Volontariat, 65, false),
        (&["volontaires"], C::Volontariat, 65, false),
        (&["vsi"], C::Volontariat, 65, false),
        (&["vie"], C::Volontariat, 65, true),
        (&["via"], C::Volontariat, 65, true),
        (&["esc"], C::Volontariat, 65, true),
        (
            &["corps", "europeen", "solidarite"],
            C::Volontariat,
            65,
            false,
        ),
        (&["benevolat"], C::Benevolat, 60, false),
        (&["benevole"], C::Benevolat, 60, false),
        (&["benevoles"], C::Benevolat, 60, false),
        (&["volunteer"], C::Benevolat, 60, false),
        (&["volunteers"], C::Benevolat, 60, false),
        (&["volunteering"], C::Benevolat, 60, false),
        (&["interim"], C::Interim, 55, false),
        (&["interimaire"], C::Interim, 55, false),
        (&["interimaires"], C::Interim, 55, false),
        (&["travail", "temporaire"], C::Interim, 55, false),
        (&["contrat", "mission"], C::Interim, 55, false),
        (&["mis"], C::Interim, 55, true),
        (&["saisonnier"], C::Saisonnier, 50, false),
        (&["saisonniere"], C::Saisonnier, 50, false),
        (&["saisonniers"], C::Saisonnier, 50, false),
        (&["saisonnieres"], C::Saisonnier, 50, false),
        (&["seasonal"], C::Saisonnier, 50, false),
        (&["saison"], C::Saisonnier, 50, false),
        (&["freelance"], C::Independant, 45, false),
        (&["free", "lance"], C::Independant, 45, false),
        (&["freelancer"], C::Independant, 45, false),
        (&["independant"], C::Independant, 45, false),
        (&["independante"], C::Independant, 45, false),
        (&["independants"], C::Independant, 45, false),
        (&["auto", "entrepreneur"], C::Independant, 45, false),
        (&["autoentrepreneur"], C::Independant, 45, false),
        (&["micro", "entrepreneur"], C::Independant, 45, false),
        (&["microentrepreneur"], C::Independant, 45, false),
        (&["liberal"], C::Independant, 45, false),
        (&["liberale"], C::Independant, 45, false),
        (&["contractor"], C::Independant, 45, false),
        (&["portage", "salarial"], C::Independant, 45, false),
        (&["self", "employed"], C::Independant, 45, false),
        (&["prestataire"], C::Independant, 45, false),
        (&["cdd"], C::Cdd, 40, false),
        (&["cddu"], C::Cdd, 40, false),
        (&["duree", "determinee"], C::Cdd, 40, false),
        (&["fixed", "term"], C::Cdd, 40, false),
        (&["temporary"], C::Cdd, 40, false),
        (&["vacation"], C::Cdd, 40, false),
        (&["vacations"], C::Cdd, 40, false),
        (&["vacataire"], C::Cdd, 40, false),
        (&["vacataires"], C::Cdd, 40, false),
        (&["contrat", "engagement", "educatif"], C::Cdd, 40, false),
        (&["cee"], C::Cdd, 40, true),
        (&["objet", "defini"], C::Cdd, 40, false),
        (&["remplacement"], C::Cdd, 39, false),
        (&["cdi"], C::Cdi, 30, false),
        (&["duree", "indeterminee"], C::Cdi, 30, false),
        (&["permanent"], C::Cdi, 30, false),
        (&["permanente"], C::Cdi, 30, false),
        (&["franchise"], C::Autre, 10, false),
        (&["contrat", "commercial"], C::Autre, 10, false),
        (&["other"], C::Autre, 10, false),
        (&["per", "diem"], C::Autre, 10, false),
    ]
};

/// Classifies a free-text contract ("CDI", "Contrat à durée indéterminée", "CDD 6 mois",
/// "Mission d'intérim", "Contrat de professionnalisation", "PEC", "CDDI", "Auto-entrepreneur",
/// WP Job Manager slugs, schema.org `employmentType` values, English words...).
///
/// Working-time words alone ("FULL_TIME", "temps-plein") are not a contract and give `None`,
/// as does any unknown text. When several contracts are named the most specific wins (see the
/// module doc): "CDD/CDI" is `Cdd`, "CDI intérimaire" is `Interim`, "CDD d'insertion" is
/// `Insertion`. "Vacation" is `Cdd`; schema.org `TEMPORARY` is `Cdd`, `INTERN` is `Stage`,
/// `VOLUNTEER` is `Benevolat`, `CONTRACTOR` is `Independant`, `OTHER` / `PER_DIEM` are `Autre`.
pub fn classify_contract(raw: &str) -> Option<Contract> {
    let lx = ProseTokens::new(raw);
    let ws = lx.content_words();
    best_match(&lx, &ws, CONTRACT_PATTERNS).map(|(c, _, _)| c)
}

/// Maps France Travail `typeContrat` (CDI, CDD, MIS, SAI, LIB, FRA, REP, CCE, TTI, DDI, DIN),
/// refined by `natureContrat`.
///
/// Types: MIS and DIN (CDI intérimaire) are `Interim`, SAI `Saisonnier`, LIB `Independant`,
/// FRA (franchise), REP (reprise d'entreprise) and CCE (profession commerciale) `Autre`, TTI
/// and DDI (temporary work and CDD d'insertion) `Insertion`. Natures override the type: E2
/// (apprentissage) and FS (professionnalisation) give `Alternance`; FT, FU (CUI-CAE / PEC,
/// CUI-CIE) and FW, FX, FY (emplois d'avenir) give `ContratAide`; I1 gives `Insertion`; EE
/// (contrat d'engagement éducatif) gives `Cdd`, since it is a fixed-term contract of its own
/// kind; E1 (plain contrat de travail) keeps the type. An unknown type code is read as free
/// text with [`classify_contract`] (so a `typeContratLibelle` works too).
pub fn france_travail_contract(
    type_contrat: &str,
    nature_contrat: Option<&str>,
) -> Option<Contract> {
    let t = type_contrat.trim();
    let base = [
        ("CDI", Contract::Cdi),
        ("CDD", Contract::Cdd),
        ("MIS", Contract::Interim),
        ("SAI", Contract::Saisonnier),
        ("LIB", Contract::Independant),
        ("FRA", Contract::Autre),
        ("REP", Contract::Autre),
        ("CCE", Contract::Autre),
        ("TTI", Contract::Insertion),
        ("DDI", Contract::Insertion),
        ("DIN", Contract::Interim),
    ]
    .into_iter()
    .find(|(code, _)| t.eq_ignore_ascii_case(code))
    .map(|(_, c)| c)
    .or_else(|| classify_contract(t));
    let nature = nature_contrat.map(str::trim).filter(|n| !n.is_empty());
    let refined = nature.and_then(|n| {
        let by_code = [
            ("E2", Contract::Alternance),
            ("FS", Contract::Alternance),
            ("FT", Contract::ContratAide),
            ("FU", Contract::ContratAide),
            ("FW", Contract::ContratAide),
            ("FX", Contract::ContratAide),
            ("FY", Contract::ContratAide),
            ("I1", Contract::Insertion),
            ("EE", Contract::Cdd),
        ]
        .into_iter()
        .find(|(code, _)| n.eq_ignore_ascii_case(code))
        .map(|(_, c)| c);
        if by_code.is_some() || n.len() <= 2 {
            return by_code;
        }
        // A nature written out ("Contrat apprentissage", "Cont. professionnalisation").
        match classify_contract(n) {
            Some(c @ (Contract::Alternance | Contract::ContratAide | Contract::Insertion)) => {
                Some(c)
            }
            Some(Contract::Cdd) if n.to_lowercase().contains("engagement") => Some(Contract::Cdd),
            _ => None,
        }
    });
    refined.or(base)
}

/// France Travail codes go through their own table, everything else through the vocabulary.
pub(super) fn classify(raw: &str, item: &RawItem) -> Option<Contract> {
    const FT_CODES: [&str; 11] = [
        "CDI", "CDD", "MIS", "SAI", "LIB", "FRA", "REP", "CCE", "TTI", "DDI", "DIN",
    ];
    if item.contract_nature.is_some() || FT_CODES.contains(&raw) {
        if let Some(c) = france_travail_contract(raw, item.contract_nature.as_deref()) {
            return Some(c);
        }
    }
    classify_contract(raw)
}

/// Whether a French contract agrees with schema.org `employmentType` values (comma- or
/// space-separated): TEMPORARY is no CDI, VOLUNTEER is service civique, volontariat or
/// bénévolat, INTERN a stage or alternance, CONTRACTOR independent work; FULL_TIME,
/// PART_TIME, PER_DIEM and OTHER say nothing of the contract.
pub(super) fn schema_type_allows(types: &str, c: Contract) -> bool {
    types
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .all(|t| match t {
            "TEMPORARY" => c != Contract::Cdi,
            "VOLUNTEER" => matches!(
                c,
                Contract::ServiceCivique | Contract::Volontariat | Contract::Benevolat
            ),
            "INTERN" => matches!(c, Contract::Stage | Contract::Alternance),
            "CONTRACTOR" => matches!(c, Contract::Independant | Contract::Interim),
            _ => true,
        })
}

/// Whether a raw contract is only schema.org `employmentType` values (comma- or
/// space-separated): a coarse type the texts may refine.
pub(super) fn is_generic_schema_type(raw: Option<&str>) -> bool {
    const SCHEMA_TYPES: [&str; 8] = [
        "FULL_TIME",
        "PART_TIME",
        "CONTRACTOR",
        "TEMPORARY",
        "INTERN",
        "VOLUNTEER",
        "PER_DIEM",
        "OTHER",
    ];
    raw.is_some_and(|r| {
        r.split([',', ' '])
            .filter(|t| !t.is_empty())
            .all(|t| SCHEMA_TYPES.contains(&t))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::WorkingTimeKind;
    use Contract as C;

    #[test]
    fn contract_codes_labels_and_serde_agree() {
        let labels = [
            "CDI",
            "CDD",
            "Intérim",
            "Saisonnier",
            "Stage",
            "Alternance",
            "Service civique",
            "Volontariat",
            "Bénévolat",
            "Contrat aidé",
            "Insertion",
            "Indépendant",
            "Autre",
        ];
        for (c, label) in Contract::ALL.into_iter().zip(labels) {
            assert_eq!(c.label(), label);
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.code())
            );
            assert_eq!(
                serde_json::from_str::<Contract>(&format!("\"{}\"", c.code())).unwrap(),
                c
            );
            assert_eq!(Contract::from_code(c.code()), Some(c), "{c:?}");
            assert_eq!(Contract::from_code(c.label()), Some(c), "{c:?}");
            assert_eq!(
                Contract::from_code(&c.code().to_uppercase()),
                Some(c),
                "{c:?}"
            );
        }
        let mut codes: Vec<_> = Contract::ALL.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 13);
    }

    #[test]
    fn contract_from_code_variants() {
        let cases: &[(&str, Option<Contract>)] = &[
            ("CDI", Some(C::Cdi)),
            ("cdd", Some(C::Cdd)),
            ("  Cdd ", Some(C::Cdd)),
            ("service-civique", Some(C::ServiceCivique)),
            ("SERVICE_CIVIQUE", Some(C::ServiceCivique)),
            ("Service civique", Some(C::ServiceCivique)),
            ("contrat-aide", Some(C::ContratAide)),
            ("interim", Some(C::Interim)),
            ("INTÉRIM", Some(C::Interim)),
            ("benevolat", Some(C::Benevolat)),
            ("independant", Some(C::Independant)),
            ("", None),
            ("   ", None),
            ("CDI!", None),
            ("permanent", None),
            ("contrat", None),
            ("🙂", None),
        ];
        for (raw, want) in cases {
            assert_eq!(Contract::from_code(raw), *want, "{raw:?}");
        }
        assert_eq!(Contract::from_code(&"cdi".repeat(1000)), None);
    }

    #[test]
    fn employment_types_table() {
        use WorkingTimeKind::{FullTime as F, PartTime as P};
        let cases: &[(Contract, Option<WorkingTimeKind>, &[&str])] = &[
            (C::Cdi, Some(F), &["FULL_TIME"]),
            (C::Cdi, Some(P), &["PART_TIME"]),
            (C::Cdi, None, &[]),
            (C::Cdd, None, &["TEMPORARY"]),
            (C::Cdd, Some(F), &["TEMPORARY", "FULL_TIME"]),
            (C::Cdd, Some(P), &["TEMPORARY", "PART_TIME"]),
            (C::Interim, None, &["TEMPORARY"]),
            (C::Saisonnier, Some(F), &["TEMPORARY", "FULL_TIME"]),
            (C::ContratAide, Some(P), &["TEMPORARY", "PART_TIME"]),
            (C::Insertion, Some(P), &["TEMPORARY", "PART_TIME"]),
            (C::Stage, Some(F), &["INTERN"]),
            (C::Alternance, None, &["INTERN"]),
            (C::ServiceCivique, Some(P), &["VOLUNTEER"]),
            (C::Volontariat, None, &["VOLUNTEER"]),
            (C::Benevolat, None, &["VOLUNTEER"]),
            (C::Independant, Some(F), &["CONTRACTOR"]),
            (C::Autre, None, &["OTHER"]),
            (C::Autre, Some(P), &["OTHER", "PART_TIME"]),
        ];
        for (c, wt, want) in cases {
            assert_eq!(c.employment_types(*wt), want.to_vec(), "{c:?} {wt:?}");
        }
    }

    #[test]
    fn classify_contract_table() {
        let cases: &[(&str, Option<Contract>)] = &[
            ("CDI", Some(C::Cdi)),
            ("cdi", Some(C::Cdi)),
            ("Contrat à durée indéterminée", Some(C::Cdi)),
            ("CONTRAT A DUREE INDETERMINEE", Some(C::Cdi)),
            ("Contrat à Durée Déterminée", Some(C::Cdd)),
            ("CDD 6 mois", Some(C::Cdd)),
            ("CDD de remplacement", Some(C::Cdd)),
            ("Remplacement congé maternité", Some(C::Cdd)),
            ("Temps plein - CDI", Some(C::Cdi)),
            ("CDI - Temps partiel", Some(C::Cdi)),
            ("Intérim", Some(C::Interim)),
            ("Mission d'intérim", Some(C::Interim)),
            ("Mission d’intérim", Some(C::Interim)),
            ("CDI intérimaire", Some(C::Interim)),
            ("Travail temporaire", Some(C::Interim)),
            ("Saisonnier", Some(C::Saisonnier)),
            ("CDD saisonnier", Some(C::Saisonnier)),
            ("Stage de 6 mois", Some(C::Stage)),
            ("Stage", Some(C::Stage)),
            ("Alternance", Some(C::Alternance)),
            ("Apprentissage", Some(C::Alternance)),
            ("Contrat d'apprentissage", Some(C::Alternance)),
            ("Contrat de professionnalisation", Some(C::Alternance)),
            ("CDD - Alternance", Some(C::Alternance)),
            ("Service civique", Some(C::ServiceCivique)),
            ("Mission de service civique", Some(C::ServiceCivique)),
            ("service-civique", Some(C::ServiceCivique)),
            ("Volontariat de service civique", Some(C::ServiceCivique)),
            ("Volontariat", Some(C::Volontariat)),
            ("VSI", Some(C::Volontariat)),
            (
                "Volontariat de solidarité internationale",
                Some(C::Volontariat),
            ),
            ("VIE", Some(C::Volontariat)),
            ("Qualité de vie au travail", None),
            ("Bénévolat", Some(C::Benevolat)),
            ("Bénévole", Some(C::Benevolat)),
            ("Mission bénévole", Some(C::Benevolat)),
            ("PEC", Some(C::ContratAide)),
            ("CUI-CAE", Some(C::ContratAide)),
            ("Contrat aidé", Some(C::ContratAide)),
            ("Contrat unique d'insertion", Some(C::ContratAide)),
            ("Parcours emploi compétences", Some(C::ContratAide)),
            ("Adulte relais", Some(C::ContratAide)),
            ("Adulte-relais", Some(C::ContratAide)),
            ("Emploi d'avenir", Some(C::ContratAide)),
            ("Insertion", Some(C::Insertion)),
            ("CDDI", Some(C::Insertion)),
            ("CDD d'insertion", Some(C::Insertion)),
            ("Contrat à durée déterminée d'insertion", Some(C::Insertion)),
            ("Freelance", Some(C::Independant)),
            ("Free-lance", Some(C::Independant)),
            ("Indépendant", Some(C::Independant)),
            ("Auto-entrepreneur", Some(C::Independant)),
            ("Micro-entrepreneur", Some(C::Independant)),
            ("Libéral", Some(C::Independant)),
            ("Profession libérale", Some(C::Independant)),
            ("Vacation", Some(C::Cdd)),
            ("Vacataire", Some(C::Cdd)),
            ("Contrat d'engagement éducatif", Some(C::Cdd)),
            ("FULL_TIME", None),
            ("PART_TIME", None),
            ("full-time", None),
            ("temps-plein", None),
            ("Temps plein", None),
            ("TEMPORARY", Some(C::Cdd)),
            ("FULL_TIME, TEMPORARY", Some(C::Cdd)),
            ("INTERN", Some(C::Stage)),
            ("VOLUNTEER", Some(C::Benevolat)),
            ("CONTRACTOR", Some(C::Independant)),
            ("OTHER", Some(C::Autre)),
            ("PER_DIEM", Some(C::Autre)),
            ("Permanent", Some(C::Cdi)),
            ("Fixed-term", Some(C::Cdd)),
            ("Fixed term contract", Some(C::Cdd)),
            ("Internship", Some(C::Stage)),
            ("Apprenticeship", Some(C::Alternance)),
            ("Seasonal", Some(C::Saisonnier)),
            ("cdd", Some(C::Cdd)),
            ("stage", Some(C::Stage)),
            ("CDD/CDI", Some(C::Cdd)),
            ("CDI/CDD", Some(C::Cdd)),
            ("CDI ou CDD", Some(C::Cdd)),
            ("Franchise", Some(C::Autre)),
            ("Contrat", None),
            ("Emploi", None),
            ("Job", None),
            ("", None),
            ("   ", None),
            ("🚀🚀", None),
            ("CDI 🚀", Some(C::Cdi)),
            ("Cie des Arts", None),
            ("12345", None),
        ];
        for (raw, want) in cases {
            assert_eq!(classify_contract(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn classify_contract_long_input() {
        let long = format!("{} CDI", "lorem ipsum ".repeat(20_000));
        assert_eq!(classify_contract(&long), Some(C::Cdi));
        assert_eq!(classify_contract(&"é".repeat(50_000)), None);
    }

    #[test]
    fn france_travail_table() {
        let cases: &[(&str, Option<&str>, Option<Contract>)] = &[
            ("CDI", None, Some(C::Cdi)),
            ("CDI", Some("E1"), Some(C::Cdi)),
            ("CDD", Some("E1"), Some(C::Cdd)),
            ("cdd", None, Some(C::Cdd)),
            (" MIS ", None, Some(C::Interim)),
            ("SAI", None, Some(C::Saisonnier)),
            ("LIB", None, Some(C::Independant)),
            ("FRA", None, Some(C::Autre)),
            ("REP", None, Some(C::Autre)),
            ("CCE", None, Some(C::Autre)),
            ("TTI", None, Some(C::Insertion)),
            ("DDI", None, Some(C::Insertion)),
            ("DIN", None, Some(C::Interim)),
            ("CDD", Some("E2"), Some(C::Alternance)),
            ("CDI", Some("E2"), Some(C::Alternance)),
            ("CDD", Some("FS"), Some(C::Alternance)),
            ("CDD", Some("FT"), Some(C::ContratAide)),
            ("CDD", Some("FU"), Some(C::ContratAide)),
            ("CDD", Some("FW"), Some(C::ContratAide)),
            ("CDI", Some("FX"), Some(C::ContratAide)),
            ("CDD", Some("FY"), Some(C::ContratAide)),
            ("CDD", Some("I1"), Some(C::Insertion)),
            ("CDD", Some("i1"), Some(C::Insertion)),
            ("CDD", Some("EE"), Some(C::Cdd)),
            ("CDD", Some("ZZ"), Some(C::Cdd)),
            ("CDD", Some(""), Some(C::Cdd)),
            ("CDD", Some("Contrat apprentissage"), Some(C::Alternance)),
            (
                "CDD",
                Some("Cont. professionnalisation"),
                Some(C::Alternance),
            ),
            ("CDD", Some("Contrat travail"), Some(C::Cdd)),
            ("Contrat à durée indéterminée", None, Some(C::Cdi)),
            ("Mission intérimaire - 3 Mois", None, Some(C::Interim)),
            ("XYZ", None, None),
            ("", None, None),
            ("", Some("E2"), Some(C::Alternance)),
        ];
        for (t, n, want) in cases {
            assert_eq!(france_travail_contract(t, *n), *want, "{t:?} {n:?}");
        }
    }
}
