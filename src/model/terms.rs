//! The terms of a job as essaim normalises them: contract, contract length, working time,
//! salary and the family of the employer. `normalise` reads them from partners' words;
//! outputs write them with the codes and labels defined here.

use serde::{Deserialize, Serialize};

use crate::text::push_folded;

/// The contract of an offer, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contract {
    /// Contrat à durée indéterminée.
    Cdi,
    /// Contrat à durée déterminée (also vacations and the contrat d'engagement éducatif).
    Cdd,
    /// Travail temporaire (mission d'intérim, CDI intérimaire).
    Interim,
    /// Contrat saisonnier.
    Saisonnier,
    /// Stage (internship).
    Stage,
    /// Apprentissage or contrat de professionnalisation.
    Alternance,
    /// Service civique.
    ServiceCivique,
    /// Volontariat other than service civique (VSI, VIE, corps européen de solidarité...).
    Volontariat,
    /// Bénévolat (unpaid volunteering).
    Benevolat,
    /// Contrats aidés: PEC / CUI-CAE, CUI-CIE, adulte relais, emplois d'avenir.
    ContratAide,
    /// Insertion par l'activité économique (CDDI, chantier d'insertion...).
    Insertion,
    /// Freelance, auto-entrepreneur, profession libérale.
    Independant,
    /// Anything else that is known not to be one of the above (franchise, commercial...).
    Autre,
}

impl Contract {
    /// Every contract, in declaration order.
    pub const ALL: [Contract; 13] = [
        Contract::Cdi,
        Contract::Cdd,
        Contract::Interim,
        Contract::Saisonnier,
        Contract::Stage,
        Contract::Alternance,
        Contract::ServiceCivique,
        Contract::Volontariat,
        Contract::Benevolat,
        Contract::ContratAide,
        Contract::Insertion,
        Contract::Independant,
        Contract::Autre,
    ];

    /// Stable machine code, the same as the serde representation.
    pub fn code(self) -> &'static str {
        match self {
            Contract::Cdi => "cdi",
            Contract::Cdd => "cdd",
            Contract::Interim => "interim",
            Contract::Saisonnier => "saisonnier",
            Contract::Stage => "stage",
            Contract::Alternance => "alternance",
            Contract::ServiceCivique => "service_civique",
            Contract::Volontariat => "volontariat",
            Contract::Benevolat => "benevolat",
            Contract::ContratAide => "contrat_aide",
            Contract::Insertion => "insertion",
            Contract::Independant => "independant",
            Contract::Autre => "autre",
        }
    }

    /// French display label.
    pub fn label(self) -> &'static str {
        match self {
            Contract::Cdi => "CDI",
            Contract::Cdd => "CDD",
            Contract::Interim => "Intérim",
            Contract::Saisonnier => "Saisonnier",
            Contract::Stage => "Stage",
            Contract::Alternance => "Alternance",
            Contract::ServiceCivique => "Service civique",
            Contract::Volontariat => "Volontariat",
            Contract::Benevolat => "Bénévolat",
            Contract::ContratAide => "Contrat aidé",
            Contract::Insertion => "Insertion",
            Contract::Independant => "Indépendant",
            Contract::Autre => "Autre",
        }
    }

    /// Reads a code or a label back: case- and accent-insensitive, with `-`, `_` and spaces
    /// interchangeable ("CDI", "cdd", "service-civique", "Contrat aidé", "Bénévolat").
    pub fn from_code(s: &str) -> Option<Contract> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 {
            return None;
        }
        let mut key = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_alphanumeric() {
                push_folded(&mut key, c);
            } else if matches!(c, '-' | '_' | ' ' | '\u{a0}' | '\'' | '’') {
                if !key.ends_with('_') {
                    key.push('_');
                }
            } else {
                return None;
            }
        }
        Contract::ALL.into_iter().find(|c| c.code() == key)
    }

    /// schema.org `employmentType` values for this contract.
    ///
    /// Fixed-term kinds (CDD, intérim, saisonnier, contrat aidé, insertion) give `TEMPORARY`
    /// followed by `FULL_TIME` / `PART_TIME` when the working time is known; a CDI gives only
    /// the working time (nothing when it is unknown: schema.org has no "permanent"); stage and
    /// alternance give `INTERN`; service civique, volontariat and bénévolat give `VOLUNTEER`;
    /// indépendant gives `CONTRACTOR`; autre gives `OTHER` (plus the working time).
    pub fn employment_types(self, working_time: Option<WorkingTimeKind>) -> Vec<&'static str> {
        let time = working_time.map(|k| match k {
            WorkingTimeKind::FullTime => "FULL_TIME",
            WorkingTimeKind::PartTime => "PART_TIME",
        });
        let base = match self {
            Contract::Cdi => None,
            Contract::Cdd
            | Contract::Interim
            | Contract::Saisonnier
            | Contract::ContratAide
            | Contract::Insertion => Some("TEMPORARY"),
            Contract::Stage | Contract::Alternance => return vec!["INTERN"],
            Contract::ServiceCivique | Contract::Volontariat | Contract::Benevolat => {
                return vec!["VOLUNTEER"]
            }
            Contract::Independant => return vec!["CONTRACTOR"],
            Contract::Autre => Some("OTHER"),
        };
        base.into_iter().chain(time).collect()
    }
}

/// Unit of a contract duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    Day,
    Week,
    Month,
    Year,
}

/// A contract duration as written ("6 mois" is 6 months, not 26 weeks).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContractDuration {
    pub amount: f32,
    pub unit: DurationUnit,
}

/// Full or part time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkingTimeKind {
    FullTime,
    PartTime,
}

/// Working time: the kind and, when stated, the weekly hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorkingTime {
    pub kind: Option<WorkingTimeKind>,
    pub hours_per_week: Option<f32>,
}

/// Period a salary figure is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalaryPeriod {
    Hour,
    Day,
    Month,
    Year,
}

/// A salary or a salary range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Salary {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// ISO 4217 code, "EUR" unless another currency is written.
    pub currency: String,
    pub period: Option<SalaryPeriod>,
    /// `Some(true)` for brut, `Some(false)` for net, `None` when not said.
    pub gross: Option<bool>,
}

/// Families of ESS employers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmployerFamily {
    Association,
    Mutuelle,
    Cooperative,
    Fondation,
    EntrepriseSociale,
    CollectiviteOuPublic,
}
