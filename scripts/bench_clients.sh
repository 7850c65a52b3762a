#!/usr/bin/env bash
# Benchmark `tlsdoctor check --run-clients` against a bash script that starts the very
# same client commands at once and waits for them all, both against a local nginx
# (scripts/bench_server.sh). Issue 11's bound: tlsdoctor's median is at most
# 1.2 x the script's median + 100 ms; this exits 1 when it is broken.
#
# The script is not written by hand: tlsdoctor's runner writes the commands it starts
# (same programs, arguments, variables, working directories and files) to the file
# TLSDOCTOR_RUN_CLIENTS_SCRIPT names (src/machine/run_replay.rs).
#
# Usage: scripts/bench_clients.sh
#   TLSDOCTOR=path/to/tlsdoctor   benchmark that binary instead of building one
#   BENCH_RUNS=N                  runs per command (default 20), in
#   BENCH_ROUNDS=R                rounds (default 5) that alternate which command goes first
#   BENCH_PYTHON="DIR ..."        also run the clients of these venvs/interpreters (--python)
#
# The clients are the ones on PATH (python3 and its requests and pip, node, curl, git,
# java...), the same for both commands. Each trusts the throwaway root through its own
# variable, so it completes a request; Java's cacerts lacks the root, so Java fails
# verification (in both; tlsdoctor still exits 0: a failing client changes the exit
# code only with --require-clients). Nothing leaves the machine: every name resolves to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/bench_server.sh
bench_require hyperfine:hyperfine openssl:openssl nginx:nginx-light curl:curl python3:python3
bench_build
bench_start_nginx

export SSL_CERT_FILE="$root" REQUESTS_CA_BUNDLE="$root" CURL_CA_BUNDLE="$root" \
    NODE_EXTRA_CA_CERTS="$root" PIP_CERT="$root" GIT_SSL_CAINFO="$root" AWS_CA_BUNDLE="$root"
unset SSL_CERT_DIR HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy

# --bundled-roots ROOT, as in bench.sh: the verdict is clean (exit 0), so tlsdoctor does
# what it does for a good server.
check=("$TLSDOCTOR" check "$host:$port" --resolve "$resolve" --bundled-roots "$root" --run-clients --format json)
for python in ${BENCH_PYTHON:-}; do
    check+=(--python "$python")
done

step "sanity run: ${check[*]}"
status=0
TLSDOCTOR_RUN_CLIENTS_SCRIPT="$tmp/clients.sh" "${check[@]}" >"$tmp/check.json" </dev/null || status=$?
if ((status != 0)); then
    echo "bench_clients.sh: tlsdoctor exited $status:" >&2
    head -c 4000 "$tmp/check.json" >&2
    exit 1
fi
# What each client did, and its own time (from start to exit, as the runner measures it).
python3 - "$tmp/check.json" <<'EOF'
import json, sys

for target in json.load(open(sys.argv[1]))["targets"]:
    for c in target.get("clients", []):
        o = c.get("observed")
        if o:
            print(f"    {o['ms']:6d} ms  {o['outcome']:8s} {c['client']}  {o.get('error') or ''}"[:150])
        else:
            print(f"         -     not run  {c['client']}  {c.get('not_run_reason') or ''}"[:150])
EOF
if [[ ! -s $tmp/clients.sh ]]; then
    echo "bench_clients.sh: tlsdoctor wrote no client commands (no client found?)" >&2
    exit 1
fi
echo "    the script starts $(grep -c ' && exec ' "$tmp/clients.sh") client command(s):"
sed -n 's/^(cd .* && exec \('"'"'[^'"'"']*'"'"'\) \('"'"'[^'"'"']*'"'"'\).*/        \1 \2 .../p' "$tmp/clients.sh"
bash "$tmp/clients.sh" || { echo "bench_clients.sh: the script failed" >&2; exit 1; }

# The machine's load drifts (other work, builds): rounds alternate which command goes
# first, and the medians are over every run of every round.
rounds=${BENCH_ROUNDS:-5}
runs=$(((${BENCH_RUNS:-20} + rounds - 1) / rounds))
run_name="tlsdoctor --run-clients"
script_name="script: same commands at once"
for ((r = 1; r <= rounds; r++)); do
    a=(-n "$run_name" "${check[*]}")
    b=(-n "$script_name" "bash $tmp/clients.sh")
    if ((r % 2 == 0)); then
        order=("${b[@]}" "${a[@]}")
    else
        order=("${a[@]}" "${b[@]}")
    fi
    step "hyperfine round $r of $rounds, $runs runs each (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    hyperfine -N --warmup $((r == 1 ? 2 : 0)) --runs "$runs" --style basic \
        --export-json "$tmp/round-$r.json" "${order[@]}" | grep -E '^(Benchmark|  Time|  Range)'
done

step "medians over $((rounds * runs)) runs each (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$run_name" "$script_name" "$tmp"/round-*.json <<'EOF'
import json, statistics, sys

run_name, script_name, files = sys.argv[1], sys.argv[2], sys.argv[3:]
times = {run_name: [], script_name: []}
for f in files:
    for r in json.load(open(f))["results"]:
        times[r["command"]] += r["times"]
run, script = (statistics.median(times[n]) for n in (run_name, script_name))
bound = 1.2 * script + 0.1
print(f"{run * 1000:8.1f} ms  {run_name}")
print(f"{script * 1000:8.1f} ms  {script_name}")
print(f"{bound * 1000:8.1f} ms  bound: 1.2 x script + 100 ms")
print(f"ratio {run / script:.2f} x script; {run * 1000 - script * 1000:+.1f} ms; "
      f"{'within' if run <= bound else 'OVER'} the bound by {abs(bound - run) * 1000:.1f} ms")
sys.exit(0 if run <= bound else 1)
EOF
