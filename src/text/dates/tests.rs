//! Tests of [`parse_date`](super::parse_date) and [`states_no_date`](super::states_no_date).

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn words_that_say_there_is_no_date() {
    for raw in [
        "candidatures étudiées au fil de l'eau",
        "Dès que possible",
        "ASAP",
        "Poste à pourvoir immédiatement",
        "Non précisée",
        "sans date limite",
        "Aucune",
    ] {
        assert!(states_no_date(raw), "{raw}");
        assert_eq!(parse_date(raw, reference()), None, "{raw}");
    }
    for raw in [
        "32/13/2026",
        "bientôt",
        "au plus tard fin de semaine",
        "précisée plus tard",
    ] {
        assert!(!states_no_date(raw), "{raw}");
    }
}

fn reference() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap())
}

fn check(cases: &[(&str, Option<DateTime<Utc>>)]) {
    for (raw, want) in cases {
        assert_eq!(parse_date(raw, reference()), *want, "{raw:?}");
    }
}

#[test]
fn rfc2822_and_breakages() {
    check(&[
        ("Tue, 03 Nov 2026 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        ("Mon, 3 Nov 2026 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)), // wrong weekday
        ("3 Nov 2026 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 GMT", utc(2026, 11, 3, 10, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 UT", utc(2026, 11, 3, 10, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 UTC", utc(2026, 11, 3, 10, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 Z", utc(2026, 11, 3, 10, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 CET", utc(2026, 11, 3, 9, 0, 0)),
        ("Fri, 3 Jul 2026 10:00:00 CEST", utc(2026, 7, 3, 8, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 EST", utc(2026, 11, 3, 15, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 -0500", utc(2026, 11, 3, 15, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 -0000", utc(2026, 11, 3, 10, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00 GMT+1", utc(2026, 11, 3, 9, 0, 0)),
        ("Tue, 3 Nov 2026 10:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        ("Tue, 3 Nov 26 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        ("Wed, 3 Nov 99 10:00:00 +0000", utc(1999, 11, 3, 10, 0, 0)),
        (
            "Tue, 3 Nov 2026 10:00:00 +0100 (CET)",
            utc(2026, 11, 3, 9, 0, 0),
        ),
        ("Tue, 3 Nov 2026 10:00:00 (CET)", utc(2026, 11, 3, 9, 0, 0)),
        ("Tue, 3 Nov 2026 10:00:00", utc(2026, 11, 3, 9, 0, 0)),
        ("Tue,3 Nov 2026 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        ("tue, 03 nov 2026 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        ("TUE, 03 NOV 2026 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        (
            "Tue, 3 November 2026 10:00:00 +0100",
            utc(2026, 11, 3, 9, 0, 0),
        ),
        ("Tue, 03 Nov 2026 9:05:07 +0100", utc(2026, 11, 3, 8, 5, 7)),
        (
            "Tue, 03 Nov 2026 23:59:60 +0000",
            utc(2026, 11, 3, 23, 59, 59),
        ),
        (
            "lun., 3 nov. 2026 10:00:00 +0100",
            utc(2026, 11, 3, 9, 0, 0),
        ),
        (
            "mar., 3 nov. 2026 10:00:00 +0100",
            utc(2026, 11, 3, 9, 0, 0),
        ),
        (
            "mardi 3 novembre 2026 10:00:00 +0100",
            utc(2026, 11, 3, 9, 0, 0),
        ),
        ("Nov 3, 2026 10:00", utc(2026, 11, 3, 9, 0, 0)),
        ("03-Nov-2026 10:00:00 GMT", utc(2026, 11, 3, 10, 0, 0)),
        (
            "Tuesday, 03-Nov-26 10:00:00 GMT",
            utc(2026, 11, 3, 10, 0, 0),
        ),
        ("November 3 2026", utc(2026, 11, 2, 23, 0, 0)),
        ("Tue, 31 Feb 2026 10:00:00 +0100", None),
        (
            "Tue, 03 Nov 2026 25:00:00 +0100",
            utc(2026, 11, 2, 23, 0, 0),
        ),
    ]);
}

#[test]
fn iso_and_breakages() {
    check(&[
        ("2026-11-03T10:00:00Z", utc(2026, 11, 3, 10, 0, 0)),
        ("2026-11-03T10:00:00z", utc(2026, 11, 3, 10, 0, 0)),
        ("2026-11-03t10:00:00Z", utc(2026, 11, 3, 10, 0, 0)),
        ("2026-11-03T10:00:00+01:00", utc(2026, 11, 3, 9, 0, 0)),
        ("2026-11-03T10:00:00+0100", utc(2026, 11, 3, 9, 0, 0)),
        ("2026-11-03T10:00:00+01", utc(2026, 11, 3, 9, 0, 0)),
        ("2026-11-03T10:00:00-05:00", utc(2026, 11, 3, 15, 0, 0)),
        ("2026-11-03T10:00:00+05:30", utc(2026, 11, 3, 4, 30, 0)),
        ("2026-11-03 10:00:00+01:00", utc(2026, 11, 3, 9, 0, 0)),
        ("2026-11-03 10:00:00 +0100", utc(2026, 11, 3, 9, 0, 0)),
        (
            "2026-11-03T10:00:00.123Z",
            Some(
                Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap() + TimeDelta::milliseconds(123),
            ),
        ),
        (
            "2026-11-03T10:00:00.123456789123Z",
            Some(
                Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap()
                    + TimeDelta::nanoseconds(123_456_789),
            ),
        ),
        ("2026-11-03T10:00Z", utc(2026, 11, 3, 10, 0, 0)),
        ("2026-11-03T10:00", utc(2026, 11, 3, 9, 0, 0)),
        ("2026-11-03T10:00:00", utc(2026, 11, 3, 9, 0, 0)),
        ("2026-07-03T10:00:00", utc(2026, 7, 3, 8, 0, 0)),
        ("2026-11-03", utc(2026, 11, 2, 23, 0, 0)),
        ("2026-07-03", utc(2026, 7, 2, 22, 0, 0)),
        ("2026/11/03", utc(2026, 11, 2, 23, 0, 0)),
        ("20261103", utc(2026, 11, 2, 23, 0, 0)),
        (
            "2026-11-03T10:00:00+01:00[Europe/Paris]",
            utc(2026, 11, 3, 9, 0, 0),
        ),
        ("  2026-11-03T10:00:00Z  ", utc(2026, 11, 3, 10, 0, 0)),
        ("2026-02-29", None),
        ("2028-02-29", utc(2028, 2, 28, 23, 0, 0)),
        ("2026-13-01", None),
        ("2026-11-31", None),
        ("2026-00-10", None),
    ]);
}

#[test]
fn dst_transitions_in_paris() {
    check(&[
        // Spring forward: 29 March 2026, 02:00 -> 03:00. 02:30 does not exist: shifted forward.
        ("2026-03-29T01:30:00", utc(2026, 3, 29, 0, 30, 0)),
        ("2026-03-29T02:30:00", utc(2026, 3, 29, 1, 30, 0)),
        ("2026-03-29T03:30:00", utc(2026, 3, 29, 1, 30, 0)),
        ("29/03/2026 02:00", utc(2026, 3, 29, 1, 0, 0)),
        // Fall back: 25 October 2026, 03:00 -> 02:00. 02:30 happens twice: the earliest.
        ("2026-10-25T02:30:00", utc(2026, 10, 25, 0, 30, 0)),
        ("25/10/2026 à 02h30", utc(2026, 10, 25, 0, 30, 0)),
        ("2026-10-25T03:30:00", utc(2026, 10, 25, 2, 30, 0)),
        ("2026-10-25T01:30:00", utc(2026, 10, 24, 23, 30, 0)),
        // An explicit offset is used as is.
        ("2026-10-25T02:30:00+01:00", utc(2026, 10, 25, 1, 30, 0)),
    ]);
}

#[test]
fn french_numeric_dates() {
    check(&[
        ("03/11/2026", utc(2026, 11, 2, 23, 0, 0)),
        ("3/11/2026", utc(2026, 11, 2, 23, 0, 0)),
        ("03/11/26", utc(2026, 11, 2, 23, 0, 0)),
        ("03.11.2026", utc(2026, 11, 2, 23, 0, 0)),
        ("03-11-2026", utc(2026, 11, 2, 23, 0, 0)),
        ("11/03/2026", utc(2026, 3, 10, 23, 0, 0)),
        ("03/11/2026 14:30", utc(2026, 11, 3, 13, 30, 0)),
        ("03/11/2026 14:30:15", utc(2026, 11, 3, 13, 30, 15)),
        ("03/11/2026 à 14h30", utc(2026, 11, 3, 13, 30, 0)),
        ("03/11/2026 a 14h30", utc(2026, 11, 3, 13, 30, 0)),
        ("03/11/2026 14h", utc(2026, 11, 3, 13, 0, 0)),
        ("03/11/2026 - 14h30", utc(2026, 11, 3, 13, 30, 0)),
        ("15/07/2026", utc(2026, 7, 14, 22, 0, 0)),
        ("Date limite : 15/12/2026", utc(2026, 12, 14, 23, 0, 0)),
        ("le 15/12/2026", utc(2026, 12, 14, 23, 0, 0)),
        ("32/13/2026", None),
        ("31/02/2026", None),
        ("29/02/2026", None),
        ("29/02/2028", utc(2028, 2, 28, 23, 0, 0)),
        ("00/01/2026", None),
        ("11/30/2026", None),
        ("03 / 11 / 2026", None),
        ("03/11", None),
        ("03/11/202", None),
        ("1/2/3", None),
    ]);
}

#[test]
fn french_written_dates() {
    check(&[
        ("12 novembre 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("1er décembre 2026", utc(2026, 11, 30, 23, 0, 0)),
        ("1er decembre 2026", utc(2026, 11, 30, 23, 0, 0)),
        ("lundi 12 novembre 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("Lundi 12 Novembre 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("LUNDI 12 NOVEMBRE 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("12 nov. 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("12 nov 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("3 février 2026", utc(2026, 2, 2, 23, 0, 0)),
        ("3 fevrier 2026", utc(2026, 2, 2, 23, 0, 0)),
        ("3 févr. 2026", utc(2026, 2, 2, 23, 0, 0)),
        ("15 août 2026", utc(2026, 8, 14, 22, 0, 0)),
        ("15 aout 2026", utc(2026, 8, 14, 22, 0, 0)),
        ("15 AOÛT 2026", utc(2026, 8, 14, 22, 0, 0)),
        ("15 aou\u{302}t 2026", utc(2026, 8, 14, 22, 0, 0)),
        // Combining marks beyond U+0300–U+036F are dropped too, as every fold does.
        ("3 fe\u{1dc4}vrier 2026", utc(2026, 2, 2, 23, 0, 0)),
        ("25 decembre 2026", utc(2026, 12, 24, 23, 0, 0)),
        ("12 novembre 2026 à 14h30", utc(2026, 11, 12, 13, 30, 0)),
        ("Publié le 12 novembre 2026", utc(2026, 11, 11, 23, 0, 0)),
        ("12 mai 2026", utc(2026, 5, 11, 22, 0, 0)),
        ("1 juillet 2026", utc(2026, 6, 30, 22, 0, 0)),
        ("12 sept. 2026", utc(2026, 9, 11, 22, 0, 0)),
        ("31 novembre 2026", None),
        ("30 février 2026", None),
    ]);
}

#[test]
fn dates_without_year_pick_the_nearest() {
    // reference: 2026-06-15
    check(&[
        ("12 Novembre", utc(2026, 11, 11, 23, 0, 0)),
        ("3 mars", utc(2026, 3, 2, 23, 0, 0)),
        ("20 décembre", utc(2025, 12, 19, 23, 0, 0)), // 177 days back beats 188 ahead
        ("10 décembre", utc(2026, 12, 9, 23, 0, 0)),
        ("1er juin", utc(2026, 5, 31, 22, 0, 0)),
        ("12 novembre à 10h", utc(2026, 11, 12, 9, 0, 0)),
        ("29 février", utc(2028, 2, 28, 23, 0, 0)),
    ]);
    let january = Utc.with_ymd_and_hms(2027, 1, 10, 0, 0, 0).unwrap();
    assert_eq!(
        parse_date("20 décembre", january),
        utc(2026, 12, 19, 23, 0, 0)
    );
    assert_eq!(parse_date("3 février", january), utc(2027, 2, 2, 23, 0, 0));
    let december = Utc.with_ymd_and_hms(2026, 12, 20, 0, 0, 0).unwrap();
    assert_eq!(parse_date("5 janvier", december), utc(2027, 1, 4, 23, 0, 0));
}

#[test]
fn timestamps() {
    check(&[
        ("1793696400", utc(2026, 11, 3, 9, 0, 0)),
        ("1793696400000", utc(2026, 11, 3, 9, 0, 0)),
        (
            "1793696400123",
            Some(
                Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap() + TimeDelta::milliseconds(123),
            ),
        ),
        (" 1793696400 ", utc(2026, 11, 3, 9, 0, 0)),
        ("0000000000", utc(1970, 1, 1, 0, 0, 0)),
        ("179369640", None),
        ("17936964000", None),
        ("99999999999999999999999", None),
    ]);
}

#[test]
fn garbage_is_none() {
    check(&[
        ("", None),
        ("   ", None),
        ("demain", None),
        ("dès que possible", None),
        ("ASAP", None),
        ("CDD 6 mois", None),
        ("Novembre 2026", None),
        ("mars", None),
        ("Lyon (69)", None),
        ("🙂", None),
        ("🙂 12 🙂", None),
        ("12", None),
        ("2026", None),
        ("::::", None),
        ("(((", None),
        ("-0500", None),
    ]);
    let long = "1".repeat(10_000);
    assert_eq!(parse_date(&long, reference()), None);
    let long = format!("12 novembre 2026 {}", "x".repeat(300));
    assert_eq!(parse_date(&long, reference()), None);
}

#[test]
fn never_panics_on_hostile_inputs() {
    let r = reference();
    let extremes = [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, r];
    let inputs = [
        "9999-12-31T23:59:59+14:00",
        "0000-01-01",
        "-2026-01-01",
        "2026-11-03T10:00:00+99:99",
        "2026-11-03T10:00:00+1",
        "2026-11-03T99:99:99",
        "2026-11-03T10:00:00.",
        "2026-11-03T",
        "99/99/99",
        "31 decembre 9999 23:59 -1200",
        "1 janvier 0000",
        "12 novembre 18446744073709551616",
        "18446744073709551616 novembre",
        "3 nov. 2026 10:",
        "3 nov. 2026 10:00:",
        "3 nov 2026 10:00:00.",
        "3 nov 2026 +",
        "é\u{301}",
        "(",
        "[",
        ")",
        "1er",
        "er novembre",
        "99999999",
        "00000000",
        "29 février",
        "12 Novembre",
    ];
    for raw in inputs {
        for reference in extremes {
            let _ = parse_date(raw, reference);
        }
    }
}
