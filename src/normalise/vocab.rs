//! French job-offer vocabulary: contract types, contract durations, working time, salaries,
//! job titles, employer families and the "Label : value" lines found in descriptions.
//!
//! Every function here is pure: no I/O, no global state, and no panic on any input (all string
//! slicing happens on char boundaries, nothing input-dependent is unwrapped). Matching is case-
//! and accent-insensitive: text is cut into words and numbers by a small lexer that lower-cases
//! words and strips Latin diacritics ("Intérim" and "INTERIM" both become `interim`), reads
//! French numbers ("1 900,50", "1.900", "0,8", non-breaking spaces as thousands separators) and
//! keeps punctuation as single symbols. The word lists below are compared with that folded text.
//!
//! Decisions worth knowing (also stated on the functions):
//! - when a text names several contracts, the most specific wins (insertion, contrat aidé,
//!   alternance, service civique, stage, volontariat, bénévolat, intérim, saisonnier,
//!   indépendant, CDD, CDI, in that order), so "CDD/CDI" is a CDD and "CDD d'insertion" is
//!   insertion;
//! - "vacation" / "vacataire" is a CDD (in private law a vacation is a CDD d'usage) and the
//!   contrat d'engagement éducatif (France Travail nature `EE`) is a CDD too (a fixed-term
//!   contract of its own kind);
//! - a salary written as a single figure has `min == max`.

use serde::{Deserialize, Serialize};

use crate::text::{is_combining, push_folded, tidy_spaces};

pub use crate::model::{
    Contract, ContractDuration, DurationUnit, EmployerFamily, Salary, SalaryPeriod, WorkingTime,
    WorkingTimeKind,
};

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// What a labelled description line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Label {
    Place,
    Contract,
    Salary,
    Deadline,
    StartDate,
    WorkingTime,
    Employer,
    Sector,
    Duration,
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A run of letters, folded into `Lexed::text[start..end]`.
    Word,
    /// A number, its value in `value`.
    Num,
    /// Any other non-space character (dashes and apostrophes normalised).
    Sym(char),
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
    value: f64,
    /// Digits of the integer part (numbers only), saturating.
    digits: u8,
    /// Whitespace precedes this token.
    space: bool,
    /// A word of at least two letters, all capitals in the original.
    upper: bool,
}

struct Lexed {
    text: String,
    toks: Vec<Tok>,
}

/// Words ignored when matching phrases ("contrat à durée indéterminée" is matched as
/// `contrat duree indeterminee`).
const STOPWORDS: &[&str] = &[
    "a", "au", "aux", "de", "d", "du", "des", "en", "l", "la", "le", "les", "un", "une", "et",
    "ou", "of", "the", "s", "y",
];

impl Lexed {
    fn new(raw: &str) -> Lexed {
        let mut text = String::with_capacity(raw.len());
        let mut toks = Vec::with_capacity(raw.len() / 3 + 1);
        let b = raw.as_bytes();
        let mut i = 0;
        let mut space = false;
        while let Some(c) = raw.get(i..).and_then(|r| r.chars().next()) {
            if c.is_whitespace() {
                space = true;
                i += c.len_utf8();
                continue;
            }
            if c.is_ascii_digit() {
                let (value, digits, next) = lex_number(b, i);
                toks.push(Tok {
                    kind: Kind::Num,
                    start: i,
                    end: next,
                    value,
                    digits,
                    space,
                    upper: false,
                });
                i = next;
                space = false;
                continue;
            }
            if is_combining(c) {
                i += c.len_utf8();
                continue;
            }
            if c.is_alphabetic() {
                let start = text.len();
                let mut upper = true;
                let mut letters = 0usize;
                let mut j = i;
                while let Some(c) = raw.get(j..).and_then(|r| r.chars().next()) {
                    if is_combining(c) {
                        j += c.len_utf8();
                        continue;
                    }
                    if !c.is_alphabetic() {
                        break;
                    }
                    if !c.is_uppercase() {
                        upper = false;
                    }
                    letters += 1;
                    push_folded(&mut text, c);
                    j += c.len_utf8();
                }
                toks.push(Tok {
                    kind: Kind::Word,
                    start,
                    end: text.len(),
                    value: 0.0,
                    digits: 0,
                    space,
                    upper: upper && letters >= 2,
                });
                i = j;
                space = false;
                continue;
            }
            toks.push(Tok {
                kind: Kind::Sym(normalise_sym(c)),
                start: i,
                end: i + c.len_utf8(),
                value: 0.0,
                digits: 0,
                space,
                upper: false,
            });
            i += c.len_utf8();
            space = false;
        }
        Lexed { text, toks }
    }

    fn len(&self) -> usize {
        self.toks.len()
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    fn word(&self, i: usize) -> Option<&str> {
        let t = self.toks.get(i)?;
        if t.kind == Kind::Word {
            self.text.get(t.start..t.end)
        } else {
            None
        }
    }

    fn word_or_empty(&self, i: usize) -> &str {
        self.word(i).unwrap_or("")
    }

    fn num(&self, i: usize) -> Option<f64> {
        let t = self.toks.get(i)?;
        (t.kind == Kind::Num).then_some(t.value)
    }

    fn sym(&self, i: usize) -> Option<char> {
        match self.toks.get(i)?.kind {
            Kind::Sym(c) => Some(c),
            _ => None,
        }
    }

    fn space_before(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.space)
    }

    /// Indices of the word tokens that are not stop words.
    fn content_words(&self) -> Vec<usize> {
        (0..self.toks.len())
            .filter(|&i| self.word(i).is_some_and(|w| !STOPWORDS.contains(&w)))
            .collect()
    }
}

fn normalise_sym(c: char) -> char {
    match c {
        '–' | '—' | '−' | '‐' | '‑' | '‒' | '―' => '-',
        '’' | '‘' | '`' | '´' | 'ʼ' | '′' => '\'',
        '：' => ':',
        '／' => '/',
        other => other,
    }
}

/// Byte length of a thousands separator at `i` (space, no-break spaces, dot, apostrophe).
fn thousands_sep_len(b: &[u8], i: usize) -> usize {
    match b.get(i..) {
        Some([b' ' | b'.' | b'\'', ..]) => 1,
        Some([0xC2, 0xA0, ..]) => 2,                     // U+00A0
        Some([0xE2, 0x80, 0xAF | 0x89 | 0x88, ..]) => 3, // U+202F, U+2009, U+2008
        _ => 0,
    }
}

fn three_digits_then_end(b: &[u8], k: usize) -> bool {
    matches!(b.get(k..k + 3), Some([x, y, z]) if x.is_ascii_digit() && y.is_ascii_digit() && z.is_ascii_digit())
        && !b.get(k + 3).is_some_and(|c| c.is_ascii_digit())
}

/// Reads a French number starting at the ASCII digit at `i`; returns (value, integer digits,
/// end). Groups of three digits after a space, a no-break space, a dot or an apostrophe are
/// thousands ("1 900", "1.900"); a comma or dot followed by digits is the decimal part, except
/// an English "28,000" (one to three digits, comma, exactly three digits).
fn lex_number(b: &[u8], i: usize) -> (f64, u8, usize) {
    let mut j = i;
    let mut int = 0f64;
    let mut nd = 0u32;
    while let Some(d) = b.get(j).filter(|c| c.is_ascii_digit()) {
        int = int * 10.0 + f64::from(d - b'0');
        nd += 1;
        j += 1;
    }
    let first_group = nd;
    let mut grouped = false;
    if (1..=3).contains(&first_group) && int > 0.0 {
        loop {
            let sep = thousands_sep_len(b, j);
            if sep == 0 || !three_digits_then_end(b, j + sep) {
                break;
            }
            for k in 0..3 {
                let d = b.get(j + sep + k).copied().unwrap_or(b'0');
                int = int * 10.0 + f64::from(d.saturating_sub(b'0'));
            }
            nd += 3;
            j += sep + 3;
            grouped = true;
        }
    }
    let mut value = int;
    if matches!(b.get(j), Some(b',' | b'.')) && b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        let mut k = j + 1;
        let mut frac = 0f64;
        let mut scale = 1f64;
        let mut fd = 0u32;
        while let Some(d) = b.get(k).filter(|c| c.is_ascii_digit()) {
            if fd < 12 {
                frac = frac * 10.0 + f64::from(d - b'0');
                scale *= 10.0;
            }
            fd += 1;
            k += 1;
        }
        if b.get(j) == Some(&b',')
            && fd == 3
            && !grouped
            && (1..=3).contains(&first_group)
            && int > 0.0
        {
            value = int * 1000.0 + frac;
            nd += 3;
        } else {
            value = int + frac / scale;
        }
        j = k;
    }
    (value, u8::try_from(nd).unwrap_or(u8::MAX), j)
}

/// Pattern table entry: folded words (stop words removed), value, priority, capitals required.
type Pattern<T> = (&'static [&'static str], T, u8, bool);

/// The best match of `patterns` over the content words `ws`: highest priority, then earliest.
/// Returns (value, priority, position in `ws`).
fn best_match<T: Copy>(
    lx: &Lexed,
    ws: &[usize],
    patterns: &[Pattern<T>],
) -> Option<(T, u8, usize)> {
    let mut best: Option<(T, u8, usize)> = None;
    for (pos, &ti) in ws.iter().enumerate() {
        let w = lx.word_or_empty(ti);
        let upper = lx.toks.get(ti).is_some_and(|t| t.upper);
        for &(words, value, prio, caps) in patterns {
            if words.first() != Some(&w) || (caps && !upper) {
                continue;
            }
            if best.is_some_and(|(_, p, _)| p >= prio) {
                continue;
            }
            let rest = ws.get(pos + 1..).unwrap_or(&[]);
            if words.len() - 1 <= rest.len()
                && words
                    .iter()
                    .skip(1)
                    .zip(rest)
                    .all(|(p, &t)| lx.word_or_empty(t) == *p)
            {
                best = Some((value, prio, pos));
            }
        }
    }
    best
}

// ---------------------------------------------------------------------------------------------
// Contracts
// ---------------------------------------------------------------------------------------------

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
    let lx = Lexed::new(raw);
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

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

fn duration_unit(w: &str) -> Option<DurationUnit> {
    Some(match w {
        "mois" | "month" | "months" => DurationUnit::Month,
        "an" | "ans" | "annee" | "annees" | "year" | "years" => DurationUnit::Year,
        "semaine" | "semaines" | "sem" | "week" | "weeks" => DurationUnit::Week,
        "jour" | "jours" | "j" | "day" | "days" => DurationUnit::Day,
        _ => return None,
    })
}

fn spelled_number(w: &str) -> Option<f64> {
    Some(match w {
        "un" | "une" | "one" => 1.0,
        "deux" | "two" => 2.0,
        "trois" | "three" => 3.0,
        "quatre" | "four" => 4.0,
        "cinq" | "five" => 5.0,
        "six" => 6.0,
        "sept" | "seven" => 7.0,
        "huit" | "eight" => 8.0,
        "neuf" | "nine" => 9.0,
        "dix" | "ten" => 10.0,
        "onze" => 11.0,
        "douze" | "twelve" => 12.0,
        "treize" => 13.0,
        "quatorze" => 14.0,
        "quinze" => 15.0,
        "seize" => 16.0,
        "vingt" => 20.0,
        "trente" => 30.0,
        _ => return None,
    })
}

/// The duration of a contract: "CDD 6 mois", "CDD de 12 mois", "durée : 3 mois", "Stage de 6
/// mois", "2 ans", "8 semaines", "1 an", "un an", "dix-huit mois", "1,5 an", "18 mois
/// renouvelable". The first amount directly followed by a unit wins, so a range "6 à 12 mois"
/// gives 12 months. A trial period ("période d'essai de 2 mois") or an experience
/// requirement ("2 ans d'expérience") is not a duration. `None` when no duration is written.
pub fn contract_duration(raw: &str) -> Option<ContractDuration> {
    let lx = Lexed::new(raw);
    for i in 0..lx.len() {
        let amount = match lx.kind(i) {
            Some(Kind::Num) => lx.num(i).unwrap_or(0.0),
            Some(Kind::Word) => {
                let Some(mut v) = spelled_number(lx.word_or_empty(i)) else {
                    continue;
                };
                // dix-huit, vingt-quatre
                let prev = if lx.sym(i.wrapping_sub(1)) == Some('-') {
                    i.wrapping_sub(2)
                } else {
                    i.wrapping_sub(1)
                };
                match lx.word(prev) {
                    Some("dix") if v < 10.0 => v += 10.0,
                    Some("vingt") if v < 10.0 => v += 20.0,
                    _ => {}
                }
                v
            }
            _ => continue,
        };
        let Some(unit) = lx.word(i + 1).and_then(duration_unit) else {
            continue;
        };
        if lx.kind(i) == Some(Kind::Word) && !lx.space_before(i + 1) {
            continue;
        }
        if !(amount > 0.0 && amount <= 1000.0) {
            continue;
        }
        if matches!(lx.sym(i.wrapping_sub(1)), Some('/' | '.')) {
            continue;
        }
        // "période d'essai de 2 mois"
        let before_essai =
            (i.saturating_sub(4)..i).any(|k| lx.word(k).is_some_and(|w| w.starts_with("essai")));
        // "2 ans d'expérience"
        let experience =
            (i + 2..i + 5).any(|k| lx.word(k).is_some_and(|w| w.starts_with("experience")));
        if before_essai || experience {
            continue;
        }
        #[allow(clippy::cast_possible_truncation)]
        return Some(ContractDuration {
            amount: amount as f32,
            unit,
        });
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Working time
// ---------------------------------------------------------------------------------------------

/// (pattern, kind, hours implied)
const WORKING_TIME_PATTERNS: &[Pattern<(WorkingTimeKind, f32)>] = {
    use WorkingTimeKind::{FullTime as F, PartTime as P};
    &[
        (&["temps", "plein"], (F, 0.0), 1, false),
        (&["plein", "temps"], (F, 0.0), 1, false),
        (&["temps", "complet"], (F, 0.0), 1, false),
        (&["tps", "plein"], (F, 0.0), 1, false),
        (&["full", "time"], (F, 0.0), 1, false),
        (&["fulltime"], (F, 0.0), 1, false),
        (&["temps", "partiel"], (P, 0.0), 1, false),
        (&["tps", "partiel"], (P, 0.0), 1, false),
        (&["partiel"], (P, 0.0), 1, false),
        (&["temps", "non", "complet"], (P, 0.0), 1, false),
        (&["temps", "incomplet"], (P, 0.0), 1, false),
        (&["part", "time"], (P, 0.0), 1, false),
        (&["parttime"], (P, 0.0), 1, false),
        (&["mi", "temps"], (P, 17.5), 1, false),
    ]
};

const FULL_TIME_HOURS: f64 = 35.0;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn is_hours_word(w: &str) -> bool {
    matches!(
        w,
        "h" | "heure" | "heures" | "hr" | "hrs" | "hours" | "hour"
    )
}

enum HoursPeriod {
    Week,
    Month,
    Year,
    Day,
}

fn hours_period(lx: &Lexed, from: usize) -> Option<HoursPeriod> {
    for j in from..from + 4 {
        match lx.kind(j) {
            Some(Kind::Sym('/')) => {}
            Some(Kind::Word) => {
                let w = lx.word_or_empty(j);
                match w {
                    "par" | "per" | "de" | "d" | "l" | "la" | "a" => {}
                    "semaine" | "semaines" | "sem" | "hebdo" | "hebdomadaire" | "hebdomadaires"
                    | "week" | "wk" => return Some(HoursPeriod::Week),
                    "mois" | "mensuel" | "mensuelle" | "mensuelles" | "mensuels" | "month" => {
                        return Some(HoursPeriod::Month)
                    }
                    "an" | "annee" | "annuel" | "annuelle" | "annuelles" | "annuels" | "year" => {
                        return Some(HoursPeriod::Year)
                    }
                    "jour" | "j" | "day" | "quotidien" | "quotidiennes" | "journee" => {
                        return Some(HoursPeriod::Day)
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    None
}

/// Weekly hours from the first "N h" mention (with its period) in the text.
fn stated_hours(lx: &Lexed) -> Option<f64> {
    let mut i = 0;
    while i < lx.len() {
        let (Some(v), Some(w)) = (lx.num(i), lx.word(i + 1)) else {
            i += 1;
            continue;
        };
        if !is_hours_word(w) {
            i += 1;
            continue;
        }
        // "Laval 53 H/F", "(75) H / F": a department before the gender marker.
        if w == "h" && lx.sym(i + 2) == Some('/') && matches!(lx.word(i + 3), Some("f")) {
            i += 4;
            continue;
        }
        let mut j = i + 2;
        let mut val = v;
        let mut clock = false;
        if w == "h" && !lx.space_before(i + 2) {
            let two_digits = lx.toks.get(i + 2).is_some_and(|t| t.digits == 2);
            if let Some(m) = lx
                .num(i + 2)
                .filter(|m| two_digits && *m < 60.0 && m.fract() == 0.0)
            {
                val += m / 60.0;
                clock = true;
                j += 1;
            }
        }
        // "de 9h à 17h", "14h-22h": a time range, not hours of work.
        let conn = lx.sym(j) == Some('-') || matches!(lx.word(j), Some("a" | "au" | "to"));
        if conn && lx.num(j + 1).is_some() && lx.word(j + 2).is_some_and(is_hours_word) {
            i = j + 3;
            continue;
        }
        let period = hours_period(lx, j);
        if clock && v <= 23.0 && !matches!(period, Some(HoursPeriod::Week)) {
            i = j;
            continue;
        }
        let weekly = match period {
            None | Some(HoursPeriod::Week) => val,
            Some(HoursPeriod::Month) => val * 12.0 / 52.0,
            Some(HoursPeriod::Year) => val * FULL_TIME_HOURS / 1607.0,
            Some(HoursPeriod::Day) => val * 5.0,
        };
        if weekly > 0.0 && weekly <= 60.0 {
            return Some(weekly);
        }
        i = j;
    }
    None
}

/// Weekly hours from "0,8 ETP", "ETP : 0,8", "80 %", "4/5e", "3/4 temps".
fn proportional_hours(lx: &Lexed) -> Option<f64> {
    let mut etp = None;
    let mut pct = None;
    let mut fraction = None;
    for i in 0..lx.len() {
        if let Some(w) = lx.word(i) {
            if etp.is_none() && matches!(w, "etp" | "fte") {
                let mut j = i + 1;
                while matches!(lx.sym(j), Some(':' | '=')) {
                    j += 1;
                }
                let before = lx.num(i.wrapping_sub(1));
                let after = lx.num(j);
                etp = before.or(after).filter(|v| *v > 0.0 && *v <= 1.0);
            }
            continue;
        }
        let Some(v) = lx.num(i) else { continue };
        if pct.is_none() && lx.sym(i + 1) == Some('%') && v > 0.0 && v <= 100.0 {
            let remote = (i + 2..i + 5).any(|k| {
                lx.word(k).is_some_and(|w| {
                    matches!(
                        w,
                        "teletravail" | "remote" | "distance" | "presentiel" | "deplacements"
                    )
                })
            });
            if !remote {
                pct = Some(v);
            }
        }
        if fraction.is_none() && lx.sym(i + 1) == Some('/') {
            if let Some(d) = lx.num(i + 2) {
                let tail = lx.word_or_empty(i + 3);
                if v > 0.0 && v < d && matches!(tail, "temps" | "e" | "eme" | "emes" | "es") {
                    fraction = Some(v / d);
                }
            }
        }
    }
    etp.or(pct.map(|p| p / 100.0))
        .or(fraction)
        .map(|f| f * FULL_TIME_HOURS)
}

/// Working time: "Temps plein", "temps partiel", "Temps partiel (24h/semaine)", "24h/semaine",
/// "24 heures hebdomadaires", "35h", "151,67 h/mois" (monthly hours are converted), "0,8 ETP"
/// (28 h), "80%", "4/5e", "mi-temps" (17.5 h), schema.org and WP values ("FULL_TIME",
/// "part-time"), France Travail "35H Horaires normaux". A stated kind wins; otherwise 35 hours
/// or more (1 ETP, 100 %) is full time. Times of day ("9h30", "de 9h à 17h") are not hours
/// of work. `None` when nothing is said.
pub fn parse_working_time(raw: &str) -> Option<WorkingTime> {
    let lx = Lexed::new(raw);
    let ws = lx.content_words();
    let stated = best_match(&lx, &ws, WORKING_TIME_PATTERNS).map(|(k, _, _)| k);
    let hours = stated_hours(&lx)
        .or_else(|| proportional_hours(&lx))
        .or_else(|| stated.map(|(_, h)| f64::from(h)).filter(|h| *h > 0.0))
        .map(round2);
    let kind = stated.map(|(k, _)| k).or_else(|| {
        hours.map(|h| {
            if h >= FULL_TIME_HOURS {
                WorkingTimeKind::FullTime
            } else {
                WorkingTimeKind::PartTime
            }
        })
    });
    if kind.is_none() && hours.is_none() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(WorkingTime {
        kind,
        hours_per_week: hours.map(|h| h as f32),
    })
}

// ---------------------------------------------------------------------------------------------
// Salaries
// ---------------------------------------------------------------------------------------------

const MONTHS: &[&str] = &[
    "janvier",
    "janv",
    "fevrier",
    "fevr",
    "fev",
    "mars",
    "avril",
    "avr",
    "mai",
    "juin",
    "juillet",
    "juil",
    "aout",
    "septembre",
    "sept",
    "octobre",
    "oct",
    "novembre",
    "nov",
    "decembre",
    "dec",
];

/// Words after which a number is a reference to a grid, not an amount ("CCN 66", "indice 400").
const SALARY_TRIGGERS: &[&str] = &[
    "ccn",
    "cc",
    "convention",
    "conventionnel",
    "conventionnelle",
    "collective",
    "nationale",
    "idcc",
    "indice",
    "indices",
    "coefficient",
    "coeff",
    "coef",
    "echelon",
    "niveau",
    "groupe",
    "categorie",
    "classe",
    "position",
    "annexe",
    "article",
    "art",
    "avenant",
    "pesee",
    "grille",
    "bac",
];

/// Words after which a number is not an amount ("35 h", "2 ans", "13e mois", "10 %").
const SALARY_REJECT_AFTER: &[&str] = &[
    "an",
    "ans",
    "annee",
    "annees",
    "mois",
    "semaine",
    "semaines",
    "sem",
    "jour",
    "jours",
    "j",
    "h",
    "heure",
    "heures",
    "hr",
    "hrs",
    "etp",
    "e",
    "eme",
    "er",
    "ere",
    "ieme",
    "points",
    "point",
    "pts",
    "pt",
    "personnes",
    "salaries",
    "places",
    "postes",
    "enfants",
    "km",
    "kms",
    "min",
    "minutes",
];

const K_WORDS: &[&str] = &["k", "ke", "keur", "keuro", "keuros", "mille"];

/// Length of the chain of numbers joined by `sep` without spaces that contains token `i`.
fn chain_len(lx: &Lexed, i: usize, sep: char) -> usize {
    let mut n = 1;
    let mut j = i;
    while j >= 2
        && lx.sym(j - 1) == Some(sep)
        && !lx.space_before(j - 1)
        && !lx.space_before(j)
        && lx.num(j - 2).is_some()
    {
        n += 1;
        j -= 2;
    }
    let mut j = i;
    while lx.sym(j + 1) == Some(sep)
        && !lx.space_before(j + 1)
        && !lx.space_before(j + 2)
        && lx.num(j + 2).is_some()
    {
        n += 1;
        j += 2;
    }
    n
}

/// If token `i` is a salary figure: (value with k applied, k written, index after it).
fn salary_candidate(lx: &Lexed, i: usize) -> Option<(f64, bool, usize)> {
    let v = lx.num(i)?;
    if v <= 0.0 {
        return None;
    }
    if chain_len(lx, i, '/') >= 2 || chain_len(lx, i, '.') >= 2 || chain_len(lx, i, '-') >= 3 {
        return None;
    }
    if i > 0 && lx.sym(i - 1) == Some('+') {
        return None;
    }
    if lx.sym(i + 1) == Some('%') {
        return None;
    }
    let mut k = false;
    let mut next = i + 1;
    if let Some(w) = lx.word(i + 1) {
        if K_WORDS.contains(&w) {
            k = true;
            next = i + 2;
        } else if SALARY_REJECT_AFTER.contains(&w) || MONTHS.contains(&w) {
            return None;
        }
    }
    if i > 0 && lx.word(i - 1).is_some_and(|w| MONTHS.contains(&w)) {
        return None;
    }
    // Walk back over up to three words: a grid word there makes this a grid reference.
    let mut j = i;
    let mut seen = 0;
    while j > 0 && seen < 3 {
        j -= 1;
        match lx.kind(j) {
            Some(Kind::Word) => {
                let w = lx.word_or_empty(j);
                if SALARY_TRIGGERS.contains(&w) {
                    return None;
                }
                if !(STOPWORDS.contains(&w) || matches!(w, "n" | "no" | "numero" | "selon")) {
                    seen += 1;
                }
            }
            Some(Kind::Sym('°' | '.' | '\'' | 'º')) => {}
            _ => break,
        }
    }
    let value = if k { v * 1000.0 } else { v };
    (value < 10_000_000.0).then_some((value, k, next))
}

fn salary_period(lx: &Lexed) -> Option<SalaryPeriod> {
    for j in 0..lx.len() {
        let Some(w) = lx.word(j) else { continue };
        let after_num = j > 0 && lx.num(j - 1).is_some();
        let after_ordinal = j >= 2
            && lx.num(j - 2).is_some()
            && matches!(lx.word(j - 1), Some("e" | "eme" | "ieme" | "er"));
        let after_slash = j > 0 && lx.sym(j - 1) == Some('/');
        let unit_ok = !after_num && !after_ordinal;
        let p = match w {
            "mensuel" | "mensuelle" | "mensuels" | "mensuelles" | "mensualise" | "monthly" => {
                SalaryPeriod::Month
            }
            "mois" | "month" if unit_ok => SalaryPeriod::Month,
            "annuel" | "annuelle" | "annuels" | "annuelles" | "yearly" | "annual" | "annum" => {
                SalaryPeriod::Year
            }
            "an" | "annee" | "year" if unit_ok => SalaryPeriod::Year,
            "horaire" | "hourly" => SalaryPeriod::Hour,
            "heure" | "hour" | "hr" if unit_ok => SalaryPeriod::Hour,
            "h" if after_slash => SalaryPeriod::Hour,
            "journalier" | "journaliere" | "daily" => SalaryPeriod::Day,
            "jour" | "day" | "journee" if unit_ok => SalaryPeriod::Day,
            "j" if after_slash => SalaryPeriod::Day,
            _ => continue,
        };
        return Some(p);
    }
    None
}

/// Salary figures: "1 900 € brut mensuel", "1900€", "Mensuel de 1600,00 Euros à 1800,00 Euros",
/// "Annuel de 28000 Euros", "28-32 k€ annuel", "28 à 32 K€ brut/an", "entre 2 000 et 2 300 €
/// bruts par mois", "11,88 € brut de l'heure", "Horaire de 11.88 Euros", "25 000 € / an",
/// "1 800,50 € net", "30K". A single figure gives `min == max` ("à partir de 1900 €" gives only
/// `min`, "jusqu'à 2000 €" only `max`). The period comes from the words (mensuel, par mois,
/// /mois, annuel, /an, horaire, de l'heure, /h...) or else from the magnitude: below 100 per
/// hour, 1000 to 10000 per month, 15000 and more per year (k€ means thousands), otherwise
/// unknown. Numbers that refer to a grid ("CCN 66", "indice 400", "coefficient 434"), hours,
/// durations, percentages and dates are not amounts; `None` when no amount is written ("selon
/// CCN 66", "selon profil", "à négocier", "SMIC").
pub fn parse_salary(raw: &str) -> Option<Salary> {
    let lx = Lexed::new(raw);
    let n = lx.len();
    let (i1, mut v1, k1, after1) =
        (0..n).find_map(|i| salary_candidate(&lx, i).map(|(v, k, a)| (i, v, k, a)))?;
    let mut second: Option<(f64, bool)> = None;
    let mut j = after1;
    let mut connector = false;
    while j < n && j < after1 + 8 {
        match lx.kind(j) {
            Some(Kind::Sym('€' | '$' | '£' | '\'')) => {}
            Some(Kind::Sym('-')) if !connector => connector = true,
            Some(Kind::Word) => {
                let w = lx.word_or_empty(j);
                if !connector && matches!(w, "a" | "au" | "et" | "to") {
                    connector = true;
                } else if !(matches!(
                    w,
                    "euros"
                        | "euro"
                        | "eur"
                        | "brut"
                        | "bruts"
                        | "brute"
                        | "net"
                        | "nets"
                        | "jusqu"
                        | "usd"
                        | "dollars"
                ) || K_WORDS.contains(&w))
                {
                    break;
                }
            }
            Some(Kind::Num) => {
                if connector {
                    second = salary_candidate(&lx, j).map(|(v, k, _)| (v, k));
                }
                break;
            }
            _ => break,
        }
        j += 1;
    }
    let (mut min, mut max) = (Some(v1), Some(v1));
    if let Some((mut v2, k2)) = second {
        if k2 && !k1 && v1 < 1000.0 {
            v1 *= 1000.0;
        }
        if k1 && !k2 && v2 < 1000.0 {
            v2 *= 1000.0;
        }
        // "entre 28 et 32 000 €"
        if v1 < 1000.0 && v2 >= 10_000.0 && v1 * 1000.0 <= v2 * 2.0 && v1 * 1000.0 >= v2 / 2.0 {
            v1 *= 1000.0;
        }
        let (lo, hi) = if v1 <= v2 { (v1, v2) } else { (v2, v1) };
        min = Some(lo);
        max = Some(hi);
    } else {
        let before = |words: &[&str]| {
            (i1.saturating_sub(4)..i1).any(|k| lx.word(k).is_some_and(|w| words.contains(&w)))
        };
        let after = |words: &[&str]| {
            (after1..after1 + 4).any(|k| lx.word(k).is_some_and(|w| words.contains(&w)))
        };
        if before(&["partir", "minimum", "min", "plancher", "minimal", "from"])
            || after(&["minimum", "min"])
        {
            max = None;
        } else if before(&["jusqu", "maximum", "max", "plafond", "maximal"])
            || after(&["maximum", "max"])
        {
            min = None;
        }
    }
    let magnitude = min.or(max).unwrap_or(0.0);
    let period = salary_period(&lx).or(if magnitude < 100.0 {
        Some(SalaryPeriod::Hour)
    } else if (1000.0..10_000.0).contains(&magnitude) {
        Some(SalaryPeriod::Month)
    } else if magnitude >= 15_000.0 {
        Some(SalaryPeriod::Year)
    } else {
        None
    });
    let mut gross = None;
    let mut euro = false;
    let mut other = None;
    for t in 0..n {
        match (lx.word(t), lx.sym(t)) {
            (Some("brut" | "bruts" | "brute" | "brutes" | "gross"), _) if gross.is_none() => {
                gross = Some(true)
            }
            (Some("net" | "nets" | "nette" | "nettes"), _) if gross.is_none() => {
                gross = Some(false)
            }
            (Some("euro" | "euros" | "eur" | "keur" | "keuros"), _) | (_, Some('€')) => {
                euro = true
            }
            (Some("usd" | "dollar" | "dollars"), _) | (_, Some('$')) => {
                other = other.or(Some("USD"))
            }
            (Some("gbp"), _) | (_, Some('£')) => other = other.or(Some("GBP")),
            (Some("chf"), _) => other = other.or(Some("CHF")),
            (Some("xpf" | "cfp"), _) => other = other.or(Some("XPF")),
            _ => {}
        }
    }
    let currency = if euro { "EUR" } else { other.unwrap_or("EUR") };
    Some(Salary {
        min,
        max,
        currency: currency.to_string(),
        period,
        gross,
    })
}

// ---------------------------------------------------------------------------------------------
// Titles
// ---------------------------------------------------------------------------------------------

fn skip_spaces(cs: &[char], mut j: usize) -> usize {
    while cs.get(j).is_some_and(|c| c.is_whitespace()) {
        j += 1;
    }
    j
}

/// Reads a gender letter group ("h", "f", "m", "x", "d", "w", "n", "nb") at `j`; returns its
/// tag and the index after it.
fn gender_letter(cs: &[char], j: usize) -> Option<(char, usize)> {
    let mut k = j;
    let mut s = [' '; 2];
    while let Some(c) = cs.get(k).filter(|c| c.is_alphabetic()) {
        if k - j >= 2 {
            return None;
        }
        s[k - j] = c.to_lowercase().next().unwrap_or(*c);
        k += 1;
    }
    let tag = match (k - j, s) {
        (1, [c @ ('h' | 'f' | 'm' | 'x' | 'd' | 'w' | 'n'), _]) => c,
        (2, ['n', 'b']) => 'n',
        _ => return None,
    };
    Some((tag, k))
}

/// Length in chars of a gender marker at `i` ("H/F", "(F/H)", "H / F", "F-H", "[H/F/X]").
fn gender_marker_len(cs: &[char], i: usize) -> Option<usize> {
    let (close, mut j) = match cs.get(i) {
        Some('(') => (Some(')'), i + 1),
        Some('[') => (Some(']'), i + 1),
        _ => (None, i),
    };
    if close.is_none() && i > 0 && cs.get(i - 1).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    j = skip_spaces(cs, j);
    let mut tags = [' '; 2];
    let mut count = 0;
    loop {
        let (tag, next) = gender_letter(cs, j)?;
        if count < 2 {
            tags[count] = tag;
        }
        count += 1;
        j = next;
        let k = skip_spaces(cs, j);
        if count < 5 && matches!(cs.get(k), Some('/' | '-' | '\\' | '–')) {
            let k2 = skip_spaces(cs, k + 1);
            if gender_letter(cs, k2).is_some() {
                j = k2;
                continue;
            }
        }
        break;
    }
    if count < 2 || !matches!(tags, ['h', 'f'] | ['f', 'h'] | ['m', 'f'] | ['f', 'm']) {
        return None;
    }
    if let Some(close) = close {
        let k = skip_spaces(cs, j);
        if cs.get(k) != Some(&close) {
            return None;
        }
        j = k + 1;
    } else if cs.get(j).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(j - i)
}

const PAREN_SUFFIXES: &[&str] = &[
    "e", "es", "ne", "nes", "nne", "le", "lle", "ere", "eres", "euse", "euses", "trice", "trices",
    "rice", "ice", "ve", "ves", "se", "ses", "te", "fe", "ffe", "sse", "esse", "ette",
];
const DOT_SUFFIXES: &[&str] = &[
    "e", "es", "ne", "nes", "nne", "le", "ere", "euse", "trice", "rice", "ve", "se", "te", "ice",
    "fe", "ffe", "sse", "esse",
];
const DASH_SUFFIXES: &[&str] = &[
    "e", "ne", "nne", "ere", "euse", "trice", "rice", "ve", "ice", "fe", "ffe", "esse",
];

/// Reads up to 6 letters at `j`, folded; returns them and the index after, or `None` when the
/// run is longer or empty.
fn letter_run(cs: &[char], j: usize, lowercase_only: bool) -> Option<(String, usize)> {
    let mut s = String::new();
    let mut k = j;
    while let Some(&c) = cs.get(k).filter(|c| c.is_alphabetic()) {
        if k - j >= 6 || (lowercase_only && !c.is_lowercase()) {
            return None;
        }
        push_folded(&mut s, c);
        k += 1;
    }
    (!s.is_empty()).then_some((s, k))
}

/// Length of a feminine ending at `i` right after a letter ("(e)", "·e", ".e", "(trice)",
/// "·rice", "-trice", "/e"), and whether a plural "·s" followed it.
fn feminine_suffix_len(cs: &[char], i: usize) -> Option<(usize, bool)> {
    if i == 0 || !cs.get(i - 1).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let c = *cs.get(i)?;
    match c {
        '(' => {
            let (s, k) = letter_run(cs, i + 1, false)?;
            (cs.get(k) == Some(&')') && PAREN_SUFFIXES.contains(&s.as_str()))
                .then_some((k + 1 - i, false))
        }
        '·' | '•' | '∙' | '⋅' | '.' => {
            let (s, k) = letter_run(cs, i + 1, true)?;
            if !DOT_SUFFIXES.contains(&s.as_str()) {
                return None;
            }
            if cs.get(k) == Some(&c)
                && cs.get(k + 1) == Some(&'s')
                && !cs.get(k + 2).is_some_and(|c| c.is_alphanumeric())
            {
                return Some((k + 2 - i, true));
            }
            (!cs.get(k).is_some_and(|c| c.is_alphanumeric())).then_some((k - i, false))
        }
        '/' | '-' => {
            let (s, k) = letter_run(cs, i + 1, true)?;
            (DASH_SUFFIXES.contains(&s.as_str()) && !cs.get(k).is_some_and(|c| c.is_alphanumeric()))
                .then_some((k - i, false))
        }
        _ => None,
    }
}

pub(crate) fn strip_gender(raw: &str) -> String {
    let cs: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        if let Some(n) = gender_marker_len(&cs, i) {
            out.push(' ');
            i += n;
            continue;
        }
        if let Some((n, plural)) = feminine_suffix_len(&cs, i) {
            if plural {
                out.push('s');
            }
            i += n;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn trim_separators(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '–' | '—' | '|' | ',' | ':' | ';' | '/' | '•' | '·')
    })
}

/// Words a trailing title segment may consist of to be dropped as contract noise. Words that
/// also name a field of work ("insertion", "bénévolat", "apprentissage") are left out.
const TITLE_NOISE_WORDS: &[&str] = &[
    "cdi",
    "cdd",
    "cddi",
    "cddu",
    "interim",
    "interimaire",
    "stage",
    "stagiaire",
    "alternance",
    "alternant",
    "alternante",
    "apprenti",
    "apprentie",
    "professionnalisation",
    "pro",
    "service",
    "civique",
    "vsi",
    "pec",
    "cui",
    "cae",
    "contrat",
    "contrats",
    "aide",
    "freelance",
    "independant",
    "saisonnier",
    "saisonniere",
    "temporary",
    "internship",
    "intern",
    "fixed",
    "term",
    "duree",
    "determinee",
    "indeterminee",
    "remplacement",
    "temps",
    "plein",
    "partiel",
    "complet",
    "non",
    "mi",
    "full",
    "time",
    "part",
    "h",
    "heures",
    "heure",
    "hebdo",
    "hebdomadaire",
    "hebdomadaires",
    "semaine",
    "semaines",
    "mois",
    "an",
    "ans",
    "annee",
    "jours",
    "etp",
    "poste",
    "renouvelable",
    "par",
];

fn is_contract_segment(seg: &str) -> bool {
    let lx = Lexed::new(seg);
    let words_ok = (0..lx.len()).all(|i| match lx.word(i) {
        Some(w) => STOPWORDS.contains(&w) || TITLE_NOISE_WORDS.contains(&w),
        None => true,
    });
    words_ok
        && (classify_contract(seg).is_some()
            || parse_working_time(seg).is_some_and(|w| w.kind.is_some())
            || contract_duration(seg).is_some())
}

/// Strips a trailing "(69)", "(2A)", "(974)" from a place.
fn without_department(seg: &str) -> Option<&str> {
    let inner_start = seg.strip_suffix(')')?.rfind('(')?;
    let inner = seg.get(inner_start + 1..seg.len() - 1)?;
    let ok = (2..=3).contains(&inner.len()) && inner.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| seg.get(..inner_start).unwrap_or("").trim_end())
}

fn is_noise(seg: &str, is_place: &dyn Fn(&str) -> bool) -> bool {
    let seg = trim_separators(seg);
    if seg.is_empty() {
        return true;
    }
    if is_place(seg) || without_department(seg).is_some_and(|p| !p.is_empty() && is_place(p)) {
        return true;
    }
    is_contract_segment(seg)
}

const SEGMENT_SEPARATORS: [&str; 5] = [" - ", " – ", " — ", " | ", " -- "];

/// Splits at the last segment separator ([`SEGMENT_SEPARATORS`]): (head, tail). Every
/// separator starts with a space and no two can start at the same byte, so the spaces are
/// tried from the right and the first that starts a separator is the last separator.
pub(crate) fn split_last_segment(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut end = bytes.len();
    while let Some(p) = bytes.get(..end)?.iter().rposition(|&b| b == b' ') {
        let rest = s.get(p..)?;
        // A separator inside a parenthesis ("(38 - Grenoble)") does not end a segment.
        let inside = rest.matches(')').count() > rest.matches('(').count();
        if let Some(sep) = SEGMENT_SEPARATORS
            .iter()
            .find(|sep| !inside && rest.starts_with(**sep))
        {
            return Some((s.get(..p)?, s.get(p + sep.len()..)?));
        }
        end = p;
    }
    None
}

/// Drops a trailing "(...)" whose content is noise; returns the rest.
fn drop_trailing_paren<'a>(s: &'a str, is_place: &dyn Fn(&str) -> bool) -> Option<&'a str> {
    let body = s.strip_suffix(')')?;
    let open = body.rfind('(')?;
    let inner = body.get(open + 1..)?;
    let head = body.get(..open)?.trim_end();
    (head.chars().any(char::is_alphabetic) && is_noise(inner, is_place)).then_some(head)
}

/// Cleans a job title: removes gender markers ("H/F", "F/H", "(H/F)", "h/f", "H / F", "F-H",
/// "H/F/X", "(e)", "·e", ".e", "(trice)", "·rice") and trailing noise segments after " - ",
/// " – ", " | " (and a trailing parenthesis) that are only contract or working-time words
/// ("- CDI", "– CDD 6 mois", "- Temps partiel", "(CDI)") or a place according to `is_place`
/// ("- Lyon", "- Lyon (69)"; when `is_place` refuses "Lyon (69)" it is asked again about
/// "Lyon"). Whitespace is collapsed. When nothing but noise is left ("H/F - CDI - Lyon") the
/// original title, whitespace collapsed, is returned, so a title with letters never becomes
/// empty.
pub fn clean_title(raw: &str, is_place: &dyn Fn(&str) -> bool) -> String {
    let stripped = tidy_spaces(&strip_gender(raw));
    let mut cur = trim_separators(&stripped);
    for _ in 0..16 {
        if let Some((head, tail)) = split_last_segment(cur) {
            if is_noise(tail, is_place) {
                cur = trim_separators(head);
                continue;
            }
        }
        if let Some(head) = drop_trailing_paren(cur, is_place) {
            cur = trim_separators(head);
            continue;
        }
        break;
    }
    if split_last_segment(cur).is_none() && is_noise(cur, is_place) {
        cur = "";
    }
    if cur.chars().any(char::is_alphabetic) {
        cur.to_string()
    } else {
        tidy_spaces(raw)
    }
}

// ---------------------------------------------------------------------------------------------
// Employer families
// ---------------------------------------------------------------------------------------------

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
    let lx = Lexed::new(text);
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

// ---------------------------------------------------------------------------------------------
// Labelled lines
// ---------------------------------------------------------------------------------------------

/// Position of the separator after a label (":", "：", "–", "—", or " - "), as (end of the
/// label, start of the value). Labels are at most 60 chars long.
fn find_label_sep(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut prev_space = false;
    let mut i = 0;
    // `n` counts characters, as `char_indices().enumerate()` would; ASCII is read byte by byte.
    let mut n = 0usize;
    while let Some(&b) = bytes.get(i) {
        if n > 60 {
            return None;
        }
        n += 1;
        let c = if b < 0x80 {
            char::from(b)
        } else {
            line.get(i..)?.chars().next()?
        };
        match c {
            ':' | '：' | '–' | '—' => return Some((i, i + c.len_utf8())),
            '-' if prev_space
                && line
                    .get(i + 1..)
                    .is_some_and(|r| r.starts_with(char::is_whitespace)) =>
            {
                return Some((i, i + 1))
            }
            _ => {}
        }
        prev_space = c.is_whitespace();
        i += c.len_utf8();
    }
    None
}

fn starts_word(s: &str, prefix: &str) -> bool {
    s == prefix || (s.starts_with(prefix) && s.as_bytes().get(prefix.len()) == Some(&b' '))
}

/// The labels [`match_label`] knows, in order of precedence (the first that matches wins):
/// (folded text, whether the whole label must be it rather than start with it as words, label).
const LABEL_PATTERNS: &[(&str, bool, Label)] = &[
    ("date limite", false, Label::Deadline),
    ("date de cloture", false, Label::Deadline),
    ("cloture des candidatures", false, Label::Deadline),
    ("date d expiration", false, Label::Deadline),
    ("deadline", false, Label::Deadline),
    ("date de prise de poste", false, Label::StartDate),
    ("prise de poste", false, Label::StartDate),
    ("date de prise de fonction", false, Label::StartDate),
    ("date de prise de fonctions", false, Label::StartDate),
    ("prise de fonction", false, Label::StartDate),
    ("prise de fonctions", false, Label::StartDate),
    ("date de debut", false, Label::StartDate),
    ("debut", false, Label::StartDate),
    ("date d embauche", false, Label::StartDate),
    ("embauche", false, Label::StartDate),
    ("date de demarrage", false, Label::StartDate),
    ("demarrage", false, Label::StartDate),
    ("date d entree en fonction", false, Label::StartDate),
    ("entree en fonction", false, Label::StartDate),
    ("date d entree", false, Label::StartDate),
    ("poste a pourvoir", false, Label::StartDate),
    ("a pourvoir", false, Label::StartDate),
    ("date de commencement", false, Label::StartDate),
    ("start date", false, Label::StartDate),
    ("temps de travail", false, Label::WorkingTime),
    ("duree hebdomadaire", false, Label::WorkingTime),
    ("duree du travail", false, Label::WorkingTime),
    ("duree de travail", false, Label::WorkingTime),
    ("duree hebdo", false, Label::WorkingTime),
    ("horaires", false, Label::WorkingTime),
    ("horaire", false, Label::WorkingTime),
    ("volume horaire", false, Label::WorkingTime),
    ("quotite", false, Label::WorkingTime),
    ("nombre d heures", false, Label::WorkingTime),
    ("rythme de travail", false, Label::WorkingTime),
    ("working time", false, Label::WorkingTime),
    ("working hours", false, Label::WorkingTime),
    ("duree", false, Label::Duration),
    ("contrat", true, Label::Contract),
    ("contrats", true, Label::Contract),
    ("contract", true, Label::Contract),
    ("type de contrat", false, Label::Contract),
    ("types de contrat", false, Label::Contract),
    ("nature du contrat", false, Label::Contract),
    ("nature de contrat", false, Label::Contract),
    ("contrat propose", false, Label::Contract),
    ("contrat de travail", false, Label::Contract),
    ("type d emploi", false, Label::Contract),
    ("type de poste", false, Label::Contract),
    ("contract type", false, Label::Contract),
    ("salaire", false, Label::Salary),
    ("remuneration", false, Label::Salary),
    ("gratification", false, Label::Salary),
    ("salary", false, Label::Salary),
    ("retribution", false, Label::Salary),
    ("indemnite", true, Label::Salary),
    ("indemnite mensuelle", true, Label::Salary),
    ("traitement", true, Label::Salary),
    ("lieu", false, Label::Place),
    ("lieux", false, Label::Place),
    ("localisation", false, Label::Place),
    ("secteur geographique", false, Label::Place),
    ("zone geographique", false, Label::Place),
    ("zone d intervention", false, Label::Place),
    ("location", false, Label::Place),
    ("adresse", true, Label::Place),
    ("adresse du poste", true, Label::Place),
    ("ville", true, Label::Place),
    ("commune", true, Label::Place),
    ("departement", true, Label::Place),
    ("region", true, Label::Place),
    ("employeur", true, Label::Employer),
    ("structure", true, Label::Employer),
    ("organisme", true, Label::Employer),
    ("entreprise", true, Label::Employer),
    ("association", true, Label::Employer),
    ("recruteur", true, Label::Employer),
    ("etablissement", true, Label::Employer),
    ("organisation", true, Label::Employer),
    ("employer", true, Label::Employer),
    ("company", true, Label::Employer),
    ("structure employeuse", true, Label::Employer),
    ("nom de la structure", false, Label::Employer),
    ("nom de l employeur", false, Label::Employer),
    ("nom de l organisme", false, Label::Employer),
    ("nom de l association", false, Label::Employer),
    ("nom de l entreprise", false, Label::Employer),
    ("structure d accueil", false, Label::Employer),
    ("organisme d accueil", false, Label::Employer),
    ("secteur", false, Label::Sector),
    ("domaine", false, Label::Sector),
    ("thematique", false, Label::Sector),
    ("sector", false, Label::Sector),
    ("filiere", false, Label::Sector),
];

fn match_label(label: &str) -> Option<Label> {
    let mut s = String::with_capacity(label.len());
    let mut words: usize = 0;
    for c in label.chars() {
        if c.is_alphanumeric() {
            if s.is_empty() || s.ends_with(' ') {
                words += 1;
            }
            push_folded(&mut s, c);
        } else if !s.is_empty() && !s.ends_with(' ') {
            s.push(' ');
        }
        if s.len() > 60 {
            return None;
        }
    }
    // "Lieu(x)", "Employeur(s)"
    let mut s = s.trim_end();
    while let Some(rest) = s
        .strip_suffix(" s")
        .or_else(|| s.strip_suffix(" x"))
        .or_else(|| s.strip_suffix(" e"))
    {
        s = rest.trim_end();
        words = words.saturating_sub(1);
    }
    // (A window search: `str::contains` would first build a searcher for the needle.)
    if s.is_empty() || words > 7 || s.as_bytes().windows(10).any(|w| w == b"experience") {
        return None;
    }
    // Both ways of matching need the first byte: only the patterns that share it are tried.
    let first = s.as_bytes().first().copied();
    LABEL_PATTERNS
        .iter()
        .filter(|(p, _, _)| p.as_bytes().first().copied() == first)
        .find(|(p, exact, _)| if *exact { s == *p } else { starts_word(s, p) })
        .map(|&(_, _, label)| label)
}

const BULLETS: &[char] = &[
    '-', '•', '*', '·', '>', '–', '—', '▪', '►', '✓', '#', '_', '◦', '‣', '➢', '→',
];

/// Reads "Label : value" at the start of `line`; the value stops where another labelled field
/// starts after " | ", " • ", " - ", " – " or ";". Returns (label, value, rest of the line).
fn label_line(line: &str) -> Option<(Label, &str, Option<&str>)> {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || BULLETS.contains(&c));
    let (label_end, value_start) = find_label_sep(line)?;
    let label = match_label(line.get(..label_end)?)?;
    let value_all = line.get(value_start..)?;
    let mut value = value_all;
    let mut next = None;
    for (i, c) in value_all.char_indices() {
        let is_split = match c {
            '|' | '•' | ';' | '\t' => true,
            '-' | '–' | '—' => {
                value_all
                    .get(..i)
                    .is_some_and(|b| b.ends_with(char::is_whitespace))
                    && value_all
                        .get(i + c.len_utf8()..)
                        .is_some_and(|r| r.starts_with(char::is_whitespace))
            }
            _ => false,
        };
        if !is_split {
            continue;
        }
        let Some(rest) = value_all.get(i + c.len_utf8()..) else {
            continue;
        };
        let rest_trim = rest.trim_start();
        if let Some((e, _)) = find_label_sep(rest_trim) {
            if rest_trim.get(..e).and_then(match_label).is_some() {
                value = value_all.get(..i).unwrap_or("");
                next = Some(rest);
                break;
            }
        }
    }
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '*' || c == ':');
    Some((label, value, next))
}

/// The lines of `text`, split at "\n", "\r", U+2028 and U+2029: by "\n" first (a fast search),
/// then, in the rare lines that may hold one of the others (a "\r", or the lead byte 0xE2
/// of U+2028 and U+2029, shared by dashes and quotes), by all four.
fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|line| {
        let rare = line.as_bytes().contains(&b'\r') || line.as_bytes().contains(&0xE2);
        let (whole, parts) = if rare {
            (None, Some(line.split(['\n', '\r', '\u{2028}', '\u{2029}'])))
        } else {
            (Some(line), None)
        };
        whole.into_iter().chain(parts.into_iter().flatten())
    })
}

/// Labelled lines of a description turned into plain text: "Lieu : Lyon (69)", "Lieu de
/// travail: ...", "Localisation :", "Contrat : CDI", "Type de contrat :", "Salaire : ...",
/// "Rémunération :", "Date limite : 15/12/2026", "Date limite de candidature :", "Date de prise
/// de poste :", "Début :", "Temps de travail :", "Durée hebdomadaire :", "Employeur :",
/// "Structure :", "Secteur :", "Durée :", in any case, with ":" or "–" as separator, after a
/// bullet, and several on one line when joined by " | " or " - " ("Lieu : Lyon - Contrat :
/// CDI"). Returns (label, trimmed value) in order of appearance; empty values are skipped.
pub fn labelled_fields(text: &str) -> Vec<(Label, String)> {
    let mut out = Vec::new();
    for line in text_lines(text) {
        let mut rest = line;
        for _ in 0..32 {
            let Some((label, value, next)) = label_line(rest) else {
                break;
            };
            if !value.is_empty() {
                out.push((label, value.to_string()));
            }
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use Contract as C;

    /// The implementations the fast paths replaced, kept as oracles.
    mod reference {
        pub fn split_last_segment(s: &str) -> Option<(&str, &str)> {
            let mut best: Option<(usize, usize)> = None;
            for sep in [" - ", " – ", " — ", " | ", " -- "] {
                if let Some(p) = s.rfind(sep) {
                    if best.is_none_or(|(b, _)| p > b) {
                        best = Some((p, sep.len()));
                    }
                }
            }
            let (p, l) = best?;
            Some((s.get(..p)?, s.get(p + l..)?))
        }

        pub fn find_label_sep(line: &str) -> Option<(usize, usize)> {
            let mut prev_space = false;
            for (n, (i, c)) in line.char_indices().enumerate() {
                if n > 60 {
                    return None;
                }
                match c {
                    ':' | '：' | '–' | '—' => return Some((i, i + c.len_utf8())),
                    '-' if prev_space
                        && line
                            .get(i + 1..)
                            .is_some_and(|r| r.starts_with(char::is_whitespace)) =>
                    {
                        return Some((i, i + 1))
                    }
                    _ => {}
                }
                prev_space = c.is_whitespace();
            }
            None
        }
        pub fn match_label(label: &str) -> Option<super::super::Label> {
            let mut s = String::with_capacity(label.len());
            let mut words: usize = 0;
            for c in label.chars() {
                if c.is_alphanumeric() {
                    if s.is_empty() || s.ends_with(' ') {
                        words += 1;
                    }
                    crate::text::push_folded(&mut s, c);
                } else if !s.is_empty() && !s.ends_with(' ') {
                    s.push(' ');
                }
                if s.len() > 60 {
                    return None;
                }
            }
            // "Lieu(x)", "Employeur(s)"
            let mut s = s.trim_end();
            while let Some(rest) = s
                .strip_suffix(" s")
                .or_else(|| s.strip_suffix(" x"))
                .or_else(|| s.strip_suffix(" e"))
            {
                s = rest.trim_end();
                words = words.saturating_sub(1);
            }
            if s.is_empty() || words > 7 || s.contains("experience") {
                return None;
            }
            let any = |prefixes: &[&str]| prefixes.iter().any(|p| super::super::starts_word(s, p));
            let exact = |names: &[&str]| names.contains(&s);
            let label = if any(&[
                "date limite",
                "date de cloture",
                "cloture des candidatures",
                "date d expiration",
                "deadline",
            ]) {
                super::super::Label::Deadline
            } else if any(&[
                "date de prise de poste",
                "prise de poste",
                "date de prise de fonction",
                "date de prise de fonctions",
                "prise de fonction",
                "prise de fonctions",
                "date de debut",
                "debut",
                "date d embauche",
                "embauche",
                "date de demarrage",
                "demarrage",
                "date d entree en fonction",
                "entree en fonction",
                "date d entree",
                "poste a pourvoir",
                "a pourvoir",
                "date de commencement",
                "start date",
            ]) {
                super::super::Label::StartDate
            } else if any(&[
                "temps de travail",
                "duree hebdomadaire",
                "duree du travail",
                "duree de travail",
                "duree hebdo",
                "horaires",
                "horaire",
                "volume horaire",
                "quotite",
                "nombre d heures",
                "rythme de travail",
                "working time",
                "working hours",
            ]) {
                super::super::Label::WorkingTime
            } else if any(&["duree"]) {
                super::super::Label::Duration
            } else if exact(&["contrat", "contrats", "contract"])
                || any(&[
                    "type de contrat",
                    "types de contrat",
                    "nature du contrat",
                    "nature de contrat",
                    "contrat propose",
                    "contrat de travail",
                    "type d emploi",
                    "type de poste",
                    "contract type",
                ])
            {
                super::super::Label::Contract
            } else if any(&[
                "salaire",
                "remuneration",
                "gratification",
                "salary",
                "retribution",
            ]) || exact(&["indemnite", "indemnite mensuelle", "traitement"])
            {
                super::super::Label::Salary
            } else if any(&[
                "lieu",
                "lieux",
                "localisation",
                "secteur geographique",
                "zone geographique",
                "zone d intervention",
                "location",
            ]) || exact(&[
                "adresse",
                "adresse du poste",
                "ville",
                "commune",
                "departement",
                "region",
            ]) {
                super::super::Label::Place
            } else if exact(&[
                "employeur",
                "structure",
                "organisme",
                "entreprise",
                "association",
                "recruteur",
                "etablissement",
                "organisation",
                "employer",
                "company",
                "structure employeuse",
            ]) || any(&[
                "nom de la structure",
                "nom de l employeur",
                "nom de l organisme",
                "nom de l association",
                "nom de l entreprise",
                "structure d accueil",
                "organisme d accueil",
            ]) {
                super::super::Label::Employer
            } else if any(&["secteur", "domaine", "thematique", "sector", "filiere"]) {
                super::super::Label::Sector
            } else {
                return None;
            };
            Some(label)
        }
    }

    /// Awkward French title and description pieces, glued at random.
    fn generated_texts(count: usize) -> Vec<String> {
        const PIECES: [&str; 44] = [
            "Animateur H/F",
            " - ",
            "Lyon 3e",
            "Chargé(e) de mission (F/H)",
            " – ",
            "69003 Lyon",
            "Éducateur spécialisé",
            " - CDI - ",
            "Saint-Denis (974)",
            " — ",
            " | ",
            " -- ",
            "-",
            " ",
            "\u{a0}",
            "\u{202f}",
            ":",
            " : ",
            "：",
            "Lieu",
            "Date limite",
            "Contrat",
            "Type de contrat",
            "Rémunération",
            "Lieu(x)",
            "Employeur(s)",
            "Expérience",
            "\n",
            "\r\n",
            "\u{2028}",
            "\u{2029}",
            "•",
            "– ",
            "Temps de travail",
            "Secteur",
            "Durée",
            "CDD 6 mois",
            "Paris 15e",
            "Marseille 13001",
            "Ajaccio (2A)",
            "l'équipe",
            "—Début",
            "\t",
            "Salaire : 1 900 € | Lieu : Reims",
        ];
        crate::normalise::glued_pieces(&PIECES, 12, count, 0x9e37_79b9_7f4a_7c15)
    }

    #[test]
    fn fast_title_and_label_scans_agree_with_the_slow_ones() {
        let mut texts: Vec<String> = [
            "Animateur H/F - Lyon 3e",
            "Chargé(e) de mission (F/H) – 69003 Lyon",
            "Éducateur spécialisé - CDI - Saint-Denis (974)",
            "Comptable (H/F) – CDD 6 mois",
            "a - - b",
            " -- x",
            "x -- ",
            "Lieu\u{a0}- Lyon",
            "Date limite\u{202f}: 15/12/2026",
            "Expérience : 2 ans",
            "Lieux : Lyon",
            "Employeur(s) — ADMR",
            "",
            " - ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.extend(generated_texts(20_000));
        for t in &texts {
            assert_eq!(
                split_last_segment(t),
                reference::split_last_segment(t),
                "{t:?}"
            );
            assert_eq!(find_label_sep(t), reference::find_label_sep(t), "{t:?}");
            assert_eq!(match_label(t), reference::match_label(t), "{t:?}");
            let fast: Vec<&str> = text_lines(t).collect();
            let slow: Vec<&str> = t.split(['\n', '\r', '\u{2028}', '\u{2029}']).collect();
            assert_eq!(fast, slow, "{t:?}");
        }
        for (p, _, _) in LABEL_PATTERNS {
            for label in [
                p.to_string(),
                p.to_uppercase(),
                format!("{p} de travail"),
                format!("{p}(s)"),
                format!("{p}x"),
                format!("  {p} : "),
                format!("Votre {p}"),
            ] {
                assert_eq!(
                    match_label(&label),
                    reference::match_label(&label),
                    "{label:?}"
                );
            }
        }
    }

    fn no_place(_: &str) -> bool {
        false
    }

    fn places(s: &str) -> bool {
        matches!(
            s,
            "Lyon" | "Paris" | "Marseille" | "Lyon 3e" | "Reims" | "Île-de-France" | "Télétravail"
        )
    }

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

    #[test]
    fn contract_duration_table() {
        use DurationUnit::{Day as D, Month as M, Week as W, Year as Y};
        let cases: &[(&str, Option<(f32, DurationUnit)>)] = &[
            ("CDD 6 mois", Some((6.0, M))),
            ("CDD de 12 mois", Some((12.0, M))),
            ("durée : 3 mois", Some((3.0, M))),
            ("Stage de 6 mois", Some((6.0, M))),
            ("2 ans", Some((2.0, Y))),
            ("8 semaines", Some((8.0, W))),
            ("1 an", Some((1.0, Y))),
            ("18 mois renouvelable", Some((18.0, M))),
            ("CDD 6mois", Some((6.0, M))),
            ("CDD d'un an", Some((1.0, Y))),
            ("six mois", Some((6.0, M))),
            ("dix-huit mois", Some((18.0, M))),
            ("Une année", Some((1.0, Y))),
            ("1,5 an", Some((1.5, Y))),
            ("15 jours", Some((15.0, D))),
            ("6 à 12 mois", Some((12.0, M))),
            ("6 months", Some((6.0, M))),
            ("CDD 3 MOIS", Some((3.0, M))),
            ("– CDD 6 mois", Some((6.0, M))),
            ("CDI", None),
            ("CDI avec période d'essai de 2 mois", None),
            ("2 ans d'expérience exigés", None),
            ("1900 €/mois", None),
            ("35h", None),
            ("13e mois", None),
            ("Durée : jusqu'au 31/12/2026", None),
            ("", None),
            ("mois", None),
            ("0 mois", None),
            ("🙂 6 mois 🙂", Some((6.0, M))),
        ];
        for (raw, want) in cases {
            let got = contract_duration(raw).map(|d| (d.amount, d.unit));
            assert_eq!(got, *want, "{raw:?}");
        }
    }

    #[test]
    fn working_time_table() {
        use WorkingTimeKind::{FullTime as F, PartTime as P};
        type Case = (&'static str, Option<(Option<WorkingTimeKind>, Option<f32>)>);
        let cases: &[Case] = &[
            ("Temps plein", Some((Some(F), None))),
            ("temps partiel", Some((Some(P), None))),
            ("TEMPS PARTIEL", Some((Some(P), None))),
            ("Temps partiel (24h/semaine)", Some((Some(P), Some(24.0)))),
            ("24h/semaine", Some((Some(P), Some(24.0)))),
            ("Chargé de Communication Btob Laval 53 H/F", None),
            ("Aide-soignant Paris 75 H / F", None),
            (
                "Aide-soignant Nantes 44 H/F - 28h/semaine",
                Some((Some(P), Some(28.0))),
            ),
            ("24 heures hebdomadaires", Some((Some(P), Some(24.0)))),
            ("24 h par semaine", Some((Some(P), Some(24.0)))),
            ("35h", Some((Some(F), Some(35.0)))),
            ("39 heures", Some((Some(F), Some(39.0)))),
            ("0,8 ETP", Some((Some(P), Some(28.0)))),
            ("0.5 ETP", Some((Some(P), Some(17.5)))),
            ("ETP : 0,6", Some((Some(P), Some(21.0)))),
            ("1 ETP", Some((Some(F), Some(35.0)))),
            ("80%", Some((Some(P), Some(28.0)))),
            ("80 %", Some((Some(P), Some(28.0)))),
            ("100%", Some((Some(F), Some(35.0)))),
            ("100% télétravail", None),
            ("mi-temps", Some((Some(P), Some(17.5)))),
            ("Mi temps", Some((Some(P), Some(17.5)))),
            ("4/5e", Some((Some(P), Some(28.0)))),
            ("3/4 temps", Some((Some(P), Some(26.25)))),
            ("FULL_TIME", Some((Some(F), None))),
            ("PART_TIME", Some((Some(P), None))),
            ("full-time", Some((Some(F), None))),
            ("part-time", Some((Some(P), None))),
            ("temps-plein", Some((Some(F), None))),
            ("35H Horaires normaux", Some((Some(F), Some(35.0)))),
            (
                "24H Travail samedi et dimanche",
                Some((Some(P), Some(24.0))),
            ),
            (
                "35H/semaine Travail en journée",
                Some((Some(F), Some(35.0))),
            ),
            ("35h30 hebdomadaires", Some((Some(F), Some(35.5)))),
            ("151,67 h/mois", Some((Some(F), Some(35.0)))),
            ("Temps plein 39h", Some((Some(F), Some(39.0)))),
            ("Temps partiel 35h", Some((Some(P), Some(35.0)))),
            ("Temps non complet", Some((Some(P), None))),
            ("Temps complet", Some((Some(F), None))),
            ("Temps plein - CDI", Some((Some(F), None))),
            ("de 9h à 17h", None),
            ("14h-22h", None),
            ("9h30", None),
            ("CDI", None),
            ("Horaires normaux", None),
            ("", None),
            ("   ", None),
            ("🙂", None),
            ("500h", None),
        ];
        for (raw, want) in cases {
            let got = parse_working_time(raw).map(|w| (w.kind, w.hours_per_week));
            assert_eq!(got, *want, "{raw:?}");
        }
    }

    fn sal(
        min: Option<f64>,
        max: Option<f64>,
        period: Option<SalaryPeriod>,
        gross: Option<bool>,
    ) -> Option<Salary> {
        Some(Salary {
            min,
            max,
            currency: "EUR".to_string(),
            period,
            gross,
        })
    }

    #[test]
    fn salary_table() {
        use SalaryPeriod::{Day as D, Hour as H, Month as M, Year as Y};
        let s = |v: f64| Some(v);
        let cases: Vec<(&str, Option<Salary>)> = vec![
            (
                "1 900 € brut mensuel",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            ("1900€", sal(s(1900.0), s(1900.0), Some(M), None)),
            (
                "Mensuel de 1600,00 Euros à 1800,00 Euros",
                sal(s(1600.0), s(1800.0), Some(M), None),
            ),
            (
                "Mensuel de 1600,00 Euros à 1800,00 Euros sur 12 mois",
                sal(s(1600.0), s(1800.0), Some(M), None),
            ),
            (
                "Annuel de 28000 Euros",
                sal(s(28000.0), s(28000.0), Some(Y), None),
            ),
            (
                "Annuel de 28000,00 Euros à 32000,00 Euros sur 13 mois",
                sal(s(28000.0), s(32000.0), Some(Y), None),
            ),
            (
                "28-32 k€ annuel",
                sal(s(28000.0), s(32000.0), Some(Y), None),
            ),
            (
                "28 à 32 K€ brut/an",
                sal(s(28000.0), s(32000.0), Some(Y), Some(true)),
            ),
            ("28k€ - 32k€", sal(s(28000.0), s(32000.0), Some(Y), None)),
            (
                "entre 2 000 et 2 300 € bruts par mois",
                sal(s(2000.0), s(2300.0), Some(M), Some(true)),
            ),
            (
                "Entre 28 et 32 000 € par an",
                sal(s(28000.0), s(32000.0), Some(Y), None),
            ),
            (
                "11,88 € brut de l'heure",
                sal(s(11.88), s(11.88), Some(H), Some(true)),
            ),
            (
                "Horaire de 11.88 Euros",
                sal(s(11.88), s(11.88), Some(H), None),
            ),
            ("12 €/h", sal(s(12.0), s(12.0), Some(H), None)),
            ("25 000 € / an", sal(s(25000.0), s(25000.0), Some(Y), None)),
            (
                "1 800,50 € net",
                sal(s(1800.5), s(1800.5), Some(M), Some(false)),
            ),
            ("30K", sal(s(30000.0), s(30000.0), Some(Y), None)),
            ("30 k€", sal(s(30000.0), s(30000.0), Some(Y), None)),
            (
                "1\u{a0}900\u{a0}€ brut",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            ("1\u{202f}900 €", sal(s(1900.0), s(1900.0), Some(M), None)),
            (
                "2 000 € - 2 300 €",
                sal(s(2000.0), s(2300.0), Some(M), None),
            ),
            ("2000-2300€", sal(s(2000.0), s(2300.0), Some(M), None)),
            ("2300 à 2000 €", sal(s(2000.0), s(2300.0), Some(M), None)),
            ("1.900 €", sal(s(1900.0), s(1900.0), Some(M), None)),
            (
                "28,000 EUR per year",
                sal(s(28000.0), s(28000.0), Some(Y), None),
            ),
            (
                "À partir de 1 900 € brut",
                sal(s(1900.0), None, Some(M), Some(true)),
            ),
            ("Jusqu'à 2 500 €", sal(None, s(2500.0), Some(M), None)),
            (
                "Selon CCN 66, coefficient 434 soit 1 900 € brut",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            (
                "Selon grille indiciaire : 2 100 € brut",
                sal(s(2100.0), s(2100.0), Some(M), Some(true)),
            ),
            (
                "Indemnité de 620,41 € par mois",
                sal(s(620.41), s(620.41), Some(M), None),
            ),
            ("Gratification 600 €", sal(s(600.0), s(600.0), None, None)),
            ("150 € par jour", sal(s(150.0), s(150.0), Some(D), None)),
            ("450 €/j", sal(s(450.0), s(450.0), Some(D), None)),
            ("12 000 €", sal(s(12000.0), s(12000.0), None, None)),
            (
                "1 900 € brut mensuel + 13e mois",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            (
                "1900 € brut mensuel (soit 22 800 € annuel)",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            ("SMIC + 10%", None),
            ("selon CCN 66", None),
            ("Selon CCN 66", None),
            ("Selon CCN66", None),
            ("Selon la CCN du 15 mars 1966", None),
            ("Convention collective nationale du 15 mars 1966", None),
            ("selon convention collective", None),
            ("selon profil", None),
            ("Selon profil et expérience", None),
            ("à négocier", None),
            ("Selon grille CCN 51", None),
            ("Indice 400", None),
            ("Indice majoré 400", None),
            ("Groupe 3, échelon 2", None),
            ("CCN n° 51", None),
            ("IDCC 0413", None),
            ("35h", None),
            ("Bac+2", None),
            ("Revalorisé au 01/01/2026", None),
            ("", None),
            ("   ", None),
            ("🙂💶", None),
            ("0 €", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_salary(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn salary_currencies() {
        assert_eq!(parse_salary("3000 $ per month").unwrap().currency, "USD");
        assert_eq!(parse_salary("3000 CHF").unwrap().currency, "CHF");
        assert_eq!(
            parse_salary("250 000 XPF par mois").unwrap().currency,
            "XPF"
        );
        assert_eq!(
            parse_salary("2000 € (environ 2200 $)").unwrap().currency,
            "EUR"
        );
        let long = format!("{} 1 900 €", "blabla ".repeat(10_000));
        assert_eq!(parse_salary(&long).unwrap().min, Some(1900.0));
        assert_eq!(parse_salary(&"9".repeat(400)), None);
    }

    #[test]
    fn clean_title_table() {
        let cases: &[(&str, &str)] = &[
            (
                "Educateur spécialisé (H/F) - CDI - Lyon",
                "Educateur spécialisé",
            ),
            ("Educateur spécialisé H/F", "Educateur spécialisé"),
            ("Educateur spécialisé F/H", "Educateur spécialisé"),
            ("Educateur spécialisé (F/H)", "Educateur spécialisé"),
            ("Educateur spécialisé h/f", "Educateur spécialisé"),
            ("Educateur spécialisé H / F", "Educateur spécialisé"),
            ("Educateur spécialisé F-H", "Educateur spécialisé"),
            ("Educateur spécialisé H/F/X", "Educateur spécialisé"),
            ("Educateur spécialisé (H/F/X)", "Educateur spécialisé"),
            ("Educateur spécialisé [H/F]", "Educateur spécialisé"),
            ("Educateur spécialisé(H/F)", "Educateur spécialisé"),
            ("H/F Educateur spécialisé", "Educateur spécialisé"),
            ("Chargé(e) de mission", "Chargé de mission"),
            ("Chargé·e de mission", "Chargé de mission"),
            ("Chargé.e de mission", "Chargé de mission"),
            ("Chargé·e·s de mission", "Chargés de mission"),
            ("Animateur(trice) jeunesse", "Animateur jeunesse"),
            ("Animateur·rice jeunesse", "Animateur jeunesse"),
            ("Animateur-trice jeunesse", "Animateur jeunesse"),
            (
                "Technicien(ne) d'intervention sociale",
                "Technicien d'intervention sociale",
            ),
            ("Salarié(e)s polyvalent(e)s", "Salariés polyvalents"),
            ("Aide à domicile - CDI", "Aide à domicile"),
            ("Aide à domicile – CDD 6 mois", "Aide à domicile"),
            ("Aide à domicile - Temps partiel", "Aide à domicile"),
            ("Aide à domicile - 6 mois", "Aide à domicile"),
            ("Aide à domicile - 35h", "Aide à domicile"),
            ("Aide à domicile - Mi-temps", "Aide à domicile"),
            ("Aide à domicile - 2 postes", "Aide à domicile - 2 postes"),
            ("Aide à domicile | CDI temps plein", "Aide à domicile"),
            ("Aide à domicile - Lyon", "Aide à domicile"),
            ("Aide à domicile - Lyon (69)", "Aide à domicile"),
            ("Aide à domicile - CDI - Lyon (69)", "Aide à domicile"),
            ("Aide à domicile (CDI)", "Aide à domicile"),
            ("Aide à domicile H/F - Poste en CDI", "Aide à domicile"),
            (
                "Chargé de mission - Insertion",
                "Chargé de mission - Insertion",
            ),
            (
                "Conseiller en insertion professionnelle - CDD",
                "Conseiller en insertion professionnelle",
            ),
            ("Coordinateur - Foyer de vie", "Coordinateur - Foyer de vie"),
            ("Aide-soignant", "Aide-soignant"),
            ("Aide-soignant·e", "Aide-soignant"),
            ("Aide-soignant-e de nuit", "Aide-soignant de nuit"),
            ("Directeur / Directrice", "Directeur / Directrice"),
            ("  Educateur   spécialisé   ", "Educateur spécialisé"),
            ("Educateur\tspécialisé\n", "Educateur spécialisé"),
            ("Coordinateur \u{7} de projets", "Coordinateur de projets"),
            ("H/F - CDI - Lyon", "H/F - CDI - Lyon"),
            ("CDI", "CDI"),
            ("H/F", "H/F"),
            ("", ""),
            ("   ", ""),
            ("🚀 Animateur 🚀 (H/F)", "🚀 Animateur 🚀"),
            ("Responsable R&D M/F", "Responsable R&D"),
            ("Chef de projet HF", "Chef de projet HF"),
            (
                "Assistant(e) social(e) (H/F) - CDD - Paris",
                "Assistant social",
            ),
            ("Éducateur (H/F) - Lyon - CDI", "Éducateur"),
            ("Intervenant - Lyon 3e", "Intervenant"),
            // A separator inside a parenthesis does not cut it.
            (
                "Alternance - webmarketing specialist - Bac+4/5 - (38 - Grenoble) - H/F",
                "Alternance - webmarketing specialist - Bac+4/5 - (38 - Grenoble)",
            ),
            ("Animateur - (Paris - Lyon)", "Animateur - (Paris - Lyon)"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean_title(raw, &places), *want, "{raw:?}");
        }
        assert_eq!(
            clean_title("Animateur - Lyon", &no_place),
            "Animateur - Lyon"
        );
        let long = format!("{} H/F - CDI", "Animateur ".repeat(5000));
        assert_eq!(
            clean_title(&long, &no_place),
            "Animateur ".repeat(5000).trim_end()
        );
    }

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

    #[test]
    fn labelled_fields_table() {
        use Label::*;
        let text = "Lieu : Lyon (69)\n\
            Lieu de travail: Villeurbanne\n\
            Localisation : Reims\n\
            Contrat : CDI\n\
            Type de contrat : CDD 6 mois\n\
            Salaire : 1 900 € brut\n\
            Rémunération : selon CCN 66\n\
            Date limite : 15/12/2026\n\
            Date limite de candidature : 20/12/2026\n\
            Date de prise de poste : 05/01/2027\n\
            Début : dès que possible\n\
            Temps de travail : 35h\n\
            Durée hebdomadaire : 24h\n\
            Employeur : ADMR\n\
            Structure : Foyer Les Tilleuls\n\
            Secteur : Médico-social\n\
            Durée : 6 mois\n";
        let want: Vec<(Label, String)> = [
            (Place, "Lyon (69)"),
            (Place, "Villeurbanne"),
            (Place, "Reims"),
            (Contract, "CDI"),
            (Contract, "CDD 6 mois"),
            (Salary, "1 900 € brut"),
            (Salary, "selon CCN 66"),
            (Deadline, "15/12/2026"),
            (Deadline, "20/12/2026"),
            (StartDate, "05/01/2027"),
            (StartDate, "dès que possible"),
            (WorkingTime, "35h"),
            (WorkingTime, "24h"),
            (Employer, "ADMR"),
            (Employer, "Foyer Les Tilleuls"),
            (Sector, "Médico-social"),
            (Duration, "6 mois"),
        ]
        .into_iter()
        .map(|(l, v)| (l, v.to_string()))
        .collect();
        assert_eq!(labelled_fields(text), want);
    }

    #[test]
    fn labelled_fields_variants() {
        use Label::*;
        let cases: &[(&str, &[(Label, &str)])] = &[
            ("LIEU : LYON", &[(Place, "LYON")]),
            ("LIEU: Lyon", &[(Place, "Lyon")]),
            ("Lieu – Lyon", &[(Place, "Lyon")]),
            ("Lieu — Lyon", &[(Place, "Lyon")]),
            ("Lieu - Lyon", &[(Place, "Lyon")]),
            ("Lieu\u{a0}: Lyon", &[(Place, "Lyon")]),
            ("- Lieu : Lyon", &[(Place, "Lyon")]),
            ("• Contrat : CDI", &[(Contract, "CDI")]),
            ("**Lieu :** Lyon", &[(Place, "Lyon")]),
            ("Lieu :", &[]),
            ("Lieu :   ", &[]),
            (
                "Lieu : Lyon - Contrat : CDI",
                &[(Place, "Lyon"), (Contract, "CDI")],
            ),
            (
                "Lieu : Lyon | Salaire : 1900 €",
                &[(Place, "Lyon"), (Salary, "1900 €")],
            ),
            ("Lieu : Lyon - Part-Dieu", &[(Place, "Lyon - Part-Dieu")]),
            (
                "Date limite de dépôt des candidatures : 1er décembre",
                &[(Deadline, "1er décembre")],
            ),
            (
                "Poste à pourvoir : immédiatement",
                &[(StartDate, "immédiatement")],
            ),
            ("Date de début : 01/02/2026", &[(StartDate, "01/02/2026")]),
            ("Durée du contrat : 12 mois", &[(Duration, "12 mois")]),
            ("Durée de travail : 28h", &[(WorkingTime, "28h")]),
            ("Horaires : 9h-17h", &[(WorkingTime, "9h-17h")]),
            (
                "Secteur d'activité : Petite enfance",
                &[(Sector, "Petite enfance")],
            ),
            ("Secteur géographique : Nord", &[(Place, "Nord")]),
            ("Nom de la structure : ACEPP", &[(Employer, "ACEPP")]),
            ("Gratification : 600 €", &[(Salary, "600 €")]),
            ("Date de publication : 01/02/2026", &[]),
            ("Nous recherchons : un éducateur", &[]),
            ("Le poste est situé à Lyon : centre ville", &[]),
            ("Durée d'expérience : 2 ans", &[]),
            ("Missions :\n- accueil", &[]),
            (
                "Lieu : Lyon\r\nContrat : CDI\r\n",
                &[(Place, "Lyon"), (Contract, "CDI")],
            ),
            ("", &[]),
            ("\n\n\n", &[]),
            ("🙂 : 🙂", &[]),
            ("Lieu : 🙂", &[(Place, "🙂")]),
            ("Horaire : 10:00 - 18:00", &[(WorkingTime, "10:00 - 18:00")]),
        ];
        for (text, want) in cases {
            let want: Vec<(Label, String)> =
                want.iter().map(|(l, v)| (*l, v.to_string())).collect();
            assert_eq!(labelled_fields(text), want, "{text:?}");
        }
        let long = format!("Lieu : {}", "x".repeat(100_000));
        assert_eq!(labelled_fields(&long).len(), 1);
        let many = "Contrat : CDI\n".repeat(1000);
        assert_eq!(labelled_fields(&many).len(), 1000);
        assert!(labelled_fields(&"a: b - ".repeat(10_000)).is_empty());
    }

    #[test]
    fn lexer_numbers() {
        let cases: &[(&str, f64)] = &[
            ("1 900", 1900.0),
            ("1\u{a0}900", 1900.0),
            ("1\u{202f}900,50", 1900.5),
            ("1.900", 1900.0),
            ("1.234,56", 1234.56),
            ("11.88", 11.88),
            ("0,8", 0.8),
            ("0,800", 0.8),
            ("1,900", 1900.0),
            ("151,67", 151.67),
            ("2 000 000", 2_000_000.0),
            ("6 mois", 6.0),
            ("2026", 2026.0),
        ];
        for (raw, want) in cases {
            let lx = Lexed::new(raw);
            assert_eq!(lx.num(0), Some(*want), "{raw:?}");
        }
    }

    #[test]
    fn never_panics_on_hostile_inputs() {
        let inputs = [
            "",
            " ",
            "\u{a0}",
            "(",
            ")",
            "((((",
            "H/",
            "/F",
            "(H/",
            "H/F/",
            "·",
            "(e",
            "e)",
            "1,",
            "1.",
            "1 9",
            "€",
            "k€",
            "-",
            " - ",
            "|",
            ":",
            "：",
            "–",
            "9999999999999999999999999999",
            "0,00000000000000000001",
            "é\u{301}",
            "\u{301}",
            "\u{200b}",
            "🙂(e)",
            "a·",
            "a(",
            "𝔄𝔅ℭ",
            "ǅ",
            "İstanbul",
            "ß",
            "Ⅻ",
            "٣",
            "1/0 temps",
            "0/0 temps",
        ];
        for s in inputs {
            let _ = classify_contract(s);
            let _ = contract_duration(s);
            let _ = parse_working_time(s);
            let _ = parse_salary(s);
            let _ = clean_title(s, &places);
            let _ = employer_family(s, Some(s));
            let _ = labelled_fields(s);
            let _ = france_travail_contract(s, Some(s));
            let _ = Contract::from_code(s);
        }
    }
}
