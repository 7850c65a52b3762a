#!/usr/bin/env bash
# Benchmark `tlsdoctor check` against curl and openssl s_client, all talking to a
# local nginx that serves a certificate for bench.example.com from a throwaway root.
#
# Usage: scripts/bench.sh
#   TLSDOCTOR=path/to/tlsdoctor   benchmark that binary instead of building one
#   BASELINE=path/to/tlsdoctor    also time this binary (e.g. a build of main), same run
#   BENCH_RUNS=N                  runs per command (default 50), split into rounds
#   BENCH_ROUNDS=R                rounds (default 5) that alternate the order of the commands
#   BENCH_ALLOW_FAILURE=1         benchmark even when a command fails (hyperfine -i)
#
# Nothing leaves the machine: every name resolves to 127.0.0.1 via --resolve.
set -euo pipefail
cd "$(dirname "$0")/.."

# The tools check, the build and the local nginx, shared with bench_clients.sh.
source scripts/bench_server.sh
bench_require hyperfine:hyperfine openssl:openssl nginx:nginx-light curl:curl python3:python3
bench_build
bench_start_nginx

# The commands measured, as (label, command) pairs. The OS-store run must read the
# platform store, not a bundle these variables may point at; the others name their
# roots explicitly, so unsetting the variables for all changes nothing for them.
unset SSL_CERT_FILE SSL_CERT_DIR
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
hyperfine_args=()
named=()
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
    named+=("${benches[i]}" "${benches[i + 1]}")
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

# The machine's speed drifts (other work, its host): hyperfine runs one command's
# runs, then the next's. So the runs are split into rounds that alternate the order of
# the commands, and each median is over every run of every round: tlsdoctor and curl
# are timed under the same conditions.
rounds=${BENCH_ROUNDS:-5}
runs=$(((${BENCH_RUNS:-50} + rounds - 1) / rounds))
for ((r = 1; r <= rounds; r++)); do
    order=()
    for ((i = 0; i < ${#named[@]}; i += 2)); do
        pair=(-n "${named[i]}" "${named[i + 1]}")
        if ((r % 2 == 0)); then
            order=("${pair[@]}" "${order[@]}")
        else
            order+=("${pair[@]}")
        fi
    done
    step "hyperfine, $shell: round $r of $rounds, $runs runs each (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    hyperfine "${hyperfine_args[@]}" --warmup $((r == 1 ? 5 : 1)) --runs "$runs" --style basic \
        --export-json "$tmp/round-$r.json" "${order[@]}" | grep -E '^(Benchmark|  Time|  Range)'
done

step "medians over $((rounds * runs)) runs each, and against curl's"
python3 - "$tmp"/round-*.json <<'EOF'
import json, statistics, sys

times = {}
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
medians = {name: statistics.median(t) for name, t in times.items()}
curl = next(m for name, m in medians.items() if name.startswith("curl"))
for name, m in medians.items():
    print(f"{m * 1000:8.2f} ms  {m / curl:5.2f} x curl  {name}")
EOF

# ---------------------------------------------------------------------------
# Many targets: 100 endpoints that take 300 ms to answer, as remote ones do,
# should cost about what one such endpoint costs (probes run concurrently).
slow_port="$(bench_free_port)"
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
bench_pids+=($!)
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
