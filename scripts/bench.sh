#!/usr/bin/env bash
# Benchmark `tlsdoctor check` against curl and openssl s_client, all talking to a
# local nginx that serves a certificate for bench.example.com from a throwaway root.
#
# Usage: scripts/bench.sh
#   TLSDOCTOR=path/to/tlsdoctor   benchmark that binary instead of building one
#   BASELINE=path/to/tlsdoctor    also time this binary (e.g. a build of main), same run
#   BENCH_RUNS=N                  runs per command (default 50)
#   BENCH_ALLOW_FAILURE=1         benchmark even when a command fails (hyperfine -i)
#
# Nothing leaves the machine: every name resolves to 127.0.0.1 via --resolve.
set -euo pipefail
cd "$(dirname "$0")/.."

# nginx lives in /usr/sbin, which is not on a non-root user's PATH.
export PATH="$PATH:/usr/sbin"
step() { printf '\n==> %s\n' "$*"; }

missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v openssl >/dev/null || missing+=(openssl)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "bench.sh: please install: ${missing[*]}" >&2
        exit 1
    fi
    step "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -z ${TLSDOCTOR:-} ]]; then
    step "cargo build --release --locked"
    cargo build --release --locked
    TLSDOCTOR=target/release/tlsdoctor
fi

tmp="$(mktemp -d)"
nginx_pid=""
slow_pid=""
cleanup() {
    if [[ -n $slow_pid ]]; then
        kill "$slow_pid" 2>/dev/null || true
    fi
    if [[ -n $nginx_pid ]]; then
        kill "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that the EXIT trap runs on Ctrl-C too

host=bench.example.com
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

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "nginx on 127.0.0.1:$port"
mkdir -p "$tmp/nginx"
# Every path nginx writes is inside $tmp, so this runs as any user and leaves no trace.
# HTTP/2 is on, so tlsdoctor and curl both speak it (ALPN h2): nginx before
# 1.25.1 takes `http2` on the listen line, later ones `http2 on;`.
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
for _ in $(seq 50); do
    if curl -fsS -o /dev/null --cacert "$tmp/root.pem" --resolve "$host:$port:127.0.0.1" \
        "https://$host:$port/" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "bench.sh: nginx did not start:" >&2
        cat "$tmp/nginx/error.log" >&2
        exit 1
    fi
    sleep 0.1
done

# The commands measured, as (label, command) pairs. The OS-store run must read the
# platform store, not a bundle these variables may point at; the others name their
# roots explicitly, so unsetting the variables for all changes nothing for them.
unset SSL_CERT_FILE SSL_CERT_DIR
root="$tmp/root.pem"
resolve="$host:$port:127.0.0.1"
benches=(
    "tlsdoctor (--os-roots ROOT)"
    "$TLSDOCTOR check $host:$port --resolve $resolve --bundled-roots $root --os-roots $root"
    "tlsdoctor (machine OS store, SSL_CERT_* unset)"
    "$TLSDOCTOR check $host:$port --resolve $resolve --bundled-roots $root"
    "curl (GET /, HTTP/2)"
    "curl -sS -o /dev/null --cacert $root --resolve $resolve https://$host:$port/"
    "openssl s_client (handshake only)"
    "openssl s_client -connect 127.0.0.1:$port -servername $host -verify_hostname $host -CAfile $root -verify_return_error -brief"
)
if [[ -n ${BASELINE:-} ]]; then
    benches+=(
        "baseline $BASELINE (--os-roots ROOT)"
        "$BASELINE check $host:$port --resolve $resolve --bundled-roots $root --os-roots $root"
    )
fi

# Run each once first: a failing command would only be timed, never shown, by hyperfine.
step "sanity run"
hyperfine_args=(--warmup 5 --runs ${BENCH_RUNS:-50} --export-json "$tmp/bench.json" --export-markdown "$tmp/bench.md")
failed=0
for ((i = 0; i < ${#benches[@]}; i += 2)); do
    if out="$(bash -c "${benches[i + 1]}" </dev/null 2>&1)"; then
        echo "ok      ${benches[i]}"
    else
        echo "FAILED  ${benches[i]} (exit $?): ${benches[i + 1]}"
        failed=1
    fi
    # What it printed (tlsdoctor's verdict, s_client's summary), first lines only.
    [[ -z $out ]] || head -n 12 <<<"$out" | sed 's/^/    | /'
    hyperfine_args+=(-n "${benches[i]}" "${benches[i + 1]}")
done
# Both sides must really speak HTTP/2, or the comparison is not the one claimed.
if ! $TLSDOCTOR check $host:$port --resolve $resolve --bundled-roots $root --os-roots $root \
    --format json | grep -q '"protocol": *"h2"'; then
    echo "FAILED  tlsdoctor did not speak HTTP/2 to nginx"
    failed=1
fi
if [[ "$(curl -sS -o /dev/null -w '%{http_version}' --cacert $root --resolve $resolve https://$host:$port/)" != 2 ]]; then
    echo "FAILED  curl did not speak HTTP/2 to nginx (built without nghttp2?)"
    failed=1
fi
if ((failed)); then
    [[ ${BENCH_ALLOW_FAILURE:-} == 1 ]] || { echo "bench.sh: a command failed (BENCH_ALLOW_FAILURE=1 times it anyway)" >&2; exit 1; }
    hyperfine_args+=(-i)
fi
# -N (hyperfine >= 1.13) runs commands without a shell, keeping its start-up out of the numbers.
shell="through a shell"
if [[ $(hyperfine --help) == *$'\n    -N'* ]]; then
    hyperfine_args+=(-N)
    shell="without a shell"
fi

step "hyperfine, $shell"
hyperfine "${hyperfine_args[@]}"

step "results (markdown)"
cat "$tmp/bench.md"

step "medians"
python3 - "$tmp/bench.json" <<'EOF'
import json, sys

for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['median'] * 1000:8.2f} ms  {r['command']}")
EOF

# ---------------------------------------------------------------------------
# Many targets: 100 endpoints that take 300 ms to answer, as remote ones do,
# should cost about what one such endpoint costs (probes run concurrently).
slow_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "a relay on 127.0.0.1:$slow_port that waits 300 ms before passing a connection to nginx"
python3 - "$slow_port" "$port" <<'EOF' &
import asyncio, sys

listen, upstream = int(sys.argv[1]), int(sys.argv[2])

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

async def handle(client_reader, client_writer):
    await asyncio.sleep(0.3)  # the round trips of a distant server
    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
    await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=1024)
    async with server:
        await server.serve_forever()

asyncio.run(main())
EOF
slow_pid=$!
# Wait until the relay listens (a fixed sleep is too short on a busy machine).
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$slow_port") 2>/dev/null; then
        break
    fi
    sleep 0.1
done
for _ in $(seq 100); do echo "$host:$slow_port"; done >"$tmp/targets.txt"
slow_resolve="$host:$slow_port:127.0.0.1"
one="$TLSDOCTOR check $host:$slow_port --resolve $slow_resolve --bundled-roots $root --os-roots $root"
hundred="$TLSDOCTOR check --targets-file $tmp/targets.txt --resolve $slow_resolve --bundled-roots $root --os-roots $root --quiet"
bash -c "$hundred" || { echo "bench.sh: the 100-target run failed" >&2; exit 1; }
hyperfine --warmup 1 --runs 10 --export-json "$tmp/many.json" \
    -n "1 slow target" "$one" -n "100 slow targets" "$hundred"
python3 - "$tmp/many.json" <<'EOF'
import json, sys

results = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
one, hundred = results["1 slow target"], results["100 slow targets"]
print(f"{one * 1000:8.1f} ms  1 slow target")
print(f"{hundred * 1000:8.1f} ms  100 slow targets  ({hundred / one:.2f}x one target)")
EOF
