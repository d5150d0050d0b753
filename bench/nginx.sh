# bench/nginx.sh: sourced by the benchmarks that serve generated feeds (bench/ingest.sh,
# bench/ratio.sh). Defines:
#   serve_static DIR ROOT PORT   nginx serving ROOT's files on 127.0.0.1:PORT (ETag and
#                                Last-Modified), its configuration and logs in DIR; sets
#                                NGINX_PID and waits until the server answers.
#   stop_static                  stops it (call from the EXIT trap).
# NGINX (the binary) and PY (python3) must be set.

NGINX_PID=""

serve_static() {
  local dir=$1 root=$2 port=$3 user_line=""
  mkdir -p "$dir/nginx-tmp"
  [[ $(id -u) == 0 ]] && user_line="user root;"
  cat >"$dir/nginx.conf" <<CONF
# Written by bench/nginx.sh: the partner feeds as static files (ETag and Last-Modified).
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
    types { application/rss+xml xml; application/atom+xml atom; application/json json; }
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    etag on;
    client_body_temp_path $dir/nginx-tmp/body;
    proxy_temp_path $dir/nginx-tmp/proxy;
    fastcgi_temp_path $dir/nginx-tmp/fastcgi;
    uwsgi_temp_path $dir/nginx-tmp/uwsgi;
    scgi_temp_path $dir/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $root;
        location / { }
    }
}
CONF
  "$NGINX" -t -p "$dir" -c "$dir/nginx.conf" >"$dir/nginx-t.log" 2>&1 ||
    die "nginx -t refused $dir/nginx.conf: $(cat "$dir/nginx-t.log")"
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/nginx.log" 2>&1 &
  NGINX_PID=$!
  local first
  first=$(cd "$root" && ls | head -1)
  for _ in $(seq 1 100); do
    "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/$first', timeout=1)" 2>/dev/null && return 0
    sleep 0.1
  done
  die "nginx did not answer on 127.0.0.1:$port; see $dir/nginx-error.log"
}

stop_static() {
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -TERM "$NGINX_PID"
    wait "$NGINX_PID" 2>/dev/null
  fi
  return 0
}

# A free port on 127.0.0.1.
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
