//! The offer's terms: its contract, the contract's length, the working time and the salary.
//! Each comes from the item's field, else the description's labelled line, else (for the
//! contract, its length and the working time) the title and the description's sentences.
//! A coarse schema.org `employmentType` is refined by the contract the texts state, when
//! compatible (`contract::schema_type_allows`).

use super::contract::{classify, classify_contract, is_generic_schema_type, schema_type_allows};
use super::duration::contract_duration;
use super::labels::Label;
use super::salary::parse_salary;
use super::sentences::{stated_in_text, states_insertion_contract, working_time_sentence};
use super::working_time::parse_working_time;
use super::{field, html, Texts};
use crate::model::{Contract, ContractDuration, Salary, WorkingTime};
use crate::parse::RawItem;
use crate::text::squeeze_spaces;

/// What [`read`] finds.
pub(super) struct Terms {
    pub(super) contract: Option<Contract>,
    pub(super) contract_raw: Option<String>,
    pub(super) contract_duration: Option<ContractDuration>,
    pub(super) employment_types: Vec<String>,
    pub(super) working_time: Option<WorkingTime>,
    pub(super) working_time_raw: Option<String>,
    pub(super) salary: Option<Salary>,
    pub(super) salary_raw: Option<String>,
    pub(super) sector: Option<String>,
}

/// Reads the terms of an item; an unknown contract is a warning.
pub(super) fn read(item: &RawItem, texts: &Texts, warnings: &mut Vec<String>) -> Terms {
    let stated = stated_contract(item, texts, warnings);
    let contract_duration = duration(item, texts, &stated);
    let working_time_raw = field(&item.working_time).or_else(|| texts.label(Label::WorkingTime));
    let working_time = working_time(working_time_raw.as_deref(), texts, &stated);
    let employment_types = stated
        .contract
        .map(|c| {
            c.employment_types(working_time.and_then(|w| w.kind))
                .into_iter()
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let salary_raw = field(&item.salary).or_else(|| texts.label(Label::Salary));
    let salary = item
        .salary_structured
        .clone()
        .or_else(|| salary_raw.as_deref().and_then(parse_salary));
    Terms {
        contract: stated.contract,
        contract_raw: stated.raw,
        contract_duration,
        employment_types,
        working_time,
        working_time_raw,
        salary,
        salary_raw,
        sector: stated.sector,
    }
}

/// The contract as the item states it, and what the later steps read with it.
struct StatedContract {
    contract: Option<Contract>,
    raw: Option<String>,
    sector: Option<String>,
    /// The description's sentence that stated the contract ("CDD de 6 mois renouvelable"),
    /// read for its duration too.
    sentence: Option<String>,
    /// The raw contract is schema.org's generic values only (VOLUNTEER, TEMPORARY...).
    generic: bool,
    /// FULL_TIME and PART_TIME together: the partner offers either, the text decides.
    both_times: bool,
}

/// The contract: the contract field, else the labelled line, else a category that is a
/// contract, refined when it is a generic schema.org type, else a clear title marker; a CDD
/// the description calls a CDD d'insertion is one.
fn stated_contract(item: &RawItem, texts: &Texts, warnings: &mut Vec<String>) -> StatedContract {
    let mut stated = contract_from_fields(item, texts);
    if stated.generic {
        refine_generic(&mut stated, texts);
    }
    stated.both_times = stated.generic && both_times(stated.raw.as_deref());
    if stated.contract.is_none() {
        contract_from_title(&mut stated, &texts.title, warnings);
    }
    insertion_from_text(&mut stated, &texts.description_text);
    stated
}

/// The contract field, else the labelled line, else a category that is a contract (WP Job
/// Manager sites that swap job_type and job_category).
fn contract_from_fields(item: &RawItem, texts: &Texts) -> StatedContract {
    let contract_field = field(&item.contract).or_else(|| texts.label(Label::Contract));
    let mut contract = contract_field
        .as_deref()
        .and_then(|raw| classify(raw, item));
    let mut contract_raw = contract_field.clone();
    let mut sector = field(&item.sector)
        .or_else(|| texts.label(Label::Sector))
        .or_else(|| {
            // The first category the outputs keep: an empty one is left out there too.
            item.categories
                .iter()
                .map(|c| squeeze_spaces(&html::to_text(c)))
                .find(|c| !c.is_empty())
        });
    if contract.is_none() {
        if let Some(c) = sector.as_deref().and_then(classify_contract) {
            // The category holds the contract, so the "contract" holds the sector.
            contract = Some(c);
            let swapped = contract_raw.take();
            contract_raw = sector.take();
            sector = swapped;
        }
    }
    // schema.org's generic values (VOLUNTEER, TEMPORARY, OTHER) yield to a precise title
    // ("Volontaire en service civique").
    let generic = is_generic_schema_type(contract_raw.as_deref());
    StatedContract {
        contract,
        raw: contract_raw,
        sector,
        sentence: None,
        generic,
        both_times: false,
    }
}

/// The French contract the offer states refines the coarse type: a "Contrat :" line, then a
/// precise title, then a sentence of the description ("Poste en CDI", "CDD de 6 mois",
/// "Mission d'intérim", "contrat d'apprentissage", "PEC", "service civique"), as long as it
/// agrees with the coarse type (no CDI for TEMPORARY).
fn refine_generic(stated: &mut StatedContract, texts: &Texts) {
    let contract = stated.contract;
    let coarse = stated.raw.as_deref().unwrap_or("");
    let fits = |c: &Contract| schema_type_allows(coarse, *c);
    let precise = texts
        .label(Label::Contract)
        .as_deref()
        .and_then(classify_contract)
        .filter(|c| fits(c) && *c != Contract::Autre)
        .or_else(|| {
            classify_contract(&texts.title).filter(|c| {
                fits(c) && Some(*c) != contract && !matches!(c, Contract::Cdi | Contract::Autre)
            })
        })
        .map(|c| (c, None))
        .or_else(|| {
            stated_in_text(&texts.description_text, |sentence| {
                classify_contract(sentence)
                    .filter(|c| fits(c) && *c != Contract::Autre)
                    .map(|c| (c, Some(sentence.to_string())))
            })
        });
    if let Some((precise, sentence)) = precise {
        stated.contract = Some(precise);
        stated.sentence = sentence;
    }
}

/// Whether a raw value holds both FULL_TIME and PART_TIME.
fn both_times(raw: Option<&str>) -> bool {
    ["FULL_TIME", "PART_TIME"]
        .iter()
        .all(|t| raw.is_some_and(|r| r.contains(t)))
}

/// No contract read: a raw value that says something else than the working time is a
/// warning; without one, a clear title marker ("- CDI", "Stage ...") is the contract.
fn contract_from_title(stated: &mut StatedContract, title: &str, warnings: &mut Vec<String>) {
    if let Some(raw) = &stated.raw {
        // "FULL_TIME" alone says how long, not which contract: not a problem to report.
        if parse_working_time(raw).is_none() {
            warnings.push(format!("unknown contract {raw:?}"));
        }
    } else if let Some(c) = classify_contract(title).filter(|c| {
        matches!(
            c,
            Contract::Cdi
                | Contract::Cdd
                | Contract::Interim
                | Contract::Stage
                | Contract::Alternance
                | Contract::ServiceCivique
                | Contract::Saisonnier
        )
    }) {
        stated.contract = Some(c);
    }
}

/// A CDD whose description says it is a CDD d'insertion is one: France Travail's boards
/// write a CDDI as "CDD - 12 Mois" (the insertion is in a field they do not show).
fn insertion_from_text(stated: &mut StatedContract, description: &str) {
    if stated.contract == Some(Contract::Cdd) {
        if let Some(sentence) = stated_in_text(description, |s| {
            states_insertion_contract(s).then(|| s.to_string())
        }) {
            stated.contract = Some(Contract::Insertion);
            stated.sentence.get_or_insert(sentence);
        }
    }
}

/// The contract's length: the duration field, the labelled line, the raw contract, the
/// title, the sentence that stated the contract; else, for a fixed-term contract, the
/// description's sentence that names the same contract ("CDD de 12 mois").
fn duration(item: &RawItem, texts: &Texts, stated: &StatedContract) -> Option<ContractDuration> {
    let (duration_field, duration_label) = (field(&item.duration), texts.label(Label::Duration));
    let duration = [
        duration_field.as_deref(),
        duration_label.as_deref(),
        stated.raw.as_deref(),
        Some(texts.title.as_str()),
        stated.sentence.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(contract_duration)
    .or_else(|| {
        // ("Le chantier d'insertion recrute en CDD de 6 mois" names a fixed-term contract.)
        let fixed = |c: Option<Contract>| {
            matches!(
                c,
                Some(
                    Contract::Cdd
                        | Contract::Insertion
                        | Contract::Interim
                        | Contract::Saisonnier
                        | Contract::ContratAide
                )
            )
        };
        fixed(stated.contract)
            .then(|| {
                stated_in_text(&texts.description_text, |sentence| {
                    // The duration first: most sentences state none, and classifying is dearer.
                    contract_duration(sentence).filter(|_| fixed(classify_contract(sentence)))
                })
            })
            .flatten()
    });
    duration
}

/// The working time: the field or labelled line (unless it offers both full and part
/// time), the raw contract (same), the title, then the description's sentence about it
/// ("Temps de travail : 35 h hebdomadaires"): many partners state it only there.
fn working_time(raw: Option<&str>, texts: &Texts, stated: &StatedContract) -> Option<WorkingTime> {
    raw.filter(|raw| !both_times(Some(raw)))
        .and_then(parse_working_time)
        .or_else(|| {
            stated
                .raw
                .as_deref()
                .filter(|_| !stated.both_times)
                .and_then(parse_working_time)
        })
        .or_else(|| parse_working_time(&texts.title))
        .or_else(|| stated_in_text(&texts.description_text, working_time_sentence))
}
