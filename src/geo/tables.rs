//! The official geography tables (COG: communes, departments, regions) embedded from
//! `data/geo/`, and the indexes built from them once, lazily, on first use: communes by INSEE
//! code and by postcode, every folded name (with the former regions, usual abbreviations and
//! department aliases) by what it designates. Also turns a commune or a department of the
//! tables into a [`Place`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::model::Place;
use crate::text::fold;

static COMMUNES_TSV: &str = include_str!("../../data/geo/communes.tsv");
static DEPARTEMENTS_TSV: &str = include_str!("../../data/geo/departements.tsv");
static REGIONS_TSV: &str = include_str!("../../data/geo/regions.tsv");

/// Sentinel for "no index".
pub(super) const NO: u32 = u32::MAX;

pub(super) struct Commune {
    pub(super) insee: &'static str,
    pub(super) name: &'static str,
    pub(super) dept: u16,
    pub(super) region: u16,
    /// Comma-separated postcodes.
    pub(super) postcodes: &'static str,
    /// Index of the parent commune for a municipal arrondissement, else `NO`.
    pub(super) parent: u32,
    pub(super) folded: Box<str>,
}

pub(super) struct Dept {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) region: u16,
    pub(super) communes: u32,
}

pub(super) struct Region {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
}

/// What a folded name can designate.
#[derive(Default)]
pub(super) struct NameEntry {
    pub(super) communes: Vec<u32>,
    pub(super) dept: Option<u16>,
    pub(super) region: Option<u16>,
    /// A single-word commune name that is also a common word ("ville", "mer", "y"): only used
    /// when nothing better is found.
    pub(super) weak: bool,
}

/// FxHash-style hasher: the keys are our own static names, so no DoS resistance is needed.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(buf));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Folded name -> what it designates.
pub(super) type NameIndex = FxMap<Box<str>, NameEntry>;

pub(super) struct Geo {
    /// Sorted by INSEE code.
    pub(super) communes: Vec<Commune>,
    /// Sorted by code.
    pub(super) depts: Vec<Dept>,
    /// Sorted by code.
    pub(super) regions: Vec<Region>,
    /// Folded name (commune, department, region, aliases) -> what it designates.
    pub(super) names: NameIndex,
    /// Folded department name (and aliases) -> department.
    pub(super) dept_names: FxMap<Box<str>, u16>,
    /// Folded region name (and aliases) -> region.
    pub(super) region_names: FxMap<Box<str>, u16>,
    /// (postcode, commune) sorted; Paris, Lyon and Marseille are listed by arrondissement only.
    pub(super) postcodes: Vec<(u32, u32)>,
    /// Most words in an indexed name.
    pub(super) max_words: usize,
    /// Folded name of every commune (arrondissements included), department and region: the
    /// names a resolved [`Place`] can carry.
    pub(super) place_names: FxMap<Box<str>, ()>,
}

/// Cities with municipal arrondissements: (folded name, INSEE code, arrondissements, department).
pub(super) const PLM: [(&str, &str, u32, &str); 3] = [
    ("paris", "75056", 20, "75"),
    ("lyon", "69123", 9, "69"),
    ("marseille", "13055", 16, "13"),
];

/// Former regions (before 2016) and usual abbreviations, folded, with the current region code.
const REGION_ALIASES: &[(&str, &str)] = &[
    ("idf", "11"),
    ("region parisienne", "11"),
    ("paca", "93"),
    ("region sud", "93"),
    ("aura", "84"),
    ("rhone alpes", "84"),
    ("auvergne", "84"),
    ("alsace", "44"),
    ("lorraine", "44"),
    ("champagne ardenne", "44"),
    ("nord pas de calais", "32"),
    ("picardie", "32"),
    ("aquitaine", "75"),
    ("limousin", "75"),
    ("poitou charentes", "75"),
    ("midi pyrenees", "76"),
    ("languedoc roussillon", "76"),
    ("bourgogne", "27"),
    ("franche comte", "27"),
    ("basse normandie", "28"),
    ("haute normandie", "28"),
    ("region centre", "24"),
    ("centre val de loire", "24"),
    ("reunion", "04"),
];

/// Department aliases, folded.
const DEPT_ALIASES: &[(&str, &str)] = &[("reunion", "974"), ("ile de la reunion", "974")];

/// Single-word commune names that are also common words in place texts.
const WEAK_NAMES: &[&str] = &[
    "aucun", "avril", "bar", "bois", "bourg", "bras", "bu", "by", "campagne", "centres", "change",
    "charge", "chateau", "chemin", "contre", "courant", "cours", "ecole", "eu", "force", "grand",
    "jardin", "job", "ligne", "long", "maire", "maisons", "mars", "mer", "mont", "montagne",
    "moyen", "oo", "our", "oz", "parce", "pin", "place", "plaine", "plan", "pont", "port",
    "portes", "ri", "routes", "rue", "simple", "son", "sus", "us", "vers", "ville", "villes",
    "vue", "y",
];

/// The tables and their indexes, built on first use.
pub(super) fn geo() -> &'static Geo {
    static GEO: OnceLock<Geo> = OnceLock::new();
    GEO.get_or_init(Geo::build)
}

fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// A five-digit postcode.
pub(super) fn parse_postcode(s: &str) -> Option<u32> {
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Index of the region of this code in `regions` (sorted by code).
fn region_index(regions: &[Region], code: &str) -> Option<u16> {
    regions
        .binary_search_by(|r| r.code.cmp(code))
        .ok()
        .and_then(|i| u16::try_from(i).ok())
}

/// The regions, sorted by code.
fn load_regions() -> Vec<Region> {
    let mut regions: Vec<Region> = rows(REGIONS_TSV)
        .filter_map(|f| {
            Some(Region {
                code: f.first()?,
                name: f.get(1)?,
            })
        })
        .collect();
    regions.sort_by(|a, b| a.code.cmp(b.code));
    regions
}

/// The departments, sorted by code (their commune counts still at zero).
fn load_depts(regions: &[Region]) -> Vec<Dept> {
    let mut depts: Vec<Dept> = rows(DEPARTEMENTS_TSV)
        .filter_map(|f| {
            Some(Dept {
                code: f.first()?,
                name: f.get(1)?,
                region: region_index(regions, f.get(2)?)?,
                communes: 0,
            })
        })
        .collect();
    depts.sort_by(|a, b| a.code.cmp(b.code));
    depts
}

/// The communes, sorted by INSEE code, each arrondissement linked to its city; counts each
/// department's communes.
fn load_communes(depts: &mut [Dept], regions: &[Region]) -> Vec<Commune> {
    let mut communes: Vec<Commune> = Vec::with_capacity(36_000);
    let mut parents: Vec<&'static str> = Vec::with_capacity(36_000);
    for f in rows(COMMUNES_TSV) {
        let (Some(&insee), Some(&name), Some(&dept), Some(&region)) =
            (f.first(), f.get(1), f.get(2), f.get(3))
        else {
            continue;
        };
        let Some(dept) = depts
            .binary_search_by(|d| d.code.cmp(dept))
            .ok()
            .and_then(|i| u16::try_from(i).ok())
        else {
            continue;
        };
        let Some(region) = region_index(regions, region) else {
            continue;
        };
        communes.push(Commune {
            insee,
            name,
            dept,
            region,
            postcodes: f.get(4).copied().unwrap_or(""),
            parent: NO,
            folded: fold(name).into_boxed_str(),
        });
        parents.push(f.get(5).copied().unwrap_or(""));
    }
    // Keep `parents` aligned with `communes` while sorting.
    let mut order: Vec<usize> = (0..communes.len()).collect();
    order.sort_by(|&a, &b| communes[a].insee.cmp(communes[b].insee));
    if order.windows(2).any(|w| w[0] > w[1]) {
        let mut slots: Vec<Option<Commune>> = communes.into_iter().map(Some).collect();
        communes = order.iter().filter_map(|&i| slots[i].take()).collect();
        parents = order.iter().map(|&i| parents[i]).collect();
    }
    for i in 0..communes.len() {
        let p = parents[i];
        if !p.is_empty() {
            if let Ok(j) = communes.binary_search_by(|c| c.insee.cmp(p)) {
                communes[i].parent = j as u32;
            }
        }
        let d = communes[i].dept as usize;
        if let Some(d) = depts.get_mut(d) {
            d.communes += 1;
        }
    }
    communes
}

/// The communes' folded names (weak ones marked) and the sorted (postcode, commune) pairs.
fn index_communes(communes: &[Commune]) -> (NameIndex, Vec<(u32, u32)>) {
    let mut names: NameIndex = FxMap::default();
    let mut postcodes: Vec<(u32, u32)> = Vec::with_capacity(40_000);
    let plm_parent = |c: &Commune| PLM.iter().any(|p| p.1 == c.insee);
    for (i, c) in communes.iter().enumerate() {
        let i = i as u32;
        if c.parent == NO {
            // Arrondissements are found by the "Lyon 3e" parser and by postcode.
            names.entry(c.folded.clone()).or_default().communes.push(i);
            // "Bors (Canton de Tude-et-Lavalette)" is also written "Bors".
            if let Some(cut) = c.name.find(" (") {
                let short = fold(c.name.get(..cut).unwrap_or(""));
                if !short.is_empty() {
                    let e = names.entry(short.into_boxed_str()).or_default();
                    if !e.communes.contains(&i) {
                        e.communes.push(i);
                    }
                }
            }
        }
        if plm_parent(c) {
            continue;
        }
        for pc in c.postcodes.split(',') {
            if let Some(n) = parse_postcode(pc) {
                postcodes.push((n, i));
            }
        }
    }
    postcodes.sort_unstable();
    postcodes.dedup();
    for w in WEAK_NAMES {
        if let Some(e) = names.get_mut(*w) {
            e.weak = true;
        }
    }
    (names, postcodes)
}

/// Folded department names and aliases -> department.
fn index_dept_names(depts: &[Dept]) -> FxMap<Box<str>, u16> {
    let mut dept_names: FxMap<Box<str>, u16> = FxMap::default();
    for (i, d) in depts.iter().enumerate() {
        dept_names.insert(fold(d.name).into_boxed_str(), i as u16);
    }
    for (alias, code) in DEPT_ALIASES {
        if let Ok(i) = depts.binary_search_by(|d| d.code.cmp(code)) {
            dept_names.insert((*alias).into(), i as u16);
        }
    }
    dept_names
}

/// Folded region names, former regions and abbreviations -> region.
fn index_region_names(regions: &[Region]) -> FxMap<Box<str>, u16> {
    let mut region_names: FxMap<Box<str>, u16> = FxMap::default();
    for (i, r) in regions.iter().enumerate() {
        region_names.insert(fold(r.name).into_boxed_str(), i as u16);
    }
    for (alias, code) in REGION_ALIASES {
        if let Some(i) = region_index(regions, code) {
            region_names.insert((*alias).into(), i);
        }
    }
    region_names
}

/// Adds the departments' and regions' names to `names`. A department name that is also the
/// name of one of its communes designates the commune when the department is that very city
/// (Paris) or has that single commune (Saint-Martin, Saint-Barthélemy): the administrative
/// meaning is dropped.
fn add_admin_names(
    names: &mut NameIndex,
    dept_names: &FxMap<Box<str>, u16>,
    region_names: &FxMap<Box<str>, u16>,
    depts: &[Dept],
    communes: &[Commune],
) {
    for (k, &d) in dept_names {
        names.entry(k.clone()).or_default().dept = Some(d);
    }
    for (k, &r) in region_names {
        names.entry(k.clone()).or_default().region = Some(r);
    }
    for e in names.values_mut() {
        let Some(d) = e.dept else { continue };
        let Some(dept) = depts.get(d as usize) else {
            continue;
        };
        let own = e
            .communes
            .iter()
            .any(|&c| communes.get(c as usize).is_some_and(|c| c.dept == d));
        if own && (dept.code == "75" || dept.communes == 1) {
            e.dept = None;
            e.region = None;
        }
    }
}

/// The folded name of every commune (arrondissements included), department and region.
fn index_place_names(
    communes: &[Commune],
    depts: &[Dept],
    regions: &[Region],
) -> FxMap<Box<str>, ()> {
    let mut place_names: FxMap<Box<str>, ()> = FxMap::default();
    for c in communes {
        place_names.insert(c.folded.clone(), ());
    }
    for name in depts
        .iter()
        .map(|d| d.name)
        .chain(regions.iter().map(|r| r.name))
    {
        place_names.insert(fold(name).into_boxed_str(), ());
    }
    place_names
}

impl Geo {
    fn build() -> Geo {
        let regions = load_regions();
        let mut depts = load_depts(&regions);
        let communes = load_communes(&mut depts, &regions);
        let (mut names, postcodes) = index_communes(&communes);
        let dept_names = index_dept_names(&depts);
        let region_names = index_region_names(&regions);
        add_admin_names(&mut names, &dept_names, &region_names, &depts, &communes);
        let place_names = index_place_names(&communes, &depts, &regions);
        let max_words = names
            .keys()
            .map(|k| k.split(' ').count())
            .max()
            .unwrap_or(1);

        Geo {
            communes,
            depts,
            regions,
            names,
            dept_names,
            region_names,
            postcodes,
            max_words,
            place_names,
        }
    }

    pub(super) fn commune_by_insee(&self, code: &str) -> Option<u32> {
        let mut buf = [0u8; 5];
        let b = code.as_bytes();
        if b.len() != 5 {
            return None;
        }
        for (o, &c) in buf.iter_mut().zip(b) {
            *o = c.to_ascii_uppercase();
        }
        self.communes
            .binary_search_by(|c| c.insee.as_bytes().cmp(&buf[..]))
            .ok()
            .map(|i| i as u32)
    }

    /// Department by code, case-insensitive ("2a"); "1" and "069" are read as "01" and "69".
    pub(super) fn dept_by_code(&self, code: &str) -> Option<u16> {
        let b = code.as_bytes();
        let mut buf = [0u8; 3];
        let key: &[u8] = match b.len() {
            1 if b[0].is_ascii_digit() => {
                buf[0] = b'0';
                buf[1] = b[0];
                &buf[..2]
            }
            2 => {
                buf[0] = b[0].to_ascii_uppercase();
                buf[1] = b[1].to_ascii_uppercase();
                &buf[..2]
            }
            3 if b[0] == b'0' => {
                buf[0] = b[1].to_ascii_uppercase();
                buf[1] = b[2].to_ascii_uppercase();
                &buf[..2]
            }
            3 => {
                buf.copy_from_slice(b);
                &buf[..3]
            }
            _ => return None,
        };
        self.depts
            .binary_search_by(|d| d.code.as_bytes().cmp(key))
            .ok()
            .map(|i| i as u16)
    }

    pub(super) fn region_by_code(&self, code: &str) -> Option<u16> {
        self.regions
            .binary_search_by(|r| r.code.cmp(code))
            .ok()
            .map(|i| i as u16)
    }

    /// Communes (arrondissements for Paris, Lyon and Marseille) having this postcode.
    pub(super) fn postcode_communes(&self, pc: u32) -> &[(u32, u32)] {
        let lo = self.postcodes.partition_point(|&(p, _)| p < pc);
        let hi = self.postcodes.partition_point(|&(p, _)| p <= pc);
        self.postcodes.get(lo..hi).unwrap_or(&[])
    }

    /// Department of a postcode not in the table (CEDEX), from its prefix.
    pub(super) fn dept_of_unknown_postcode(&self, pc: u32) -> Option<u16> {
        let code = if pc / 1000 == 20 {
            if pc < 20200 {
                "2A".to_string()
            } else {
                "2B".to_string()
            }
        } else if (97..=98).contains(&(pc / 1000)) {
            format!("{}", pc / 100)
        } else {
            format!("{:02}", pc / 1000)
        };
        self.dept_by_code(&code)
    }

    pub(super) fn commune(&self, i: u32) -> Option<&Commune> {
        self.communes.get(i as usize)
    }

    pub(super) fn dept(&self, i: u16) -> Option<&Dept> {
        self.depts.get(i as usize)
    }

    pub(super) fn region(&self, i: u16) -> Option<&Region> {
        self.regions.get(i as usize)
    }

    /// The place of a commune (of its city for an arrondissement), with `pc` as its postcode
    /// when it is one of the commune's, else its only postcode if it has one.
    pub(super) fn place_of_commune(&self, i: u32, pc: Option<u32>) -> Option<Place> {
        let c = self.commune(i)?;
        let city = self.commune(c.parent).map_or(c.name, |p| p.name);
        let given = pc.map(|p| format!("{p:05}"));
        let postcode = match given {
            Some(p) if c.postcodes.split(',').any(|x| x == p) => Some(p),
            _ => {
                let mut it = c.postcodes.split(',').filter(|x| !x.is_empty());
                match (it.next(), it.next()) {
                    (Some(only), None) => Some(only.to_string()),
                    _ => None,
                }
            }
        };
        let mut place = self.place_of_dept(c.dept);
        place.commune = Some(city.to_string());
        place.insee = Some(c.insee.to_string());
        place.postcode = postcode;
        if let Some(r) = self.region(c.region) {
            place.region = Some(r.code.to_string());
            place.region_name = Some(r.name.to_string());
        }
        Some(place)
    }

    /// The place of a department: its code and name, its region's code and name.
    pub(super) fn place_of_dept(&self, d: u16) -> Place {
        let mut place = Place::default();
        if let Some(dept) = self.dept(d) {
            place.department = Some(dept.code.to_string());
            place.department_name = Some(dept.name.to_string());
            if let Some(r) = self.region(dept.region) {
                place.region = Some(r.code.to_string());
                place.region_name = Some(r.name.to_string());
            }
        }
        place
    }
}
