//! The schema's migrations (`schema/NNNN_*.sql`), applied in order when the store opens and
//! tracked by `PRAGMA user_version`, each in its own transaction with foreign keys off while it
//! runs and checked before it commits.

use rusqlite::{Connection, OptionalExtension};

use super::StoreError;

/// The migrations, in order; the position + 1 is the schema version.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../../schema/0001_init.sql")),
    (
        "0002_fetch_state.sql",
        include_str!("../../schema/0002_fetch_state.sql"),
    ),
    (
        "0003_search.sql",
        include_str!("../../schema/0003_search.sql"),
    ),
    (
        "0004_dedup.sql",
        include_str!("../../schema/0004_dedup.sql"),
    ),
    (
        "0005_dedup_pending.sql",
        include_str!("../../schema/0005_dedup_pending.sql"),
    ),
    (
        "0006_dedup_features.sql",
        include_str!("../../schema/0006_dedup_features.sql"),
    ),
    (
        "0007_public_id_buckets.sql",
        include_str!("../../schema/0007_public_id_buckets.sql"),
    ),
    (
        "0008_held_closings.sql",
        include_str!("../../schema/0008_held_closings.sql"),
    ),
    (
        "0009_fetch_started.sql",
        include_str!("../../schema/0009_fetch_started.sql"),
    ),
    (
        "0010_partners.sql",
        include_str!("../../schema/0010_partners.sql"),
    ),
    (
        "0011_packed_offers.sql",
        include_str!("../../schema/0011_packed_offers.sql"),
    ),
    (
        "0012_ascending_order_indexes.sql",
        include_str!("../../schema/0012_ascending_order_indexes.sql"),
    ),
    (
        "0013_fts_detail_column.sql",
        include_str!("../../schema/0013_fts_detail_column.sql"),
    ),
    (
        "0014_registration_changes.sql",
        include_str!("../../schema/0014_registration_changes.sql"),
    ),
];

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    register_functions(conn)?;
    migrate_with(conn, MIGRATIONS)
}

/// The SQL functions migrations may call, on `conn`:
/// - `essaim_unpack_data(id, data)`: offer `id`'s JSON from its stored column (`offers.data`,
///   compressed since version 11, plain text before), as text; NULL, with a warning naming
///   the offer, when the column cannot be read (a damaged row), so that one such row costs
///   only what the migration derives from it, not the upgrade of the whole database.
pub(super) fn register_functions(conn: &Connection) -> Result<(), StoreError> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "essaim_unpack_data",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let id: i64 = ctx.get(0)?;
            Ok(match super::packed::unpack_data(ctx.get_raw(1)) {
                Ok(json) => Some(json),
                Err(e) => {
                    tracing::warn!(
                        offer = id,
                        error = %e,
                        "an offer's stored JSON could not be read while upgrading the \
                         database; what the upgrade derives from it is left empty"
                    );
                    None
                }
            })
        },
    )?;
    Ok(())
}

/// Brings the database to the last of `migrations` (the schema's, but for tests).
fn migrate_with(
    conn: &mut Connection,
    migrations: &[(&'static str, &str)],
) -> Result<(), StoreError> {
    let known = migrations.len() as i64;
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StoreError::Sql)?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    if found == known {
        return Ok(());
    }
    if found > 0 {
        tracing::info!(
            from = found,
            to = known,
            "upgrading the database schema; a large database may take minutes \
             (about 80 s for a million offers)"
        );
    }
    // Foreign keys are off while migrations run, as SQLite advises for a migration that
    // rebuilds a table (dropping the old one would otherwise run the ON DELETE CASCADE of
    // the rows pointing to it), and each migration checks them before it commits. The
    // setting cannot change inside a transaction, hence here.
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply_migrations(conn, migrations, found as usize);
    if enforced {
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    applied
}

/// Applies `migrations` from the `from`th on, each in a transaction of its own that leaves
/// the database as it was should the migration fail or break a foreign key.
fn apply_migrations(
    conn: &mut Connection,
    migrations: &[(&'static str, &str)],
    from: usize,
) -> Result<(), StoreError> {
    for (i, (name, sql)) in migrations.iter().enumerate().skip(from) {
        let started = std::time::Instant::now();
        let failed = |source| StoreError::Migration { name, source };
        // Another process may be opening the same database (`essaim feeds` while `essaim run`
        // starts on a new file): the write lock is taken first, then the version read again,
        // and a migration it applied meanwhile is not applied twice.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(failed)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(failed)?;
        if version > i as i64 {
            continue;
        }
        tx.execute_batch(sql)
            .and_then(|_| tx.pragma_update(None, "user_version", i as i64 + 1))
            .map_err(failed)?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(failed)?;
        if let Some(table) = broken {
            // Dropping the transaction rolls the migration back.
            return Err(StoreError::MigrationForeignKeys { name, table });
        }
        tx.commit().map_err(failed)?;
        if from > 0 {
            tracing::info!(
                migration = name,
                seconds = started.elapsed().as_secs_f64(),
                "database schema upgraded"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A migration that would leave rows pointing nowhere (here, offers of a feed it drops,
    /// run with foreign keys off as every migration is) fails with a message naming the
    /// table, and the database is left as it was.
    #[test]
    fn a_migration_that_breaks_a_foreign_key_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO feeds (id, name, network, url) VALUES ('a', 'A', 'N', 'a.xml');
             INSERT INTO offers (public_id, feed_id, identity, content_hash, title, sort_at,
               first_seen_at, last_seen_at, changed_at, data, source)
             VALUES ('p', 'a', 'ref:1', '', 'Comptable', '', '', '', '', '{}', 'null');",
        )
        .unwrap();
        let mut broken = MIGRATIONS.to_vec();
        broken.push(("0099_drop_feed.sql", "DELETE FROM feeds WHERE id = 'a';"));
        let error = migrate_with(&mut conn, &broken).unwrap_err();
        assert!(
            matches!(&error, StoreError::MigrationForeignKeys { name: "0099_drop_feed.sql", table }
                if table == "offers"),
            "{error}"
        );
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM feeds"), 1);
        assert_eq!(count("SELECT count(*) FROM offers"), 1);
        assert_eq!(count("PRAGMA user_version"), MIGRATIONS.len() as i64);
        assert_eq!(count("PRAGMA foreign_keys"), 1, "enforced again");
    }
}
