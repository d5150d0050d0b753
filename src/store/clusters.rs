//! The clusters' rows: what deduplication reads and writes of clusters, features and blocking
//! keys while a fetch is filed ([`Filed`], the store's side of [`Clusters`]), and the
//! clusters' ids for evaluation. The decisions are `dedup::cluster`'s.

use rusqlite::{params, OptionalExtension, Transaction};

use super::keys::RecentKeys;
use super::StoreError;
use crate::dedup::cluster::{Clusters, Posted, StoredMember};
use crate::dedup::similar::Features;

/// The clusters as one writing transaction sees them, with the blocking keys held in memory.
pub(super) struct Filed<'a, 't> {
    tx: &'a Transaction<'t>,
    recent: &'a mut RecentKeys,
}

impl<'a, 't> Filed<'a, 't> {
    pub(super) fn new(tx: &'a Transaction<'t>, recent: &'a mut RecentKeys) -> Filed<'a, 't> {
        Filed { tx, recent }
    }
}

impl Clusters for Filed<'_, '_> {
    type Error = StoreError;

    fn stored_features(&mut self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let old: Option<Option<Vec<u8>>> = self
            .tx
            .prepare_cached("SELECT features FROM dedup_features WHERE offer_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(old.flatten())
    }

    fn set_features(&mut self, id: i64, encoded: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO dedup_features (offer_id, features) VALUES (?1, ?2)
                 ON CONFLICT (offer_id) DO UPDATE SET features = excluded.features",
            )?
            .execute(params![id, encoded])?;
        Ok(())
    }

    fn remove_keys(&mut self, id: i64, keys: &[i64]) -> Result<(), StoreError> {
        self.recent.remove(self.tx, id, keys)
    }

    fn add_keys(&mut self, id: i64, keys: &[i64]) -> Result<(), StoreError> {
        self.recent.add(self.tx, id, keys)
    }

    fn remember(&mut self, id: i64, features: &Features, encoded: &[u8]) {
        self.recent.remember(id, features, encoded);
    }

    fn newest(&mut self, key: i64, out: &mut Vec<i64>) -> Result<(), StoreError> {
        self.recent.newest(self.tx, key, out)
    }

    fn candidate(&mut self, id: i64) -> Result<Option<&Features>, StoreError> {
        self.recent.candidate(self.tx, id)
    }

    fn posted(&mut self, id: i64) -> Result<Option<Posted>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT feed_id, identity, status = 'open' FROM offers WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(Posted {
                    feed: r.get(0)?,
                    identity: r.get(1)?,
                    open: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn cluster_of(&mut self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT cluster_id FROM offers WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?)
    }

    fn candidate_cluster(&mut self, id: i64) -> Result<Option<i64>, StoreError> {
        // Through the index (id, cluster_id): in the row, cluster_id sits behind the JSON,
        // on overflow pages.
        Ok(self
            .tx
            .prepare_cached(
                "SELECT coalesce(cluster_id, id) FROM offers INDEXED BY offers_dedup WHERE id = ?1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn members(
        &mut self,
        cluster: i64,
        except: Option<i64>,
    ) -> Result<Vec<StoredMember>, StoreError> {
        let mut stmt = self.tx.prepare_cached(concat!(
            "SELECT o.id, f.features, o.feed_id, o.identity, o.status = 'open'
             FROM offers o LEFT JOIN dedup_features f ON f.offer_id = o.id
             WHERE o.cluster_id = ?1 AND o.id IS NOT ?2 ORDER BY o.id LIMIT ",
            cluster_read_limit!()
        ))?;
        let rows = stmt.query_map(params![cluster, except], |r| {
            Ok(StoredMember {
                id: r.get(0)?,
                features: r.get(1)?,
                posted: Posted {
                    feed: r.get(2)?,
                    identity: r.get(3)?,
                    open: r.get(4)?,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_cluster(&mut self, id: i64, cluster: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE id = ?2")?
            .execute(params![cluster, id])?;
        Ok(())
    }

    fn move_cluster(&mut self, from: i64, to: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE offers SET cluster_id = ?1 WHERE cluster_id = ?2")?
            .execute(params![to, from])?;
        Ok(())
    }
}

#[cfg(any(test, feature = "testing"))]
impl super::Store {
    /// Every stored posting's public id with the public id of its cluster (for evaluation
    /// and tests).
    pub fn cluster_ids(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT o.public_id, coalesce(a.public_id, o.public_id) FROM offers o
             LEFT JOIN offers a ON a.id = o.cluster_id ORDER BY o.id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
