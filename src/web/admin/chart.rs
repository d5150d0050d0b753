//! The status page's chart: offers added per day over the last [`DAYS`] days, as inline SVG
//! rendered here (bars, axis labels, a `<title>` and `<desc>` for screen readers, a `<title>`
//! per bar). Days are French days (Europe/Paris); the store counts offers by UTC hour, and each
//! hour falls in one day, Paris being a whole number of hours from UTC.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;

use super::html::esc;

/// Days the chart shows, today included.
pub const DAYS: u64 = 30;

/// The start of the first day shown: midnight in Paris, `DAYS - 1` days before `now`'s day.
pub fn since(now: DateTime<Utc>) -> DateTime<Utc> {
    let first = first_day(now);
    Paris
        .from_local_datetime(&first.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or(now - chrono::TimeDelta::days(DAYS as i64), |t| {
            t.with_timezone(&Utc)
        })
}

fn first_day(now: DateTime<Utc>) -> NaiveDate {
    let today = now.with_timezone(&Paris).date_naive();
    today.checked_sub_days(Days::new(DAYS - 1)).unwrap_or(today)
}

/// Each of the `DAYS` days ending with `now`'s, with the offers added that day, from counts by
/// hour (hours before the first day are left out).
pub fn per_day(now: DateTime<Utc>, by_hour: &[(DateTime<Utc>, u64)]) -> Vec<(NaiveDate, u64)> {
    let first = first_day(now);
    let mut days: Vec<(NaiveDate, u64)> = (0..DAYS)
        .filter_map(|i| first.checked_add_days(Days::new(i)))
        .map(|d| (d, 0))
        .collect();
    for (hour, n) in by_hour {
        let day = hour.with_timezone(&Paris).date_naive();
        if let Some(slot) = days.iter_mut().find(|(d, _)| *d == day) {
            slot.1 += n;
        }
    }
    days
}

/// The smallest of 1, 2, 5 × 10ⁿ at least `max` (the top of the axis).
fn axis_top(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            let top = step.saturating_mul(m);
            if top >= max || top == u64::MAX {
                return top.max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The chart of `days` (from [`per_day`]) as an `<svg>` element.
pub fn svg(days: &[(NaiveDate, u64)]) -> String {
    const WIDTH: f64 = 640.0;
    const HEIGHT: f64 = 200.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 28.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let total: u64 = days.iter().map(|(_, n)| n).sum();
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let top = axis_top(max);
    let slot = plot_w / days.len().max(1) as f64;
    let base = TOP + plot_h;
    let (first, last) = match (days.first(), days.last()) {
        (Some(f), Some(l)) => (f.0.to_string(), l.0.to_string()),
        _ => (String::new(), String::new()),
    };
    let busiest = days
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
        .map(|(d, n)| format!(" The busiest day was {d}, with {n}."))
        .unwrap_or_default();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart\" role=\"img\" \
         aria-labelledby=\"chart-title chart-desc\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\">\
         <title id=\"chart-title\">Offers added per day, last {n} days</title>\
         <desc id=\"chart-desc\">{total} offers added from {first} to {last}.{busiest}</desc>",
        n = days.len(),
        busiest = esc(&busiest),
    );
    // Axes and the vertical scale: 0, half, top.
    out.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{x2}\" y2=\"{base}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base}\"/>",
        x2 = WIDTH - RIGHT
    ));
    let half = if top % 2 == 0 { Some(top / 2) } else { None };
    for value in std::iter::once(0).chain(half).chain(std::iter::once(top)) {
        let y = base - plot_h * value as f64 / top as f64;
        out.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty:.1}\" text-anchor=\"end\">{value}</text>",
            x = LEFT - 4.0,
            ty = y + 3.5
        ));
    }
    for (i, (day, n)) in days.iter().enumerate() {
        let h = plot_h * *n as f64 / top as f64;
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let offers = if *n == 1 { "offer" } else { "offers" };
        out.push_str(&format!(
            "<rect class=\"bar\" data-day=\"{day}\" data-count=\"{n}\" x=\"{x:.1}\" \
             y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"><title>{day}: {n} {offers}</title></rect>",
            y = base - h,
            w = slot * 0.7,
        ));
        // A date under every seventh bar, counted back from today, and under today's.
        if (days.len() - 1 - i) % 7 == 0 {
            out.push_str(&format!(
                "<text x=\"{cx:.1}\" y=\"{ty}\" text-anchor=\"middle\">{label}</text>",
                cx = x + slot * 0.35,
                ty = HEIGHT - 10.0,
                label = day.format("%d/%m"),
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn hours_fall_in_paris_days() {
        let now = at("2026-11-22T12:00:00Z");
        assert_eq!(since(now), at("2026-10-23T22:00:00Z"));
        let days = per_day(
            now,
            &[
                // 23:00 UTC on the 21st is the 22nd in Paris.
                (at("2026-11-21T23:00:00Z"), 2),
                (at("2026-11-22T10:00:00Z"), 1),
                (at("2026-11-21T10:00:00Z"), 4),
                (at("2026-10-01T10:00:00Z"), 9),
            ],
        );
        assert_eq!(days.len(), 30);
        assert_eq!(days[29], ("2026-11-22".parse().unwrap(), 3));
        assert_eq!(days[28], ("2026-11-21".parse().unwrap(), 4));
        assert_eq!(days[0].0, "2026-10-24".parse::<NaiveDate>().unwrap());
        assert_eq!(days.iter().map(|(_, n)| n).sum::<u64>(), 7);
    }

    #[test]
    fn the_svg_names_each_day_and_scales_to_a_round_top() {
        assert_eq!(
            [0, 1, 3, 7, 10, 11, 180].map(axis_top),
            [1, 1, 5, 10, 10, 20, 200]
        );
        let days = per_day(
            at("2026-11-22T12:00:00Z"),
            &[(at("2026-11-22T10:00:00Z"), 3)],
        );
        let svg = svg(&days);
        assert!(svg.contains("<title>2026-11-22: 3 offers</title>"), "{svg}");
        assert!(svg.contains("<title>2026-11-21: 0 offers</title>"), "{svg}");
        assert!(svg.contains("3 offers added from 2026-10-24 to 2026-11-22."));
        assert!(svg.contains(">22/11</text>") && svg.contains(">15/11</text>"));
        assert_eq!(svg.matches("<rect").count(), 30);
        // Today's bar reaches the top of the axis (5), three fifths of the plot's height.
        assert!(svg.contains("data-day=\"2026-11-22\" data-count=\"3\""));
        assert!(svg.contains(">5</text>"));
    }
}
