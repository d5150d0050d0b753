#!/usr/bin/env bash
# Peak memory of `essaim fetch` on the hostile bodies of issue 17 (see bench/README.md):
#   one 16 MiB feed; 8 such feeds fetched at once; one feed of 100,000 items; one offer with a
#   15 MiB description. Each case runs on a fresh database; the feeds are served on 127.0.0.1
#   by python3 -m http.server. Prints "case  peak-RSS-MB  seconds  exit".
#
#   bench/hostile-memory.sh                 # builds essaim (release) first
#   ESSAIM_BIN=/path/to/essaim bench/hostile-memory.sh
#   BENCH_DIR=/tmp/hm bench/hostile-memory.sh   # keep the files there (reused when present)
#   ONLY=eight REPEAT=3 bench/hostile-memory.sh  # one case, three times (the figures vary by 10-20%)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ESSAIM_BIN=${ESSAIM_BIN:-}
if [[ -z $ESSAIM_BIN ]]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  ESSAIM_BIN=$ROOT/target/release/essaim
fi
BENCH_DIR=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$BENCH_DIR/www"
if [[ ! -f $BENCH_DIR/www/long-description.xml ]]; then
  python3 "$ROOT/bench/gen-hostile.py" "$BENCH_DIR/www" >/dev/null
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$BENCH_DIR/www" "$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/many.xml', timeout=1).close()" 2>/dev/null; then
    break
  fi
  sleep 0.1
done

# run CASE MAX_BODY FILE...: one `essaim fetch` of the files, each as its own feed.
# ONLY=pattern runs the cases whose name contains it; REPEAT=n runs each n times.
run() {
  local name=$1 cap=$2
  shift 2
  [[ -n ${ONLY:-} && $name != *"$ONLY"* ]] && return 0
  local round
  for round in $(seq "${REPEAT:-1}"); do
    run_once "$name" "$cap" "$@"
  done
}

run_once() {
  local name=$1 cap=$2
  shift 2
  local dir=$BENCH_DIR/$name
  rm -rf "$dir" && mkdir -p "$dir"
  {
    echo "[settings]"
    echo "database = \"$dir/essaim.db\""
    echo "allow_private_addresses = true"
    echo "max_body_bytes = $cap"
    echo "request_timeout_secs = 120"
    for f in "$@"; do
      local id=${f%.xml}
      printf '\n[[feed]]\nid = "%s"\nname = "%s"\nnetwork = "Bench"\nurl = "http://127.0.0.1:%s/%s"\n' \
        "$id" "$id" "$PORT" "$f"
    done
  } >"$dir/feeds.toml"
  local start end code=0
  start=$(date +%s.%N)
  /usr/bin/time -v "$ESSAIM_BIN" --config "$dir/feeds.toml" fetch >"$dir/out.txt" 2>"$dir/time.txt" &
  local timer=$!
  # Peak anonymous memory (the heap: what the process itself allocated), sampled every 20 ms
  # from /proc; the maximum RSS of time(1) also counts the database file's pages that SQLite
  # reads through its memory map (page cache the kernel can reclaim).
  local anon=0 pid="" a
  while kill -0 "$timer" 2>/dev/null; do
    [[ -z $pid ]] && pid=$(pgrep -P "$timer" -n 2>/dev/null || true)
    if [[ -n $pid ]]; then
      a=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [[ -n $a && $a -gt $anon ]] && anon=$a
    fi
    sleep 0.02
  done
  wait "$timer" || code=$?
  end=$(date +%s.%N)
  local kb
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
  printf '%-28s %8.1f MB %8.1f MB %8.1f s  exit %s\n' "$name" "$(echo "$kb / 1024" | bc -l)" \
    "$(echo "$anon / 1024" | bc -l)" "$(echo "$end - $start" | bc -l)" "$code"
}

printf '%-28s %11s %11s %10s\n' case peak-RSS peak-anon time
run one-16MiB-feed 16777216 big-1.xml
run eight-16MiB-feeds-at-once 16777216 big-1.xml big-2.xml big-3.xml big-4.xml big-5.xml big-6.xml big-7.xml big-8.xml
run 100000-items 33554432 many.xml
run one-15MiB-description 16777216 long-description.xml
