#!/usr/bin/env bash
# Screenshot of two runs compared in the MLflow UI, taken with headless Chromium (Debian: apt-get install chromium).
# Usage: docs/ui_screenshot.sh [TRACKING_URI] [OUTPUT.png]
#   TRACKING_URI  an MLflow store with at least two html runs of the DVC pipeline (default: the project's)
# It starts `mlflow ui` on a free loopback port, picks the two latest `dvc-*-html` runs, opens the run
# comparison page and writes the PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${1:-sqlite:///$PWD/mlflow.db}
OUT=${2:-docs/mlflow-compare.png}
BIN=${BIN:-.venv/bin}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/mlflow" ui --backend-store-uri "$STORE" --host 127.0.0.1 --port "$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
URL=$("$BIN/python" - "$PORT" <<'PY'
import json, sys, urllib.parse, urllib.request

api = f"http://127.0.0.1:{sys.argv[1]}/api/2.0/mlflow"
with urllib.request.urlopen(f"{api}/experiments/get-by-name?experiment_name=chromecut") as answer:
    experiment = json.load(answer)["experiment"]["experiment_id"]
query = {"experiment_ids": [experiment], "filter": "attributes.run_name LIKE 'dvc-%-html'",
         "order_by": ["attributes.start_time DESC"], "max_results": 2}
request = urllib.request.Request(f"{api}/runs/search", data=json.dumps(query).encode(),
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request) as answer:
    runs = [run["info"]["run_id"] for run in json.load(answer)["runs"]]
if len(runs) < 2:
    sys.exit("need two dvc-*-html runs: run the DVC pipeline twice (make smoke; dvc exp run -S ...)")
print(f"http://127.0.0.1:{sys.argv[1]}/#/compare-runs?runs={urllib.parse.quote(json.dumps(runs))}"
      f"&experiments={urllib.parse.quote(json.dumps([experiment]))}")
PY
)
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
    --window-size=1600,1300 --virtual-time-budget=20000 --screenshot="$OUT" "$URL"
echo "wrote $OUT from $URL"
