//! `essaim backup PATH`: a consistent copy of the database the configuration names, taken
//! while the daemon may be writing it (see `essaim::store::backup`), and what it holds.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use essaim::config::Config;
use essaim::store::backup::{backup as copy_database, Copied};

/// Copies the database to `dest` (replacing a file there only with `force`) and prints what
/// was copied; exit status 1 with the reason when nothing was.
pub fn backup(config: &Config, dest: &Path, force: bool) -> ExitCode {
    let database = &config.settings.database;
    let started = Instant::now();
    match copy_database(database, dest, force) {
        Ok(copied) => {
            println!(
                "{}",
                summary(&database.display().to_string(), &copied, started)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("essaim: {e}; no backup was written");
            ExitCode::FAILURE
        }
    }
}

fn summary(database: &str, c: &Copied, started: Instant) -> String {
    format!(
        "{database} copied to {}: {}, {} offers ({} open), {} feeds, checked, in {:.1} s",
        c.path.display(),
        size(c.bytes),
        c.offers,
        c.open_offers,
        c.feeds,
        started.elapsed().as_secs_f64()
    )
}

/// A size as a person reads it: bytes, KiB or MiB.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_a_person_reads_them() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(4096), "4.0 KiB");
        assert_eq!(size(5 * 1024 * 1024 + 512 * 1024), "5.5 MiB");
    }
}
