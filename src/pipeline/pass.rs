//! The order in which a pass over many feeds starts them, so that only a bounded number of
//! refreshes is in flight at once whatever the number of feeds (see
//! [`super::Pipeline::refresh_feeds`]): feeds start in their given order, except that a feed
//! whose host already has `max_concurrent_per_host` refreshes running lets the next feeds of
//! other hosts go first, so that the slots of a pass never all wait on one partner's host.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::config::{FeedConfig, FeedSource};

/// The feeds of a pass not started yet, by host, and the refreshes each host has running.
pub(super) struct Queue {
    hosts: Vec<Host>,
    /// Hosts that may start a feed now, by the position of their first waiting feed: the
    /// first of the set is the next feed to start.
    ready: BTreeSet<(usize, usize)>,
    per_host: usize,
}

/// One host's waiting feeds (in order, with their position in the pass) and running count.
struct Host {
    waiting: VecDeque<(usize, FeedConfig)>,
    running: usize,
    /// Files have no host: any number of them may run (the global limit still applies).
    limited: bool,
}

/// A feed taken from the queue: its position in the pass, the host slot it holds (to give
/// back with [`Queue::done`]) and the feed.
pub(super) struct Next {
    pub(super) position: usize,
    pub(super) host: usize,
    pub(super) feed: FeedConfig,
}

impl Queue {
    pub(super) fn new(feeds: Vec<FeedConfig>, per_host: usize) -> Queue {
        let mut ids: HashMap<Option<String>, usize> = HashMap::new();
        let mut hosts: Vec<Host> = Vec::new();
        for (position, feed) in feeds.into_iter().enumerate() {
            let key = host_of(&feed);
            let id = *ids.entry(key.clone()).or_insert_with(|| {
                hosts.push(Host {
                    waiting: VecDeque::new(),
                    running: 0,
                    limited: key.is_some(),
                });
                hosts.len() - 1
            });
            hosts[id].waiting.push_back((position, feed));
        }
        let ready = hosts
            .iter()
            .enumerate()
            .filter_map(|(id, h)| h.waiting.front().map(|(p, _)| (*p, id)))
            .collect();
        Queue {
            hosts,
            ready,
            per_host: per_host.max(1),
        }
    }

    /// The next feed to start, if one may start now (none when every waiting feed's host is
    /// at its limit, or nothing waits).
    pub(super) fn next(&mut self) -> Option<Next> {
        let (_, id) = self.ready.pop_first()?;
        let host = &mut self.hosts[id];
        let (position, feed) = host.waiting.pop_front()?;
        host.running += 1;
        self.requeue(id);
        Some(Next {
            position,
            host: id,
            feed,
        })
    }

    /// A feed of host `id` is done: its host may start another.
    pub(super) fn done(&mut self, id: usize) {
        if let Some(host) = self.hosts.get_mut(id) {
            host.running = host.running.saturating_sub(1);
            self.requeue(id);
        }
    }

    /// Puts host `id` back among the ready ones when it has a waiting feed and a free slot.
    fn requeue(&mut self, id: usize) {
        let host = &self.hosts[id];
        if let Some((position, _)) = host.waiting.front() {
            if !host.limited || host.running < self.per_host {
                self.ready.insert((*position, id));
            }
        }
    }
}

/// The host a feed is fetched from as configured (lowercase); none for a file. A permanent
/// redirect to another host is followed by the refresh's own per-host limit.
pub fn host_of(feed: &FeedConfig) -> Option<String> {
    match &feed.source {
        FeedSource::Http(url) => url.host_str().map(str::to_ascii_lowercase),
        FeedSource::File(_) => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn feeds(hosts: &[&str]) -> Vec<FeedConfig> {
        let mut text = String::new();
        for (i, h) in hosts.iter().enumerate() {
            let source = if h.is_empty() {
                format!("url = \"f{i}.xml\"")
            } else {
                format!("url = \"https://{h}/f{i}.xml\"")
            };
            text.push_str(&format!(
                "[[feed]]\nid = \"f{i}\"\nname = \"F\"\nnetwork = \"N\"\n{source}\nformat = \"rss\"\n"
            ));
        }
        crate::config::parse(&text, std::path::Path::new("feeds.toml"))
            .unwrap()
            .feeds
    }

    fn take(q: &mut Queue) -> Vec<usize> {
        std::iter::from_fn(|| q.next().map(|n| n.position)).collect()
    }

    #[test]
    fn feeds_start_in_order_within_each_hosts_limit() {
        let mut q = Queue::new(feeds(&["a", "a", "A", "b", "", "", "a", "b"]), 2);
        // a's third feed (position 2) waits for a slot of a: b and the files go first.
        assert_eq!(take(&mut q), vec![0, 1, 3, 4, 5, 7]);
        q.done(0);
        assert_eq!(take(&mut q), vec![2]);
        q.done(0);
        assert_eq!(take(&mut q), vec![6]);
        for _ in 0..4 {
            q.done(0);
            q.done(1);
            q.done(2);
        }
        assert!(q.next().is_none());
    }

    #[test]
    fn files_are_not_limited_by_host() {
        let mut q = Queue::new(feeds(&["", "", "", ""]), 1);
        assert_eq!(take(&mut q), vec![0, 1, 2, 3]);
    }
}
