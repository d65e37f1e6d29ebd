#!/usr/bin/env bash
# Installs and starts what the test suite needs beyond Python packages; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if ! command -v redis-server >/dev/null 2>&1; then
        apt-get update -q >/dev/null && apt-get install -y -q redis-server >/dev/null
    fi
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# Node.js and the official socket.io client, for the protocol compatibility test.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt-get update -q >/dev/null && apt-get install -y -q nodejs npm >/dev/null
fi
if [ ! -d tests/js/node_modules/socket.io-client ]; then
    (cd tests/js && npm ci --silent --no-audit --no-fund)
fi

# wrk, the HTTP load generator of the fairness test and of bench/read_path.py.
if ! command -v wrk >/dev/null 2>&1; then
    apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null
fi

# Debian's chromium, driven by Playwright for the page tests (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null
fi
