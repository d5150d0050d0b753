#!/usr/bin/env bash
# bench/ratio.sh: what an offer costs to ingest end to end into a database holding a million
# offers, against the same offers into an empty one (issue 20's "per-offer cost at 1,000,000
# stored within 1.5x of that at 10,000").
#
#   bench/ratio.sh --stored DIR [--feeds 100] [--items 100] [--rounds 2] [--work DIR] [--keep]
#
# DIR is the work directory that `bench/ingest.sh --feeds 10000 --items 100 --work DIR --keep`
# kept: its essaim.db (a million offers) and feeds.toml.
#  1. Installs nginx (nginx-light) with apt-get when missing (as root).
#  2. Builds the release binary (cargo build --release --locked), unless ESSAIM_BIN names one.
#  3. Generates FEEDS x ITEMS offers (bench/gen-ingest.py, another seed, feeds numbered after
#     the stored ones: new feeds, new references, new links) and serves them with nginx.
#  4. For each round, one `essaim fetch` of the new feeds into an empty database, then one into
#     a copy of DIR's database (the stored feeds configured too, not fetched).
#  5. Prints one table: per side, the whole run; the time until the first feed is applied
#     (with a million stored, mostly opening the store: the blocking keys' filter read from
#     dedup_keys, the keys held since the last flush rebuilt); the steady part, from the first
#     feed applied to the last, per offer; and the ratios (medians of the rounds).
#
# A benchmark, not a test: run it on an otherwise idle machine (it copies DIR's database,
# some 2.6 GB, each round). The figures are in bench/README.md.
set -euo pipefail

STORED=""
FEEDS=100
ITEMS=100
ROUNDS=2
WORK=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --stored) STORED=$2; shift 2 ;;
    --feeds) FEEDS=$2; shift 2 ;;
    --items) ITEMS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/ratio.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench/ratio.sh: %s\n' "$*" >&2; exit 1; }
[[ -n $STORED ]] || die "--stored DIR is needed (see --help)"
[[ -f $STORED/essaim.db && -f $STORED/feeds.toml ]] ||
  die "$STORED has no essaim.db and feeds.toml; keep them with bench/ingest.sh --feeds 10000 --items 100 --work $STORED --keep"
[[ -e $STORED/essaim.db-wal && -s $STORED/essaim.db-wal ]] &&
  die "$STORED/essaim.db has a write-ahead log: is an essaim using it? (checkpoint it first)"

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
missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
[[ -x /usr/bin/time ]] || missing+=(time)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  say "installing ${missing[*]}"
  apt-get install -y -q "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
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
  WORK=$(mktemp -d /tmp/essaim-ratio.XXXXXX)
  CREATED_WORK=1
fi
mkdir -p "$WORK"
STORED_FEEDS=$(grep -c '^\[\[feed\]\]' "$STORED/feeds.toml")
FIRST=$((STORED_FEEDS > 10000 ? STORED_FEEDS : 10000))
PORT=$(free_port)
say "generating $FEEDS feeds x $ITEMS offers (p$(printf '%05d' "$FIRST") on) in $WORK"
"$PY" "$ROOT/bench/gen-ingest.py" "$WORK/new" --feeds "$FEEDS" --items "$ITEMS" --seed 31 \
  --first "$FIRST" --port "$PORT" >"$WORK/gen.json" || die "bench/gen-ingest.py failed"
serve_static "$WORK" "$WORK/new/www" "$PORT"
mkdir -p "$WORK/empty" "$WORK/full"
cp "$WORK/new/feeds.toml" "$WORK/empty/feeds.toml"
{
  cat "$STORED/feeds.toml"
  sed -n '/^\[\[feed\]\]/,$p' "$WORK/new/feeds.toml"
} >"$WORK/full/feeds.toml"
FEED_ARGS=()
for ((f = FIRST; f < FIRST + FEEDS; f++)); do FEED_ARGS+=(--feed "$(printf 'p%05d' "$f")"); done

# ---------------------------------------------------------------- 4. rounds
# run SIDE ROUND: one essaim fetch of the new feeds; appends its figures to $WORK/figures.
run() {
  local side=$1 round=$2 dir=$WORK/$1 start
  rm -f "$dir"/essaim.db*
  if [[ $side == full ]]; then
    cp "$STORED/essaim.db" "$dir/essaim.db" || die "copying $STORED/essaim.db failed"
  fi
  sync
  start=$(date +%s.%N)
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$BIN" fetch --config "$dir/feeds.toml" \
    "${FEED_ARGS[@]}" >"$dir/out" 2>"$dir/err" || {
    tail -5 "$dir/err" >&2
    die "essaim fetch ($side) failed; its log is in $dir/err"
  }
  "$PY" - "$side" "$round" "$start" "$dir/time" "$dir/err" >>"$WORK/figures" <<'EOF'
import datetime as dt, re, sys
side, rnd, start, time_file, err = sys.argv[1:]
wall, user, system, rss_kb = open(time_file).read().split()[-4:]
applied = []  # (instant, new offers) of each feed applied, in the log's order
writer = 0.0
for line in open(err, encoding="utf-8", errors="replace"):
    m = re.match(r"(\S+Z) .*Feed fetched\..* new=(\d+)", line)
    if m:
        t = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
        applied.append((t, int(m.group(2))))
    m = re.search(r"writer_busy_s=([0-9.]+)", line)
    if m:
        writer = float(m.group(1))
new = sum(n for _, n in applied)
steady_s = applied[-1][0] - applied[0][0] if len(applied) > 1 else 0.0
steady_new = new - applied[0][1] if applied else 0
opening_s = applied[0][0] - float(start) if applied else 0.0
print(side, rnd, new, wall, float(user) + float(system), int(rss_kb) // 1024, writer,
      opening_s, steady_s, steady_new)
EOF
  say "round $round, $side: $(tail -1 "$WORK/figures")"
}
: >"$WORK/figures"
for ((r = 1; r <= ROUNDS; r++)); do
  run empty "$r"
  run full "$r"
done
STORED_OFFERS=$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM offers").fetchone()[0])' "$STORED/essaim.db")

# ---------------------------------------------------------------- 5. table
"$PY" - "$WORK/figures" "$STORED_OFFERS" "$FEEDS" "$ITEMS" <<'EOF'
import statistics, sys
figures, stored, feeds, items = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {"empty": [], "full": []}
for line in open(figures):
    side, rnd, new, wall, cpu, rss, writer, opening, steady, steady_new = line.split()
    rows[side].append(dict(new=int(new), wall=float(wall), cpu=float(cpu), rss=int(rss),
                           writer=float(writer), opening=float(opening), steady=float(steady),
                           steady_new=int(steady_new)))
def med(side, f):
    return statistics.median(f(r) for r in rows[side])
us = lambda s, n: 1e6 * s / max(n, 1)
print(f"ratio: {feeds} new feeds x {items} offers, into an empty database and into one holding "
      f"{stored:,} offers (medians of {len(rows['empty'])} rounds)")
head = ("database", "whole run", "CPU", "writer busy", "first applied", "steady", "peak RSS")
table = []
for side, label in (("empty", "empty"), ("full", f"{stored:,} offers")):
    table.append((
        label,
        f"{med(side, lambda r: r['wall']):.2f} s ({med(side, lambda r: us(r['wall'], r['new'])):.0f} us/offer)",
        f"{med(side, lambda r: us(r['cpu'], r['new'])):.0f} us/offer",
        f"{med(side, lambda r: us(r['writer'], r['new'])):.0f} us/offer",
        f"{med(side, lambda r: r['opening']):.2f} s",
        f"{med(side, lambda r: us(r['steady'], r['steady_new'])):.0f} us/offer",
        f"{med(side, lambda r: r['rss']):.0f} MB",
    ))
widths = [max(len(x) for x in col) for col in zip(head, *table)]
fmt = lambda row: "| " + " | ".join(f"{c:<{w}}" for c, w in zip(row, widths)) + " |"
print(fmt(head))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for row in table:
    print(fmt(row))
def ratio(f):
    return med("full", f) / max(med("empty", f), 1e-9)
print(f"ratio full / empty, per offer: steady {ratio(lambda r: us(r['steady'], r['steady_new'])):.2f}, "
      f"whole run {ratio(lambda r: us(r['wall'], r['new'])):.2f}, "
      f"CPU {ratio(lambda r: us(r['cpu'], r['new'])):.2f}, "
      f"writer {ratio(lambda r: us(r['writer'], r['new'])):.2f} (issue 20's target: 1.5)")
EOF
