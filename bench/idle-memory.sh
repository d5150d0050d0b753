#!/usr/bin/env bash
# bench/idle-memory.sh: the resident memory of an idle `essaim run` holding OFFERS offers, its
# answer cache warm.
#
#   bench/idle-memory.sh [--offers 100000] [--work DIR] [--keep]
#   ESSAIM_BIN=path/to/essaim bench/idle-memory.sh      # another binary
#
#  1. Builds the release binary (cargo build --release --locked), unless ESSAIM_BIN names one.
#  2. Generates OFFERS/1,000 feeds of 1,000 offers with bench/gen-ingest.py (every format,
#     20% cross-posted), read as files (no server), and ingests them with `essaim fetch`.
#  3. Starts `essaim run` on 127.0.0.1 (a free port); the feeds are scheduled once a year
#     (`default_schedule`), so it fetches nothing while measured.
#  4. Warms the answer cache: every output and API listing of README.md's "Outputs and
#     endpoints", each in identity, gzip and brotli, its second page, and a few filtered
#     listings; then waits WAIT seconds (default 40: tokio's idle blocking threads end after
#     10 s, and the daemon gives back SQLite's page caches once the data has not changed for
#     30 s) and reads VmRSS and VmHWM from /proc/PID/status, and the anonymous memory (the
#     heaps, SQLite's included, and the stacks: what the daemon holds, beyond its code and the
#     libraries mapped) from /proc/PID/smaps_rollup.
#  5. Stops the daemon (SIGTERM) and prints one line: idle RSS (of which anonymous), its peak,
#     the offers.
#
# A measurement, not a test: run it on an otherwise idle machine. Its figures are in
# bench/README.md.
set -euo pipefail

OFFERS=100000
WORK=""
KEEP=0
WAIT=${WAIT:-40}
while [[ $# -gt 0 ]]; do
  case $1 in
    --offers) OFFERS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench/idle-memory.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench/idle-memory.sh: %s\n' "$*" >&2; exit 1; }

DAEMON_PID=""
CREATED_WORK=0
cleanup() {
  local status=$?
  set +e
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null
  fi
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

command -v curl >/dev/null || die "curl is missing (apt-get install curl)"
if [[ -n ${ESSAIM_BIN:-} ]]; then
  BIN=$ESSAIM_BIN
else
  say "building the release binary"
  (cd "$ROOT" && cargo build --release --locked -q) || die "cargo build --release failed"
  BIN=$ROOT/target/release/essaim
fi
[[ -x $BIN ]] || die "no essaim binary at $BIN"

if [[ -z $WORK ]]; then
  WORK=$(mktemp -d /tmp/essaim-idle.XXXXXX)
  CREATED_WORK=1
fi
FEEDS=$(( (OFFERS + 999) / 1000 ))
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [[ ! -s $WORK/essaim.db ]]; then
  say "generating $FEEDS feeds x 1000 offers in $WORK"
  python3 "$ROOT/bench/gen-ingest.py" "$WORK" --feeds "$FEEDS" --items 1000 >/dev/null ||
    die "bench/gen-ingest.py failed"
fi
# The generated registry, read from files, with the daemon's address and a schedule that
# fetches nothing while it is measured (once a year).
sed -E -e 's#^url = "http://127\.0\.0\.1:[0-9]+/#url = "www/#' \
  -e "s#^\\[settings\\]\$#[settings]\\nlisten = \"127.0.0.1:$PORT\"\\ndefault_schedule = \"0 0 3 1 1 *\"#" \
  "$WORK/feeds.toml" >"$WORK/idle.toml"
if [[ ! -s $WORK/essaim.db ]]; then
  say "ingesting them (essaim fetch)"
  "$BIN" fetch --config "$WORK/idle.toml" >"$WORK/fetch.out" 2>"$WORK/fetch.err" ||
    die "essaim fetch failed: $(tail -3 "$WORK/fetch.err")"
fi

"$BIN" run --config "$WORK/idle.toml" >"$WORK/run.out" 2>"$WORK/run.err" &
DAEMON_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 300); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$DAEMON_PID" 2>/dev/null || die "essaim run stopped: $(tail -3 "$WORK/run.err")"
  sleep 0.1
done
curl -fsS "$BASE/readyz" >/dev/null || die "essaim run is not ready: $(tail -3 "$WORK/run.err")"
rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$DAEMON_PID/status"; }
READY_RSS=$(rss VmRSS)

say "warming the answer cache"
PATHS=(/feed.rss /feed.atom /feed.json /jobs.jsonld /api/offers /api/networks /api/stats /api/feeds
  "/feed.rss?region=84" "/feed.json?contract=cdi" "/api/offers?q=animateur" "/api/offers?region=11&contract=cdd")
for p in "${PATHS[@]}"; do
  for enc in identity gzip br; do
    curl -fsS -o /dev/null -H "Accept-Encoding: $enc" "$BASE$p" || die "GET $p failed"
  done
done
# The second page of each paged output, through its `next` link.
for p in /feed.json /api/offers; do
  next=$(curl -fsS "$BASE$p" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d.get("next_url") or d.get("next") or "")')
  [[ -n $next ]] && curl -fsS -o /dev/null "$next"
done
WARM_RSS=$(rss VmRSS)
sleep "$WAIT"
IDLE_RSS=$(rss VmRSS)
PEAK_RSS=$(rss VmHWM)
ANON=$(awk '$1 == "Anonymous:" { print int($2 / 1024) }' "/proc/$DAEMON_PID/smaps_rollup")
STORED=$(curl -fsS "$BASE/api/stats" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d.get("open_offers", d.get("offers", "?")))')
echo "idle: $IDLE_RSS MB resident ${WAIT} s after the cache was warmed, $ANON MB of it anonymous ($WARM_RSS MB just after, $READY_RSS MB when ready, peak $PEAK_RSS MB), $STORED open offers"
