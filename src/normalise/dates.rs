//! The offer's dates: publication, update, deadline and start, read from the item's fields
//! (RFC 3339 first, then every way partners write dates, [`crate::text::dates`]), else from
//! the description's labelled lines and, for the start, its sentences. A field that says in
//! words that there is no date is no warning; a deadline given as a day lasts until its end;
//! a publication or update in the future is not believed.

use chrono::{DateTime, TimeDelta, Utc};

use super::labels::Label;
use super::{field, sentences, Texts};
use crate::parse::RawItem;

use crate::text::dates::{parse_date, states_no_date};

/// The dates of an offer.
pub(super) struct Dates {
    pub(super) published: Option<DateTime<Utc>>,
    pub(super) updated: Option<DateTime<Utc>>,
    pub(super) valid_through: Option<DateTime<Utc>>,
    pub(super) start_date: Option<DateTime<Utc>>,
}

/// Reads the item's dates; each one written but unreadable is a warning, and so is a
/// publication or update beyond the fetch.
pub(super) fn read(
    item: &RawItem,
    texts: &Texts,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Dates {
    let mut date = |raw: Option<String>, what: &str| -> Option<DateTime<Utc>> {
        let raw = raw?;
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let parsed = DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| parse_date(raw, now));
        if parsed.is_none() && !states_no_date(raw) {
            warnings.push(format!("unparseable {what} date {raw:?}"));
        }
        parsed
    };
    let published = date(item.published.clone(), "published");
    let updated = date(item.updated.clone(), "updated");
    let valid_through = date(
        field(&item.valid_through).or_else(|| texts.label(Label::Deadline)),
        "expiry",
    )
    .map(end_of_day_if_midnight);
    let start_date = date(
        field(&item.start_date).or_else(|| texts.label(Label::StartDate)),
        "start",
    )
    .or_else(|| sentences::start_in_text(&texts.description_text, now));
    // A publication in the future is a partner's mistake (a start date, a wrong year).
    let published = not_in_future(published, now, "published", warnings);
    let updated = not_in_future(updated, now, "updated", warnings);
    Dates {
        published,
        updated,
        valid_through,
        start_date,
    }
}

/// A deadline given as a day ("Date limite : 15/12/2026") lasts until the end of that day in
/// Paris, not its first second.
fn end_of_day_if_midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    let local = t.with_timezone(&chrono_tz::Europe::Paris);
    if local.hour() == 0 && local.minute() == 0 && local.second() == 0 {
        t + chrono::Duration::days(1) - chrono::Duration::seconds(1)
    } else {
        t
    }
}

/// How far past the fetch a publication date may be (partners' clocks and zones) before it
/// is not believed.
pub const FUTURE_TOLERANCE: TimeDelta = TimeDelta::days(1);

/// `date`, unless it is later than `now` plus [`FUTURE_TOLERANCE`]: such a date is a warning
/// (naming `what` and the date) and is dropped, so that the offer is dated when essaim first
/// saw it.
pub fn not_in_future(
    date: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    what: &str,
    warnings: &mut Vec<String>,
) -> Option<DateTime<Utc>> {
    let date = date?;
    if now
        .checked_add_signed(FUTURE_TOLERANCE)
        .is_some_and(|limit| date > limit)
    {
        warnings.push(format!(
            "{what} date {} is in the future (more than a day after the fetch at {}): \
             ignored, the offer is dated when first seen",
            crate::model::rfc3339(date),
            crate::model::rfc3339(now)
        ));
        return None;
    }
    Some(date)
}
