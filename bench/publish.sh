#!/usr/bin/env bash
# The publish benchmark of issue 6 ("Figures"): with 100,000 open offers stored, essaim's
# default /feed.rss against nginx serving the same bytes as a static file, a 304 against
# nginx's 304, and filtered /api/offers?q=... queries (p99 at 32 connections). A benchmark,
# not a timed test: run it by hand on a quiet machine and read the table.
#
#   bench/publish.sh                     # everything: build, generate, fetch, serve, measure
#   DURATION=30 bench/publish.sh         # longer runs
#   BENCH_DIR=/tmp/eb bench/publish.sh   # work in /tmp/eb and keep it; a second run with the
#                                        # same BENCH_DIR reuses the stored offers (no re-fetch)
#
# Steps (each fails with a message naming it; every wait is bounded):
#  1. Installs wrk and nginx with apt-get when missing (needs root; nginx-light is enough).
#  2. Builds essaim (cargo build --release), generates FEEDS x ITEMS distinct French offers
#     (bench/gen-offers.py: RSS files with WP Job Manager elements) into a temp dir, writes a
#     feeds.toml there (file feeds, database in the temp dir, 127.0.0.1 on a free port) and runs
#     `essaim fetch`; `essaim feeds` must then show (nearly) every offer open.
#  3. Starts `essaim run` on that config and waits for /healthz.
#  4. Fetches /feed.rss from essaim (identity encoding) into an nginx docroot and starts nginx
#     on another free port of 127.0.0.1 (config written here: worker_processes auto, sendfile,
#     access_log off, keepalive_requests high like essaim's unlimited keep-alive, the file
#     served as application/rss+xml). essaim's runtime also uses every core.
#  5. Measures, one after the other, with the same wrk settings (wrk -tTHREADS -cCONNECTIONS
#     -dDURATION --latency, after a WARMUP-second run that is not counted):
#       nginx /feed.rss; essaim /feed.rss; nginx 304 (If-None-Match: nginx's ETag);
#       essaim 304 (its ETag); essaim /api/offers?q=WORD&region=84; /api/offers?q=WORD.
#     Each answer is checked with curl first (status, and the same bytes for the feeds).
#  6. Prints the table (requests/s, p50, p99, essaim/nginx ratios, the issue's targets) and
#     stops both servers (trap on EXIT); the temp dir is removed unless KEEP=1.
#
# The six runs are repeated ROUNDS times (nginx and essaim alternate, so a noisy neighbour
# hits both) and the table gives the median of each figure, then every round's values.
#
# Settings (environment): DURATION (15 s), WARMUP (3 s), ROUNDS (3), CONNECTIONS (32), THREADS (2),
# FEEDS (20), ITEMS (5000 per feed), QUERY (maraîchage: in about 3 % of the offers),
# BENCH_DIR (work dir, kept; default a new mktemp dir, removed unless KEEP=1), ESSAIM_BIN (skip the build
# and use this binary), RESULTS (also write the table as TSV to this file).
#
# The load generator runs on the same machine as the servers: on a small machine the figures
# are of the whole (server + wrk); both servers are measured under the same conditions. Only
# 127.0.0.1 is ever contacted.

set -euo pipefail

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
FEEDS=${FEEDS:-20}
ITEMS=${ITEMS:-5000}
QUERY=${QUERY:-maraîchage}
ROUNDS=${ROUNDS:-3}
KEEP=${KEEP:-0}
FETCH_TIMEOUT=${FETCH_TIMEOUT:-1800}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STEP="start"

say() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'bench/publish.sh: FAILED at step "%s": %s\n' "$STEP" "$*" >&2
  exit 1
}
step() {
  STEP=$1
  say "$1"
}

# ---------------------------------------------------------------- cleanup
ESSAIM_PID=""
NGINX_PID=""
WORK=""
CREATED_WORK=0
cleanup() {
  local status=$?
  set +e
  for pid in "$ESSAIM_PID" "$NGINX_PID"; do
    [[ -n $pid ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  if [[ -n $WORK && -d $WORK ]]; then
    if [[ $KEEP == 1 || $CREATED_WORK == 0 ]]; then
      say "work dir kept: $WORK"
    else
      rm -rf -- "$WORK"
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- 1. tools
step "1. tools"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
for t in curl python3; do command -v "$t" >/dev/null || missing+=("$t"); done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install wrk nginx-light curl python3) or run as root"
  pkgs=()
  for t in "${missing[@]}"; do
    case $t in
      nginx)
        if apt-cache policy nginx-light 2>/dev/null | grep -q 'Candidate: [0-9]'; then pkgs+=(nginx-light); else pkgs+=(nginx); fi ;;
      *) pkgs+=("$t") ;;
    esac
  done
  say "installing ${pkgs[*]}"
  timeout 600 apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq "${pkgs[@]}" >/dev/null ||
    die "apt-get install ${pkgs[*]} failed"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx not found after installation"
command -v wrk >/dev/null || die "wrk not found after installation"

# ---------------------------------------------------------------- 2. data
step "2. build, generate, fetch"
if [[ -n ${ESSAIM_BIN:-} ]]; then
  ESSAIM=$ESSAIM_BIN
else
  (cd "$REPO" && cargo build --release --quiet) || die "cargo build --release failed"
  ESSAIM=$REPO/target/release/essaim
fi
[[ -x $ESSAIM ]] || die "no essaim binary at $ESSAIM"

if [[ -n ${BENCH_DIR:-} ]]; then
  mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
  # Absolute, so that the file feeds' URLs are the same whatever the current directory (essaim
  # takes a changed URL for a new feed and fetches it afresh).
  WORK=$(cd "$BENCH_DIR" && pwd)
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/essaim-bench.XXXXXX") || die "mktemp failed"
  CREATED_WORK=1
fi
say "work dir: $WORK"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ESSAIM_PORT=$(free_port)
NGINX_PORT=$(free_port)
[[ $ESSAIM_PORT != "$NGINX_PORT" ]] || NGINX_PORT=$(free_port)

EXPECTED=$((FEEDS * ITEMS))
CONFIG=$WORK/feeds.toml
{
  echo "# Written by bench/publish.sh."
  echo "[settings]"
  echo "database = \"essaim.db\""
  echo "listen = \"127.0.0.1:$ESSAIM_PORT\""
  echo "# Once a year: the scheduler of \`essaim run\` must not re-read the feeds during the run."
  echo "default_schedule = \"0 0 3 1 1 *\""
  echo "max_body_bytes = 268435456"
  echo "request_timeout_secs = 600"
  for f in $(seq 1 "$FEEDS"); do
    n=$(printf '%02d' "$f")
    echo
    echo "[[feed]]"
    echo "id = \"partner-$n\""
    echo "name = \"Partenaire $n\""
    echo "network = \"Réseau $(((f - 1) % 5 + 1))\""
    echo "url = \"feeds/partner-$n.xml\""
    echo "format = \"rss\""
  done
} >"$CONFIG"
"$ESSAIM" --config "$CONFIG" check >/dev/null || die "essaim check refused $CONFIG"

open_offers() {
  # Sum of the OPEN column of `essaim feeds`.
  "$ESSAIM" --config "$CONFIG" feeds | awk '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "OPEN") col = i; next }
    col { sum += $col } END { print sum + 0 }'
}

OPEN=0
if [[ -f $WORK/essaim.db ]]; then
  OPEN=$(open_offers) || die "essaim feeds failed on the existing $WORK/essaim.db"
fi
if ((OPEN >= EXPECTED * 99 / 100)); then
  say "reusing $WORK/essaim.db: $OPEN open offers"
  KEYWORDS=$(cat "$WORK/keywords.json" 2>/dev/null || echo '{}')
else
  say "generating $FEEDS feeds of $ITEMS offers"
  KEYWORDS=$(timeout 900 python3 "$REPO/bench/gen-offers.py" "$WORK/feeds" --feeds "$FEEDS" --items "$ITEMS") ||
    die "bench/gen-offers.py failed"
  echo "$KEYWORDS" >"$WORK/keywords.json"
  say "fetching them (essaim fetch, at most ${FETCH_TIMEOUT}s; log: $WORK/fetch.log)"
  start=$(date +%s)
  timeout "$FETCH_TIMEOUT" "$ESSAIM" --config "$CONFIG" fetch >"$WORK/fetch.log" 2>&1 ||
    die "essaim fetch failed or timed out; last lines of $WORK/fetch.log: $(tail -5 "$WORK/fetch.log")"
  say "fetched in $(($(date +%s) - start)) s: $(tail -1 "$WORK/fetch.log")"
  OPEN=$(open_offers) || die "essaim feeds failed"
fi
((OPEN >= EXPECTED * 99 / 100)) || die "essaim feeds shows $OPEN open offers, expected about $EXPECTED"
say "open offers: $OPEN; keyword counts: $KEYWORDS"

# ---------------------------------------------------------------- 3. essaim run
step "3. essaim run"
ESSAIM_URL=http://127.0.0.1:$ESSAIM_PORT
"$ESSAIM" --config "$CONFIG" run >"$WORK/run.log" 2>&1 &
ESSAIM_PID=$!
wait_http() { # URL PID NAME
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
wait_http "$ESSAIM_URL/healthz" "$ESSAIM_PID" ||
  die "essaim run did not answer /healthz within 30 s; $WORK/run.log: $(tail -5 "$WORK/run.log")"

# ---------------------------------------------------------------- 4. nginx
step "4. export /feed.rss, start nginx"
DOCROOT=$WORK/docroot
mkdir -p "$DOCROOT" "$WORK/nginx-tmp"
# The first request renders the cache; the second must give the same bytes (stable cache).
curl -fsS --max-time 120 -H 'Accept-Encoding: identity' -o "$DOCROOT/feed.rss.first" "$ESSAIM_URL/feed.rss" ||
  die "GET /feed.rss from essaim failed"
curl -fsS --max-time 60 -H 'Accept-Encoding: identity' -D "$WORK/essaim-feed.headers" \
  -o "$DOCROOT/feed.rss" "$ESSAIM_URL/feed.rss" || die "GET /feed.rss from essaim failed"
cmp -s "$DOCROOT/feed.rss.first" "$DOCROOT/feed.rss" || die "two GET /feed.rss gave different bytes"
rm -f "$DOCROOT/feed.rss.first"
FEED_BYTES=$(stat -c %s "$DOCROOT/feed.rss")
ITEMS_IN_FEED=$(grep -o '<item>' "$DOCROOT/feed.rss" | wc -l)
header() { tr -d '\r' <"$1" | awk -v h="$2" 'BEGIN { IGNORECASE = 1 } tolower($1) == tolower(h) ":" { sub(/^[^:]*: */, ""); print; exit }'; }
ESSAIM_ETAG=$(header "$WORK/essaim-feed.headers" etag)
[[ -n $ESSAIM_ETAG ]] || die "essaim's /feed.rss has no ETag"
say "/feed.rss: $FEED_BYTES bytes, $ITEMS_IN_FEED items, ETag $ESSAIM_ETAG"

USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user root;"
cat >"$WORK/nginx.conf" <<EOF
# Written by bench/publish.sh: nginx serving essaim's /feed.rss as a static file.
$USER_LINE
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
    types { application/rss+xml rss; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/rss+xml;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    access_log off;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $DOCROOT;
        location / { }
    }
}
EOF
"$NGINX" -t -p "$WORK" -c "$WORK/nginx.conf" >"$WORK/nginx-t.log" 2>&1 ||
  die "nginx -t refused $WORK/nginx.conf: $(cat "$WORK/nginx-t.log")"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
NGINX_URL=http://127.0.0.1:$NGINX_PORT
wait_http "$NGINX_URL/feed.rss" "$NGINX_PID" ||
  die "nginx did not serve /feed.rss within 30 s: $(cat "$WORK/nginx.log" "$WORK/nginx-error.log" 2>/dev/null | tail -5)"
curl -fsS --max-time 30 -D "$WORK/nginx-feed.headers" -o "$WORK/nginx-feed.rss" "$NGINX_URL/feed.rss" ||
  die "GET /feed.rss from nginx failed"
cmp -s "$WORK/nginx-feed.rss" "$DOCROOT/feed.rss" || die "nginx does not serve the exported bytes"
NGINX_ETAG=$(header "$WORK/nginx-feed.headers" etag)
[[ -n $NGINX_ETAG ]] || die "nginx's /feed.rss has no ETag"
say "nginx: $(header "$WORK/nginx-feed.headers" content-type), ETag $NGINX_ETAG"

# ---------------------------------------------------------------- 5. measures
step "5. measures"
QUERY_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$QUERY")
API_Q_REGION="/api/offers?q=$QUERY_ENC&region=84"
API_Q="/api/offers?q=$QUERY_ENC"

# check URL WANT_STATUS [HEADER]: one request with curl; prints the body size.
check() {
  local url=$1 want=$2 hdr=${3:-} code
  local args=(-sS --max-time 30 -o "$WORK/check.body" -w '%{http_code}')
  [[ -n $hdr ]] && args+=(-H "$hdr")
  code=$(curl "${args[@]}" "$url") || die "curl $url failed"
  [[ $code == "$want" ]] || die "$url answered $code, expected $want: $(head -c 300 "$WORK/check.body")"
  stat -c %s "$WORK/check.body"
}

# to_ms VALUE: wrk's latency ("812.00us", "1.23ms", "2.01s", "1.5m") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

declare -A RPS P50 P99 NOTE
# measure NAME URL [HEADER]: one wrk run; appends its figures to RPS/P50/P99[NAME].
measure() {
  local name=$1 url=$2 hdr=${3:-} out=$WORK/wrk-$1-$ROUND.txt
  local args=(-t"$THREADS" -c"$CONNECTIONS" --latency --timeout 10s)
  if [[ $hdr == script:* ]]; then
    args+=(-s "${hdr#script:}")
  elif [[ -n $hdr ]]; then
    args+=(-H "$hdr")
  fi
  if ((WARMUP > 0)); then
    timeout $((WARMUP + 30)) wrk "${args[@]}" -d"${WARMUP}s" "$url" >/dev/null 2>&1 ||
      die "wrk warm-up on $url failed"
  fi
  timeout $((DURATION + 60)) wrk "${args[@]}" -d"${DURATION}s" "$url" >"$out" 2>&1 ||
    die "wrk on $url failed: $(tail -5 "$out")"
  local rps p50 p99 bad errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  [[ -n $rps ]] || die "no Requests/sec in $out"
  RPS[$name]+="$rps "
  P50[$name]+="$p50 "
  P99[$name]+="$p99 "
  bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  errors=$(grep -o 'Socket errors:.*' "$out" || true)
  [[ -z $bad && -z $errors ]] || NOTE[$name]+="round $ROUND: ${bad:+$bad non-2xx/3xx; }${errors} "
  say "round $ROUND $name: $rps req/s, p50 $p50 ms, p99 $p99 ms"
  sleep 1
}
# median "v1 v2 ...": the median (mean of the two middle values for an even count).
median() {
  tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

SIZE=$(check "$NGINX_URL/feed.rss" 200)
((SIZE == FEED_BYTES)) || die "nginx /feed.rss: $SIZE bytes, expected $FEED_BYTES"
SIZE=$(check "$ESSAIM_URL/feed.rss" 200)
((SIZE == FEED_BYTES)) || die "essaim /feed.rss (no Accept-Encoding): $SIZE bytes, expected $FEED_BYTES"
check "$NGINX_URL/feed.rss" 304 "If-None-Match: $NGINX_ETAG" >/dev/null
check "$ESSAIM_URL/feed.rss" 304 "If-None-Match: $ESSAIM_ETAG" >/dev/null
check "$ESSAIM_URL$API_Q_REGION" 200 >/dev/null
COUNT_QR=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["count"])' "$WORK/check.body")
check "$ESSAIM_URL$API_Q" 200 >/dev/null
COUNT_Q=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["count"])' "$WORK/check.body")
((COUNT_QR > 0 && COUNT_Q > 0)) || die "the API found nothing for q=$QUERY"
say "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

NAMES=(nginx_feed essaim_feed nginx_304 essaim_304 api_q_region api_q api_varied)
for ROUND in $(seq 1 "$ROUNDS"); do
  measure nginx_feed "$NGINX_URL/feed.rss"
  measure essaim_feed "$ESSAIM_URL/feed.rss"
  measure nginx_304 "$NGINX_URL/feed.rss" "If-None-Match: $NGINX_ETAG"
  measure essaim_304 "$ESSAIM_URL/feed.rss" "If-None-Match: $ESSAIM_ETAG"
  measure api_q_region "$ESSAIM_URL$API_Q_REGION"
  measure api_q "$ESSAIM_URL$API_Q"
  measure api_varied "$ESSAIM_URL/api/offers" "script:$REPO/bench/varied-queries.lua"
done
declare -A MRPS MP50 MP99
for n in "${NAMES[@]}"; do
  MRPS[$n]=$(median "${RPS[$n]}")
  MP50[$n]=$(median "${P50[$n]}")
  MP99[$n]=$(median "${P99[$n]}")
done

kill -0 "$ESSAIM_PID" 2>/dev/null || die "essaim run died during the measures: $(tail -5 "$WORK/run.log")"
# The scheduler must have stayed idle: a fetch during the measures changes what is measured.
FETCHED_DURING=$(grep -c -E 'Feed fetched|Feed fetch failed|Feed is gone' "$WORK/run.log" || true)
kill -0 "$NGINX_PID" 2>/dev/null || die "nginx died during the measures"

# ---------------------------------------------------------------- 6. table
step "6. summary"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
  ok = (op == ">=" ? v >= t : v < t); print (ok ? "met" : "MISSED") }'; }
R_FEED=$(ratio "${MRPS[essaim_feed]}" "${MRPS[nginx_feed]}")
R_304=$(ratio "${MRPS[essaim_304]}" "${MRPS[nginx_304]}")
V_FEED=$(verdict "$R_FEED" ">=" 0.5)
V_304=$(verdict "$R_304" ">=" 1.0)
V_QR=$(verdict "${MP99[api_q_region]}" "<" 20)
V_Q=$(verdict "${MP99[api_q]}" "<" 20)

declare -A LABEL=(
  [nginx_feed]="nginx  GET /feed.rss (static file)"
  [essaim_feed]="essaim GET /feed.rss"
  [nginx_304]="nginx  /feed.rss If-None-Match -> 304"
  [essaim_304]="essaim /feed.rss If-None-Match -> 304"
  [api_q_region]="essaim /api/offers?q=$QUERY&region=84"
  [api_q]="essaim /api/offers?q=$QUERY"
  [api_varied]="essaim /api/offers, a new query each time"
)
declare -A TARGET=(
  [essaim_feed]="essaim/nginx = $R_FEED (target >= 0.5: $V_FEED)"
  [essaim_304]="essaim/nginx = $R_304 (target >= 1.0: $V_304)"
  [api_q_region]="p99 < 20 ms: $V_QR ($COUNT_QR offers a page)"
  [api_q]="p99 < 20 ms: $V_Q ($COUNT_Q offers a page)"
  [api_varied]="not cached: what a query costs to run and render (no target)"
)
{
  echo
  echo "essaim publish benchmark: $OPEN open offers; /feed.rss $FEED_BYTES bytes ($ITEMS_IN_FEED items)"
  echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency; rounds: $ROUNDS (medians; ${WARMUP}s warm-up before each run)"
  echo "$(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ); essaim $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?'); $("$NGINX" -v 2>&1 | sed 's/.*: //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-44s %9s %8s %8s  %s\n' "test" "req/s" "p50 ms" "p99 ms" "target"
  for n in "${NAMES[@]}"; do
    printf '%-44s %9.0f %8s %8s  %s\n' "${LABEL[$n]}" "${MRPS[$n]}" "${MP50[$n]}" "${MP99[$n]}" "${TARGET[$n]:-}"
  done
  if ((ROUNDS > 1)); then
    echo "each round (req/s | p99 ms):"
    for n in "${NAMES[@]}"; do
      printf '  %-12s %s| %s\n' "$n" "${RPS[$n]}" "${P99[$n]}"
    done
  fi
  for n in "${NAMES[@]}"; do
    [[ -z ${NOTE[$n]:-} ]] || echo "WARNING $n: ${NOTE[$n]}"
  done
  ((FETCHED_DURING == 0)) ||
    echo "WARNING: essaim run fetched feeds during the measures ($FETCHED_DURING log lines in $WORK/run.log)"
} | tee "$WORK/summary.txt"
if [[ -n ${RESULTS:-} ]]; then
  {
    printf 'test\treq_per_s\tp50_ms\tp99_ms\n'
    for n in "${NAMES[@]}"; do printf '%s\t%s\t%s\t%s\n' "$n" "${MRPS[$n]}" "${MP50[$n]}" "${MP99[$n]}"; done
  } >"$RESULTS"
fi
STEP="done"
