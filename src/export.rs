//! `essaim export`: every open offer written into a directory for a web server or CDN to
//! serve. Each output is paged into files (`feed.rss`, `feed-2.rss`, ...; the same for
//! `feed.atom`, `feed.json` and `jobs.jsonld`, see [`page_file`]) that link to the next page
//! as the live outputs do (RFC 5005 links in RSS and Atom, `next_url` in JSON Feed, `next` in
//! JSON-LD), with absolute URLs on the instance's public URL. Every file is written under a
//! temporary name, then renamed, the first pages last; pages a previous, larger export left
//! are removed once the new ones are in place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::model::PublishedOffer;
use crate::publish::{self, page_file, Output, Paging};
use crate::store::{Cursor, OfferFilter, Order, Store, StoreError};
use crate::web;

/// Offers per exported page unless told otherwise: the most one page of the live outputs
/// gives (`limit` at most 500).
pub const PAGE_SIZE: usize = web::filters::MAX_LIMIT;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Offers (jobs) written, each once in every output.
    pub offers: usize,
    /// Pages of each output (1 when every offer fits in the first file).
    pub pages: usize,
    /// Pages of a previous, larger export that were removed, by name.
    pub removed: Vec<String>,
}

/// Writes every open offer into `dir` (created when missing), `page_size` offers a page,
/// newest published first, with links built on `base_url`. Each job is written once in each
/// output, even when the daemon writes the database meanwhile (a job whose posting changes
/// moves in the order, and would otherwise be read again on a later page).
pub fn export(
    store: &Store,
    base_url: &str,
    dir: &Path,
    page_size: usize,
) -> anyhow::Result<Exported> {
    if page_size == 0 {
        bail!("the page size must be at least 1");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut staged = Staged {
        dir,
        files: Vec::new(),
    };
    let mut seen = HashSet::new();
    let (mut page, mut after) = read_page(store, page_size, None, &mut seen)?;
    let mut number = 1;
    let mut offers = 0;
    loop {
        // The page after this one is read first: this one links to it only if it has offers.
        let (following, following_after) = match &after {
            Some(cursor) => read_page(store, page_size, Some(cursor), &mut seen)?,
            None => (Vec::new(), None),
        };
        let more = !following.is_empty();
        let mut channel = publish::channel(base_url, &page);
        channel.paging = Paging::File { number, next: more };
        for output in Output::ALL {
            let body = output.render(&channel, &page);
            staged.write(&page_file(output.file_name(), number), body.as_bytes())?;
        }
        offers += page.len();
        if !more {
            break;
        }
        page = following;
        after = following_after;
        number += 1;
    }
    staged.publish()?;
    let removed = remove_stale(dir, number)?;
    Ok(Exported {
        offers,
        pages: number,
        removed,
    })
}

/// The open offers after `after`, newest published first, less the jobs an earlier page held;
/// with the cursor of the rows after them. Empty only when no row is left.
fn read_page(
    store: &Store,
    size: usize,
    after: Option<&Cursor>,
    seen: &mut HashSet<String>,
) -> Result<(Vec<PublishedOffer>, Option<Cursor>), StoreError> {
    let filter = OfferFilter::default();
    let mut after = after.cloned();
    loop {
        let (offers, next) = store.query_offers(&filter, Order::Published, size, after.as_ref())?;
        let fresh: Vec<PublishedOffer> = offers
            .into_iter()
            .filter(|p| seen.insert(p.id.clone()))
            .collect();
        if !fresh.is_empty() || next.is_none() {
            return Ok((fresh, next));
        }
        after = next;
    }
}

/// Files written under temporary names in `dir`, renamed into place by [`Staged::publish`];
/// those not renamed are removed when it is dropped (an export that failed half-way).
struct Staged<'a> {
    dir: &'a Path,
    /// (temporary, final) paths, in the order written: page by page from the first.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged<'_> {
    fn write(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        // Listed before it is written, so that a half-written file is removed too.
        self.files.push((tmp.clone(), self.dir.join(name)));
        std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))
    }

    /// Renames every file into place, the last pages first and the first pages last: a reader
    /// who starts from a new first page finds every page it links to already written.
    fn publish(mut self) -> anyhow::Result<()> {
        while let Some((tmp, path)) = self.files.pop() {
            if let Err(e) = std::fs::rename(&tmp, &path) {
                let message = format!("cannot rename {} to {}", tmp.display(), path.display());
                self.files.push((tmp, path));
                return Err(e).context(message);
            }
        }
        Ok(())
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Removes the pages beyond `pages` of every output, left by a previous, larger export, and
/// returns their names. Only regular files named as [`page_file`] names pages are touched.
fn remove_stale(dir: &Path, pages: usize) -> anyhow::Result<Vec<String>> {
    let mut removed = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let stale = Output::ALL
            .iter()
            .any(|o| page_number(o.file_name(), &name).is_some_and(|n| n > pages));
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            let path = entry.path();
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove the stale page {}", path.display()))?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

/// The number of the page `file` is of output `name`, when [`page_file`] names it so.
fn page_number(name: &str, file: &str) -> Option<usize> {
    if file == name {
        return Some(1);
    }
    let (stem, extension) = name.rsplit_once('.')?;
    let digits = file
        .strip_prefix(stem)?
        .strip_prefix('-')?
        .strip_suffix(extension)?
        .strip_suffix('.')?;
    if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n >= 2)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_read_back_page_files_and_nothing_else() {
        for output in Output::ALL {
            let name = output.file_name();
            for n in [1, 2, 3, 10, 123] {
                assert_eq!(
                    page_number(name, &page_file(name, n)),
                    Some(n),
                    "{name} {n}"
                );
            }
        }
        for (name, file) in [
            ("feed.rss", "feed-1.rss"),
            ("feed.rss", "feed-02.rss"),
            ("feed.rss", "feed-.rss"),
            ("feed.rss", "feed-2a.rss"),
            ("feed.rss", "feed-+2.rss"),
            ("feed.rss", "feed-2.rss.bak"),
            ("feed.rss", ".feed-2.rss.tmp-42"),
            ("feed.json", "feed-2.jsonld"),
            ("jobs.jsonld", "jobs-2.json"),
            ("feed.atom", "feed-99999999999999999999999.atom"),
        ] {
            assert_eq!(page_number(name, file), None, "{file}");
        }
    }
}
