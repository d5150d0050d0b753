//! Unit tests of the blocking keys held in memory and their lookups.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::Store;

fn newest(recent: &mut RecentKeys, conn: &Connection, key: i64) -> Vec<i64> {
    let mut out = Vec::new();
    recent.newest(conn, key, &mut out).unwrap();
    out
}

/// Lookups of a crowded key are remembered; a posting deleted from the table, a rollback
/// and a flush are all seen by the next lookup.
#[test]
fn remembered_lookups_follow_the_table() {
    let store = Store::open_in_memory().unwrap();
    let mut conn = store.conn();
    let mut recent = store.recent();
    let limit = similar::CANDIDATES_PER_KEY as i64;
    // Key 7 is crowded: 30 postings in the table.
    for id in 1..=30 {
        conn.execute(
            "INSERT INTO dedup_keys (key, offer_id) VALUES (7, ?1)",
            [id],
        )
        .unwrap();
    }
    let top = |from: i64| (from - limit + 1..=from).rev().collect::<Vec<i64>>();

    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), top(30));
    assert_eq!(newest(&mut recent, &tx, 7), top(30), "remembered");
    // Posting 30's keys change: the next lookup does without it.
    recent.remove(&tx, 30, &[7]).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), top(29));
    drop(tx); // rolled back: posting 30 is filed under key 7 again

    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), top(30));
    recent.add(&tx, 31, &[7]).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), top(31));
    tx.commit().unwrap();
    recent.committed();

    // After the flush, posting 31 is found in the table.
    assert_eq!(recent.flush(&mut conn).unwrap(), 1);
    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), top(31));
}

/// A flush brings the remembered answers up to date with the postings it wrote into the
/// table, rather than forgetting them: the next lookups need not read the table again.
#[test]
fn a_flush_updates_the_remembered_answers() {
    let store = Store::open_in_memory().unwrap();
    let mut conn = store.conn();
    let mut recent = store.recent();
    for id in 1..=3 {
        conn.execute(
            "INSERT INTO dedup_keys (key, offer_id) VALUES (7, ?1)",
            [id],
        )
        .unwrap();
    }
    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), [3, 2, 1]);
    recent.add(&tx, 40, &[7, 8]).unwrap();
    tx.commit().unwrap();
    recent.committed();
    assert_eq!(recent.flush(&mut conn).unwrap(), 1);
    // The table is emptied behind the store's back: what it answers now comes from the
    // remembered answers, brought up to date by the flush.
    conn.execute("DELETE FROM dedup_keys", []).unwrap();
    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(newest(&mut recent, &tx, 7), [40, 3, 2, 1]);
    // Key 8 was never looked up: it is read from the table.
    assert!(newest(&mut recent, &tx, 8).is_empty());
}

/// The table is skipped only when the postings in memory outrank all it holds: a key
/// whose postings in memory include an older one (filed again) is still looked up.
#[test]
fn the_table_is_skipped_only_when_outranked() {
    let store = Store::open_in_memory().unwrap();
    let mut conn = store.conn();
    let mut recent = store.recent();
    for id in 1..=30 {
        for key in [8, 9] {
            conn.execute(
                "INSERT INTO dedup_keys (key, offer_id) VALUES (?1, ?2)",
                [key, id],
            )
            .unwrap();
        }
    }
    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    // As if the table's postings were offers 1 to 30 (this test stores no offer).
    recent.stored_below = 30;
    // Key 8: 24 new postings in memory, all newer than the table's.
    for id in 31..=54 {
        recent.add(&tx, id, &[8]).unwrap();
    }
    assert_eq!(
        newest(&mut recent, &tx, 8),
        (31..=54).rev().collect::<Vec<i64>>()
    );
    // Key 9: posting 10, filed again, and 23 new ones: the table's 30 is among the newest.
    for id in [10].into_iter().chain(31..=53) {
        recent.add(&tx, id, &[9]).unwrap();
    }
    let mut expected: Vec<i64> = (31..=53).rev().collect();
    expected.push(30);
    assert_eq!(newest(&mut recent, &tx, 9), expected);
}

/// The keys in memory answer as a table in (key, id) order would: the newest ids first,
/// each pair once, and all pairs in order for the flush.
#[test]
fn held_keys_answer_in_order() {
    let mut held = Held::default();
    for (k, id) in [(5, 12), (5, 3), (5, 40), (5, 12), (-9, 7), (5, 25)] {
        held.insert(k, id);
    }
    assert_eq!(held.len(), 5, "(5, 12) is held once");
    let newest = |held: &Held, k: i64, limit: usize| {
        let mut out = Vec::new();
        held.newest(k, limit, &mut out);
        out
    };
    assert_eq!(newest(&held, 5, 24), [40, 25, 12, 3]);
    assert_eq!(newest(&held, 5, 2), [40, 25]);
    assert_eq!(newest(&held, -9, 24), [7]);
    assert!(newest(&held, 6, 24).is_empty());
    held.settle();
    assert!(held
        .sorted()
        .eq([(-9, 7), (5, 3), (5, 12), (5, 25), (5, 40)]));
    held.remove(5, 25);
    held.remove(5, 99);
    held.remove(-9, 7);
    held.remove(-9, 7);
    assert_eq!(held.len(), 3);
    held.settle();
    assert!(held.sorted().eq([(5, 3), (5, 12), (5, 40)]));
    held.remove(5, 3);
    held.remove(5, 40);
    assert_eq!(newest(&held, 5, 24), [12]);
    held.insert(5, 1);
    assert_eq!(newest(&held, 5, 24), [12, 1]);
}

/// The compact table answers as a map of keys to sets of ids would, through inserts, removes
/// (of pairs merged into its array and of fresh ones), merges and clears.
#[test]
fn the_compact_table_answers_as_a_map_of_sets() {
    use std::collections::{BTreeMap, BTreeSet};
    let mut held = Held::default();
    held.merge_at(64);
    let mut model: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Few keys (some crowded), spread over the whole range of i64 as the hashes are.
    let keys: Vec<i64> = (0..200)
        .map(|i: u64| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555) as i64)
        .collect();
    let check = |held: &Held, model: &BTreeMap<i64, BTreeSet<i64>>, key: i64| {
        for limit in [1, 3, 24] {
            let mut out = vec![-1];
            held.newest(key, limit, &mut out);
            let want: Vec<i64> = std::iter::once(-1)
                .chain(
                    model
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .rev()
                        .take(limit)
                        .copied(),
                )
                .collect();
            assert_eq!(out, want, "key {key}, limit {limit}");
        }
    };
    for round in 0..4 {
        for step in 0..5_000 {
            let r = next();
            let key = keys[(r % 200) as usize % (20 + 60 * round)];
            // One id in eleven beyond 32 bits, held apart from the array.
            let id = ((r >> 32) % 400) as i64 + if (r >> 20) % 11 == 0 { 1 << 32 } else { 0 };
            if r % 5 < 3 {
                held.insert(key, id);
                model.entry(key).or_default().insert(id);
            } else {
                held.remove(key, id);
                if let Some(ids) = model.get_mut(&key) {
                    ids.remove(&id);
                }
            }
            if step % 97 == 0 {
                check(&held, &model, key);
                check(&held, &model, key.wrapping_add(1));
            }
        }
        let len: usize = model.values().map(BTreeSet::len).sum();
        assert_eq!(held.len(), len);
        for &k in &keys {
            check(&held, &model, k);
        }
        let pairs: Vec<(i64, i64)> = model
            .iter()
            .flat_map(|(&k, ids)| ids.iter().map(move |&id| (k, id)))
            .collect();
        held.settle();
        assert_eq!(held.sorted().collect::<Vec<_>>(), pairs, "round {round}");
        // Answers are the same after the merge the flush makes.
        for &k in &keys {
            check(&held, &model, k);
        }
        if round == 1 {
            // Loaded at once (in another order, some pairs twice), the table answers the same,
            // and goes on as before.
            let mut given = pairs.clone();
            given.extend(pairs.iter().step_by(7).copied());
            given.reverse();
            held.load(|push| {
                given.iter().for_each(|&(k, id)| push(k, id));
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(held.len(), len);
            held.settle();
            assert_eq!(held.sorted().collect::<Vec<_>>(), pairs, "loaded");
            for &k in &keys {
                check(&held, &model, k);
            }
        }
        if round == 2 {
            held.clear();
            model.clear();
            assert_eq!(held.len(), 0);
            held.settle();
            assert_eq!(held.sorted().count(), 0);
            for &k in &keys {
                check(&held, &model, k);
            }
        }
    }
}

/// A load that fails half-way leaves the table empty, not half-filled.
#[test]
fn a_failed_load_leaves_nothing_held() {
    let mut held = Held::default();
    held.insert(5, 1);
    let failed = held.load(|push| {
        push(7, 2);
        push(7, 1 << 40);
        Err("the row could not be read")
    });
    assert_eq!(failed, Err("the row could not be read"));
    assert_eq!(held.len(), 0);
    held.settle();
    assert_eq!(held.sorted().count(), 0);
    for key in [5, 7] {
        let mut out = Vec::new();
        held.newest(key, 24, &mut out);
        assert!(out.is_empty(), "key {key}: {out:?}");
    }
}

/// A posting just filed is answered as a candidate from memory, as it would be read back
/// (without its feed slot); its keys removed or its transaction rolled back, it is read from
/// the table again (where nothing was written here).
#[test]
fn a_posting_filed_is_a_candidate_from_memory_until_removed_or_rolled_back() {
    let store = Store::open_in_memory().unwrap();
    let mut conn = store.conn();
    let mut recent = store.recent();
    let filed = Features {
        title: vec!["animat".into(), "periscolair".into()],
        commune: Some("villeurbanne".into()),
        slot: Some(similar::slot("p00001")),
        ..Features::default()
    };
    let as_read = Features {
        slot: None,
        ..filed.clone()
    };

    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(recent.candidate(&tx, 1).unwrap(), None, "nothing stored");
    recent.remember(1, &filed, &similar::encode(&filed));
    assert_eq!(recent.candidate(&tx, 1).unwrap(), Some(&as_read));
    recent.remove(&tx, 1, &[]).unwrap();
    assert_eq!(
        recent.candidate(&tx, 1).unwrap(),
        None,
        "forgotten with its keys"
    );
    recent.remember(2, &filed, &similar::encode(&filed));
    assert_eq!(recent.candidate(&tx, 2).unwrap(), Some(&as_read));
    // An employer word longer than storage keeps is remembered as stored: cut.
    let long = Features {
        employer: vec!["x".repeat(300)],
        ..filed.clone()
    };
    assert!(!similar::round_trips(&long) && similar::round_trips(&filed));
    let encoded = similar::encode(&long);
    recent.remember(3, &long, &encoded);
    let remembered = recent.candidate(&tx, 3).unwrap().unwrap();
    assert_eq!(remembered.employer, vec!["x".repeat(255)]);
    assert_eq!(Some(remembered), similar::decode(&encoded).as_ref());
    drop(tx); // rolled back

    let tx = conn.transaction().unwrap();
    recent.ready(&tx).unwrap();
    assert_eq!(
        recent.candidate(&tx, 2).unwrap(),
        None,
        "the rollback forgot it"
    );
}

/// What is used stays remembered as new entries come; the rest goes, within the bound.
#[test]
fn the_memory_keeps_what_is_used_within_its_bound() {
    let mut memo: Memo<i64, 8> = Memo::default();
    for id in 0..4 {
        memo.insert(id, id * 10);
    }
    // The young generation is full: 0-3 turn old as 4 comes in.
    memo.insert(4, 40);
    assert_eq!(memo.get(1), Some(&10), "found in the old generation");
    for id in 5..7 {
        memo.insert(id, id * 10);
    }
    // 4, 1, 5 and 6 are young: 7 sends them to the old generation, and 0, 2 and 3 go.
    memo.insert(7, 70);
    assert_eq!(memo.young.len() + memo.old.len(), 5);
    assert!(memo.young.len() + memo.old.len() <= 8);
    assert_eq!(memo.get(1), Some(&10), "used, so kept");
    assert_eq!(memo.get(0), None);
    assert_eq!(memo.get(3), None);
    memo.remove(1);
    assert_eq!(memo.get(1), None);
    assert_eq!(memo.get(6), Some(&60));
}

/// No key inserted is ever denied; about 1% of the others get through at the load the
/// filter has in use (12 to 15 keys a posting where it is sized for 20), under 3% full.
#[test]
fn the_filter_never_denies_a_stored_key_and_rarely_admits_another() {
    // Keys as `similar::keys` makes them: the hash of a tag, words and a department, each
    // followed by 0x1f (the filter's blocks are chosen by the keys' high bits).
    let key = |i: u64| {
        let title = format!("t\u{1f}éducateur spécialisé {i}\u{1f}{}\u{1f}", i % 101);
        similar::fnv(title.as_bytes()) as i64
    };
    for (capacity, most) in [(100_000 * 20 / 15, 1_500), (100_000, 3_000)] {
        let mut filter = Filter::new(capacity);
        for i in 0..100_000 {
            filter.insert(key(i));
        }
        assert!((0..100_000).all(|i| filter.may_contain(key(i))));
        let admitted = (100_000..200_000)
            .filter(|&i| filter.may_contain(key(i)))
            .count();
        assert!(
            admitted < most,
            "{admitted} of 100,000 absent keys admitted (sized for {capacity})"
        );
    }
}
