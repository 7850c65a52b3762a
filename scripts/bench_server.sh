# Shared by scripts/bench.sh and scripts/bench_clients.sh (source it; it runs nothing
# by itself): the tools check, the build, and a local nginx serving a certificate for
# bench.example.com from a throwaway root. Nothing leaves the machine.
#
# After `bench_start_nginx`: $tmp (removed on exit), $host, $port, $root (the root's
# PEM), $resolve (HOST:PORT:127.0.0.1 for --resolve).

# nginx lives in /usr/sbin, which is not on a non-root user's PATH.
export PATH="$PATH:/usr/sbin"
step() { printf '\n==> %s\n' "$*"; }

# bench_require CMD:PACKAGE ...: install the missing ones (as root), or stop.
bench_require() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "$(basename "$0"): please install: ${missing[*]}" >&2
        exit 1
    fi
    step "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Sets TLSDOCTOR: the one given, or a fresh release build.
bench_build() {
    if [[ -z ${TLSDOCTOR:-} ]]; then
        step "cargo build --release --locked"
        cargo build --release --locked
        TLSDOCTOR="${CARGO_TARGET_DIR:-target}/release/tlsdoctor"
    fi
}

tmp="$(mktemp -d)"
# Background processes to stop on exit (nginx last, after what talks to it).
bench_pids=()
nginx_pid=""
bench_cleanup() {
    local pid
    for pid in "${bench_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    if [[ -n $nginx_pid ]]; then
        kill "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM # so that the EXIT trap runs on Ctrl-C too

bench_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

host=bench.example.com

# A root and a leaf for $host in $tmp, and nginx serving them on 127.0.0.1:$port.
bench_start_nginx() {
    step "certificates for $host in $tmp"
    # Extensions for both certificates; a well-formed chain keeps strict-profile
    # warnings out of tlsdoctor's work, so it does what it does for a good server.
    cat >"$tmp/ext.cnf" <<EOF
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$host
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    (
        cd "$tmp"
        newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
        serial() { echo "0x$(openssl rand -hex 8)"; }
        newkey root.key
        openssl req -new -key root.key -subj "/O=tlsdoctor bench/CN=tlsdoctor bench root" -out root.csr
        openssl x509 -req -in root.csr -signkey root.key -days 30 -set_serial "$(serial)" \
            -extfile ext.cnf -extensions root -out root.pem 2>/dev/null
        newkey leaf.key
        openssl req -new -key leaf.key -subj "/CN=$host" -out leaf.csr
        openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -days 30 -set_serial "$(serial)" \
            -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null
    )
    root="$tmp/root.pem"

    port="$(bench_free_port)"
    resolve="$host:$port:127.0.0.1"
    step "nginx on 127.0.0.1:$port"
    mkdir -p "$tmp/nginx"
    # Every path nginx writes is inside $tmp, so this runs as any user and leaves no trace.
    # HTTP/2 is on, so tlsdoctor and curl both speak it (ALPN h2): nginx before
    # 1.25.1 takes `http2` on the listen line, later ones `http2 on;`.
    local nginx_version listen_http2
    nginx_version="$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')"
    if [[ "$(printf '%s\n1.25.1\n' "$nginx_version" | sort -V | head -n1)" == 1.25.1 ]]; then
        listen_http2="ssl; http2 on"
    else
        listen_http2="ssl http2"
    fi
    cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$port $listen_http2;
        server_name $host;
        ssl_certificate $tmp/leaf.pem;
        ssl_certificate_key $tmp/leaf.key;
        # nginx before 1.23.4 leaves TLS 1.3 off unless asked.
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 "ok\n"; }
    }
}
EOF
    # -e: the log nginx writes before it has read the configuration.
    nginx -p "$tmp/nginx" -c "$tmp/nginx.conf" -e "$tmp/nginx/error.log" &
    nginx_pid=$!
    local _
    for _ in $(seq 50); do
        if curl -fsS -o /dev/null --cacert "$root" --resolve "$resolve" \
            "https://$host:$port/" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$nginx_pid" 2>/dev/null; then
            echo "$(basename "$0"): nginx did not start:" >&2
            cat "$tmp/nginx/error.log" >&2
            exit 1
        fi
        sleep 0.1
    done
}
