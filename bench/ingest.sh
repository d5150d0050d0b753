#!/usr/bin/env bash
# bench/ingest.sh: what ingesting costs end to end over HTTP (fetch, decode, parse, normalise,
# deduplicate, commit), with `essaim fetch` on generated partner feeds served by nginx.
#
#   bench/ingest.sh [--feeds 100] [--items 1000] [--work DIR] [--keep]
#   bench/ingest.sh --feeds 10000 --items 100
#
#  1. Installs nginx (nginx-light) and python3-feedparser with apt-get when missing (as root).
#  2. Builds the release binary (cargo build --release --locked), unless ESSAIM_BIN names one.
#  3. Generates FEEDS feeds x ITEMS offers in every format with bench/gen-ingest.py (20%
#     cross-posted with rewording, some feeds in ISO-8859-1) and its feeds.toml.
#  4. Serves them with nginx on 127.0.0.1 (static files: ETag and Last-Modified).
#  5. Runs, each under /usr/bin/time -v: the first ingest into a fresh database; a pass where
#     nothing changed (every feed answers 304); a pass after 1% of the offers were rewritten
#     (one feed of ten rewritten, the others 304). Every pass names every feed (`--feed`), so
#     that each is fetched whatever its schedule.
#  6. Parses the same RSS files with Python's feedparser, as the anchor of this machine.
#  7. Prints one table.
#
# A benchmark, not a test: run it on an otherwise idle machine. The figures and their history
# are in bench/README.md.
set -euo pipefail

FEEDS=100
ITEMS=1000
WORK=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --feeds) FEEDS=$2; shift 2 ;;
    --items) ITEMS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/ingest.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench/ingest.sh: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/nginx.sh
. "$ROOT/bench/nginx.sh"
CREATED_WORK=0
cleanup() {
  local status=$?
  set +e
  stop_static
  if [[ -n $WORK && $CREATED_WORK == 1 && $KEEP == 0 ]]; then
    rm -rf -- "$WORK"
  elif [[ -n $WORK ]]; then
    say "work dir kept: $WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- 1. tools
PY=python3
feedparser_ok() { "$1" -c 'import feedparser' 2>/dev/null; }
feedparser_ok python3 || { [[ -x /usr/bin/python3 ]] && feedparser_ok /usr/bin/python3 && PY_FP=/usr/bin/python3; } || true
missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
if feedparser_ok python3; then PY_FP=python3; elif [[ -z ${PY_FP:-} ]]; then missing+=(python3-feedparser); fi
[[ -x /usr/bin/time ]] || missing+=(time)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  say "installing ${missing[*]}"
  apt-get install -y -q "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  PY_FP=/usr/bin/python3
  feedparser_ok "$PY_FP" || die "feedparser still missing after installation"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------- 2. binary
if [[ -n ${ESSAIM_BIN:-} ]]; then
  BIN=$ESSAIM_BIN
else
  say "building the release binary"
  (cd "$ROOT" && cargo build --release --locked -q) || die "cargo build --release failed"
  BIN=$ROOT/target/release/essaim
fi
[[ -x $BIN ]] || die "no essaim binary at $BIN"

# ---------------------------------------------------------------- 3. feeds
if [[ -z $WORK ]]; then
  WORK=$(mktemp -d /tmp/essaim-ingest.XXXXXX)
  CREATED_WORK=1
fi
mkdir -p "$WORK"
PORT=$(free_port)
say "generating $FEEDS feeds x $ITEMS offers in $WORK"
GEN=("$PY" "$ROOT/bench/gen-ingest.py" "$WORK" --feeds "$FEEDS" --items "$ITEMS" --port "$PORT")
"${GEN[@]}" >"$WORK/gen.json" || die "bench/gen-ingest.py failed"
rm -f "$WORK"/essaim.db*

# ---------------------------------------------------------------- 4. nginx
serve_static "$WORK" "$WORK/www" "$PORT"

# ---------------------------------------------------------------- 5. passes
FEED_ARGS=()
for ((f = 0; f < FEEDS; f++)); do FEED_ARGS+=(--feed "$(printf 'p%05d' "$f")"); done
# pass NAME: runs essaim fetch over every feed; sets SECS and RSS_MB; keeps its output.
pass() {
  local name=$1
  /usr/bin/time -v "$BIN" fetch --config "$WORK/feeds.toml" "${FEED_ARGS[@]}" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" || {
    tail -5 "$WORK/$name.err" >&2
    die "essaim fetch ($name) failed; its output is in $WORK/$name.out"
  }
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$WORK/$name.err")
  RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/$name.err")
  say "$name: $SECS s, peak RSS $RSS_MB MB ($(tail -1 "$WORK/$name.out"))"
}
sum_new() { grep -oE '[0-9]+ new' "$1" | awk '{ s += $1 } END { print s + 0 }'; }
sum_updated() { grep -oE '[0-9]+ updated' "$1" | awk '{ s += $1 } END { print s + 0 }'; }

pass first
FIRST_SECS=$SECS FIRST_RSS=$RSS_MB
# The time the store's one writer spent applying the fetches (`essaim fetch` logs it at the end).
WRITER_SECS=$(grep -oE 'writer_busy_s=[0-9.]+' "$WORK/first.err" | tail -1 | cut -d= -f2)
WRITER_SECS=${WRITER_SECS:-0}
NEW=$(sum_new "$WORK/first.out")
pass unchanged
SAME_SECS=$SECS SAME_RSS=$RSS_MB
NOT_MODIFIED=$(grep -c 'not modified' "$WORK/unchanged.out" || true)
"${GEN[@]}" --changed 0.01 >"$WORK/gen-changed.json" || die "bench/gen-ingest.py --changed failed"
REWRITTEN=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["written"])' "$WORK/gen-changed.json")
pass changed
CHANGED_SECS=$SECS CHANGED_RSS=$RSS_MB
UPDATED=$(sum_updated "$WORK/changed.out")

read -r DB_BYTES STORED < <("$PY" - "$WORK/essaim.db" <<'EOF'
import os, sqlite3, sys
db = sys.argv[1]
c = sqlite3.connect(db)
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
n = c.execute("SELECT count(*) FROM offers").fetchone()[0]
c.close()
size = sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
print(size, n)
EOF
)

# ---------------------------------------------------------------- 6. anchor
read -r FP_ENTRIES FP_SECS < <("$PY_FP" - "$WORK/www" "$WORK/gen.json" <<'EOF'
import json, os, sys, time
import feedparser
www, gen = sys.argv[1], sys.argv[2]
bodies = [open(os.path.join(www, f), "rb").read() for f in json.load(open(gen))["rss"]]
start = time.perf_counter()
entries = sum(len(feedparser.parse(b).entries) for b in bodies)
print(entries, time.perf_counter() - start)
EOF
)

# ---------------------------------------------------------------- 7. table
"$PY" - "$FEEDS" "$ITEMS" "$NEW" "$FIRST_SECS" "$FIRST_RSS" "$NOT_MODIFIED" "$SAME_SECS" "$SAME_RSS" \
  "$REWRITTEN" "$UPDATED" "$CHANGED_SECS" "$CHANGED_RSS" "$DB_BYTES" "$STORED" "$FP_ENTRIES" "$FP_SECS" \
  "$WRITER_SECS" <<'EOF'
import sys
(feeds, items, new, first_s, first_rss, n304, same_s, same_rss, rewritten, updated, changed_s,
 changed_rss, db_bytes, stored, fp_entries, fp_s, writer_s) = sys.argv[1:]
new, stored, fp_entries, updated = int(new), int(stored), int(fp_entries), int(updated)
first_s, same_s, changed_s, fp_s, writer_s = map(float, (first_s, same_s, changed_s, fp_s, writer_s))
essaim_rate = new / first_s if first_s else 0
fp_rate = fp_entries / fp_s if fp_s else 0
rows = [
    ("first ingest", f"{new:,} offers in {first_s:.1f} s: {essaim_rate:,.0f} offers/s", f"{first_rss} MB"),
    ("  of which writer", f"{writer_s:.1f} s busy ({writer_s / first_s if first_s else 0:.0%}): {1e6 * writer_s / max(new, 1):,.0f} us/offer", ""),
    ("no-change pass", f"{n304} of {feeds} feeds 304, {same_s:.2f} s", f"{same_rss} MB"),
    ("1%-changed pass", f"{rewritten} feeds rewritten, {updated:,} offers updated, {changed_s:.2f} s", f"{changed_rss} MB"),
    ("database", f"{int(db_bytes):,} bytes for {stored:,} offers: {int(db_bytes) / max(stored, 1):,.0f} bytes/offer", ""),
    ("anchor: feedparser", f"{fp_entries:,} RSS entries in {fp_s:.1f} s: {fp_rate:,.0f} entries/s", ""),
    ("ratio", f"essaim end to end / feedparser parsing alone: {essaim_rate / fp_rate if fp_rate else 0:.2f}", ""),
]
print(f"ingest: {feeds} feeds x {items} offers (every format, 20% cross-posted)")
w0, w1 = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
print(f"| {'pass':<{w0}} | {'result':<{w1}} | peak RSS |")
print(f"|{'-' * (w0 + 2)}|{'-' * (w1 + 2)}|----------|")
for a, b, c in rows:
    print(f"| {a:<{w0}} | {b:<{w1}} | {c:>8} |")
EOF
