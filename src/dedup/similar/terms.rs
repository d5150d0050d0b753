//! The terms an offer states (weekly hours, full or part time, contract duration, salary,
//! start date) in comparable units, and when two postings state different ones.

use super::rules::Refusal;
use crate::model::Offer;

/// What an offer states about the job's terms, in comparable units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terms {
    /// Weekly hours, in tenths.
    pub hours: Option<u16>,
    /// 1 full time, 2 part time.
    pub time_kind: Option<u8>,
    /// Contract duration in days (a month is 30, a year 365).
    pub duration_days: Option<u16>,
    /// Salary bounds in whole currency units and the period (1 hour, 2 day, 3 month, 4 year).
    pub salary: Option<(u32, u32, u8)>,
    /// Start date, days since 1970-01-01 in Paris.
    pub start_day: Option<i32>,
}

/// The terms an offer states.
pub fn terms(offer: &Offer) -> Terms {
    use crate::model::{DurationUnit, SalaryPeriod, WorkingTimeKind};
    let wt = offer.working_time.as_ref();
    let hours = wt
        .and_then(|w| w.hours_per_week)
        .filter(|h| h.is_finite() && *h > 0.0 && *h < 100.0)
        .map(|h| (h * 10.0).round() as u16);
    let time_kind = wt.and_then(|w| w.kind).map(|k| match k {
        WorkingTimeKind::FullTime => 1,
        WorkingTimeKind::PartTime => 2,
    });
    let duration_days = offer.contract_duration.and_then(|d| {
        let per = match d.unit {
            DurationUnit::Day => 1.0,
            DurationUnit::Week => 7.0,
            DurationUnit::Month => 30.0,
            DurationUnit::Year => 365.0,
        };
        let days = f64::from(d.amount) * per;
        (days.is_finite() && days > 0.0 && days < 20_000.0).then(|| days.round() as u16)
    });
    let salary = offer.salary.as_ref().and_then(|s| {
        let period = match s.period? {
            SalaryPeriod::Hour => 1,
            SalaryPeriod::Day => 2,
            SalaryPeriod::Month => 3,
            SalaryPeriod::Year => 4,
        };
        let ok = |v: f64| (v.is_finite() && v > 0.0 && v < 1e7).then(|| v.round() as u32);
        let min = s.min.and_then(ok);
        let max = s.max.and_then(ok);
        match (min, max) {
            (None, None) => None,
            (a, b) => Some((a.or(b)?, b.or(a)?, period)),
        }
    });
    let start_day = offer.start_date.map(|t| {
        let day = t
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive()
            .signed_duration_since(chrono::NaiveDate::default());
        day.num_days() as i32
    });
    Terms {
        hours,
        time_kind,
        duration_days,
        salary,
        start_day,
    }
}

/// The two postings state different terms: weekly hours, full or part time, contract
/// duration, salary figures (of the same period) or start date, each when both state it.
pub(super) fn terms_differ(a: &Terms, b: &Terms) -> Option<Refusal> {
    fn differ<T: PartialEq>(x: Option<T>, y: Option<T>) -> bool {
        matches!((x, y), (Some(x), Some(y)) if x != y)
    }
    let salary = match (a.salary, b.salary) {
        (Some((amin, amax, ap)), Some((bmin, bmax, bp))) if ap == bp => {
            let far = |x: u32, y: u32| x.abs_diff(y) * 50 > x.max(y);
            far(amin, bmin) || far(amax, bmax)
        }
        _ => false,
    };
    let start = matches!((a.start_day, b.start_day), (Some(x), Some(y)) if x.abs_diff(y) > 1);
    if differ(a.hours, b.hours) {
        Some(Refusal::Hours)
    } else if differ(a.time_kind, b.time_kind) {
        Some(Refusal::TimeKind)
    } else if differ(a.duration_days, b.duration_days) {
        Some(Refusal::Duration)
    } else if salary {
        Some(Refusal::Salary)
    } else if start {
        Some(Refusal::Start)
    } else {
        None
    }
}
