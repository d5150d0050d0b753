//! The published job of a cluster: the richest posting, each field it lacks from the next
//! posting that has it, the longest description.

use crate::model::Offer;

/// How much an offer says: the richest posting of a cluster gives the merged item its fields.
pub fn richness(o: &Offer) -> usize {
    let known = [
        o.employer.is_some(),
        o.contract.is_some(),
        o.location.place.commune.is_some(),
        o.location.place.department.is_some(),
        o.salary_raw.is_some(),
        o.working_time.is_some(),
        o.valid_through.is_some(),
        o.start_date.is_some(),
        o.apply_url.is_some(),
        o.sector.is_some(),
        o.url.is_some(),
        o.published.is_some(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    known * 100 + o.description_text.chars().count().min(5000) / 10
}

/// The merged item of a cluster: the richest posting (by [`richness`]) gives the fields, and
/// each field it leaves empty is taken from the next richest posting that has it, so that
/// nothing one partner stated is lost (an employer given by one board only, a salary figure
/// given by another). Paired fields move together: a figure with the text it was read from
/// (contract, working time, salary), and the whole place when the richest has no commune.
/// The description is the longest one. None for no posting.
pub fn merged(mut postings: Vec<Offer>) -> Option<Offer> {
    // Stable: among equally rich postings the first one (the oldest) stays the base.
    postings.sort_by_key(|o| std::cmp::Reverse(richness(o)));
    // The description is the longest one: the others are most often excerpts of it (RSS
    // summaries, boards that cut at a few hundred characters).
    let longest = postings
        .iter()
        .enumerate()
        .max_by_key(|(i, o)| (o.description_text.chars().count(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)?;
    let description = (longest != 0).then(|| {
        let o = &postings[longest];
        (o.description_text.clone(), o.description_html.clone())
    });
    let mut rest = postings.into_iter();
    let mut base = rest.next()?;
    for other in rest {
        fill_gaps(&mut base, other);
    }
    if let Some((text, html)) = description {
        base.description_text = text;
        base.description_html = html;
    }
    Some(base)
}

fn fill_gaps(base: &mut Offer, other: Offer) {
    fn take<T>(mine: &mut Option<T>, theirs: Option<T>) {
        if mine.is_none() {
            *mine = theirs;
        }
    }
    take(&mut base.url, other.url);
    take(&mut base.apply_url, other.apply_url);
    take(&mut base.employer, other.employer);
    take(&mut base.employer_family, other.employer_family);
    take(&mut base.sector, other.sector);
    take(&mut base.published, other.published);
    take(&mut base.updated, other.updated);
    take(&mut base.valid_through, other.valid_through);
    take(&mut base.start_date, other.start_date);
    take(&mut base.contract_duration, other.contract_duration);
    if base.contract.is_none() && other.contract.is_some() {
        base.contract = other.contract;
        base.contract_raw = other.contract_raw;
    } else {
        take(&mut base.contract_raw, other.contract_raw);
    }
    if base.working_time.is_none() && other.working_time.is_some() {
        base.working_time = other.working_time;
        base.working_time_raw = other.working_time_raw;
    } else {
        take(&mut base.working_time_raw, other.working_time_raw);
    }
    if base.salary.is_none() && other.salary.is_some() {
        base.salary = other.salary;
        base.salary_raw = other.salary_raw;
    } else {
        take(&mut base.salary_raw, other.salary_raw);
    }
    if base.employment_types.is_empty() {
        base.employment_types = other.employment_types;
    }
    if base.categories.is_empty() {
        base.categories = other.categories;
    }
    let remote = base.location.remote.or(other.location.remote);
    if base.location.place.commune.is_none() && other.location.place.commune.is_some() {
        base.location = other.location;
    } else if base.location.place == Default::default() {
        take(&mut base.location.raw, other.location.raw);
    }
    base.location.remote = remote;
}
