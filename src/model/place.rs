//! Where a job is: a place resolved against the official geographic code, and how much of it
//! can be done remotely.

use serde::{Deserialize, Deserializer, Serialize};

/// A place resolved against the official geographic code. Only the fields that are known are
/// filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Place {
    /// Official name of the commune, e.g. "Lyon" (the city's name for an arrondissement).
    pub commune: Option<String>,
    /// INSEE code of the commune, or of the arrondissement when the text names one ("69383").
    pub insee: Option<String>,
    /// Postcode, e.g. "69003": the one given when it belongs to the commune, else the commune's
    /// only postcode.
    pub postcode: Option<String>,
    /// Department code: "69", "2A", "974".
    pub department: Option<String>,
    /// Department name: "Rhône".
    pub department_name: Option<String>,
    /// Region INSEE code: "84".
    pub region: Option<String>,
    /// Region name: "Auvergne-Rhône-Alpes".
    pub region_name: Option<String>,
}

/// How much of the job can be done remotely. Absent (`None` in an `Option<Remote>`) when the
/// offer does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Remote {
    /// On site only ("Pas de télétravail", `Pas_teletravail`).
    None,
    /// Some days or some of the time ("télétravail partiel", "2 jours par semaine",
    /// `Occasionnel`, "hybride"), or remote work is possible without saying how much.
    Partial,
    /// The whole job ("100 % télétravail", "full remote", `Total`, `TELECOMMUTE`).
    Full,
}

impl Remote {
    /// The value written in the outputs and accepted by the API's `remote=` filter.
    pub fn code(self) -> &'static str {
        match self {
            Remote::None => "none",
            Remote::Partial => "partial",
            Remote::Full => "full",
        }
    }

    /// Reads `none`, `partial` or `full`.
    pub fn from_code(code: &str) -> Option<Remote> {
        match code {
            "none" => Some(Remote::None),
            "partial" => Some(Remote::Partial),
            "full" => Some(Remote::Full),
            _ => None,
        }
    }
}

/// Deserialises a stored offer's `remote`: a level (`"none"`, `"partial"`, `"full"`), absent
/// or null, or the boolean offers stored before the three levels existed: `true` is
/// [`Remote::Partial`] (the text spoke of remote work; how much was not recorded), `false`
/// is unknown (it only meant that nothing was found).
pub fn deserialize_stored<'de, D>(d: D) -> Result<Option<Remote>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Flag(bool),
        Level(Remote),
    }
    Ok(match Option::<Stored>::deserialize(d)? {
        Some(Stored::Flag(true)) => Some(Remote::Partial),
        Some(Stored::Flag(false)) | None => None,
        Some(Stored::Level(level)) => Some(level),
    })
}
