#!/usr/bin/env bash
# docs/mlflow-compare.png: two training runs that differ in one parameter, compared in the MLflow UI.
#
# Usage: docs/ui_screenshot.sh [TRACKING_URI] [OUTPUT.png]
#   TRACKING_URI  an MLflow store with at least two html runs of the DVC pipeline (default: ./mlflow.db), e.g.
#                 after `make smoke` and `.venv/bin/dvc exp run -S experiment=smoke -S model.num_leaves=15`
#   env RUNS      the runs to compare, an MLflow search filter (default: the two latest `dvc-*-html` runs)
#   env BIN, CHROMIUM   the venv's bin folder (.venv/bin), headless Chromium (Debian: apt-get install chromium)
#
# What the picture shows, on MLflow's run comparison page (#/compare-runs):
#   - the parallel coordinates plot of the parameters that differ between the runs (tracking.* aside, e.g.
#     model.num_leaves 63 vs 15) against test_page_f1/<dataset> for every dataset and, last (it colours the
#     lines), the overall test_page_f1; MLflow keys use `/` where the code writes `.` (tracking.log_metrics);
#   - the Parameters table with "Show diff only" on: the differing parameters and the runs' names;
#   - the Metrics table showing exactly the test_page_f1 rows (no decision threshold, no timings);
#   - the MLflow assistant side panel closed.
#
# How: `mlflow ui` on a free loopback port, headless Chromium driven over the Chrome DevTools Protocol by the
# small stdlib-only Python client below (no extra package, no browser download). Only 127.0.0.1 is contacted.
#   - The UI of MLflow 3.x opens its assistant panel by itself on the first visit of a local server (the
#     localStorage flag mlflow.assistant.fab.autoOpenedOnFirstLoad_v1): the flag, panelOpen_v1=false and the
#     "Model training" sidebar mode are written into localStorage before the app's own scripts run.
#   - The plot's parameter and metric pickers are not in the URL: the script clicks "Clear All", types each key
#     into the pickers and clicks the option, as a person would; then "Show diff only" for the parameters, and
#     collapses "Run details" (the parameters table names the runs in its tracking.run_name row).
#   - Presentation only (values untouched, undone by any re-render): the plot's long axis titles are set on
#     two alternating heights so they do not overlap, and the metrics table (a virtualized grid that MLflow
#     caps at 300 px, about 6 rows) is scrolled to test_page_f1 and made as tall as the test_page_f1 rows.
# It fails when the page does not come out as described (e.g. a new MLflow UI), writing OUTPUT.png untouched
# and OUTPUT.failed.png, the page as it was then. It takes about a minute (half of it mlflow ui starting).
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${1:-sqlite:///$PWD/mlflow.db}
OUT=${2:-docs/mlflow-compare.png}
BIN=${BIN:-.venv/bin}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export RUNS=${RUNS:-"attributes.run_name LIKE 'dvc-%-html'"}
PROFILE=$(mktemp -d)
PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/mlflow" ui --backend-store-uri "$STORE" --host 127.0.0.1 --port "$PORT" >"$PROFILE/mlflow.log" 2>&1 &
SERVER=$!
BROWSER=
cleanup() {
    kill "$SERVER" ${BROWSER:+"$BROWSER"} 2>/dev/null || true
    wait "$SERVER" ${BROWSER:+"$BROWSER"} 2>/dev/null || true
    rm -rf "$PROFILE"
}
trap cleanup EXIT
# --remote-debugging-port=0: Chromium picks a free port and writes it to $PROFILE/DevToolsActivePort.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --no-default-browser-check \
    --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
    --hide-scrollbars --user-data-dir="$PROFILE/chromium" --remote-debugging-address=127.0.0.1 \
    --remote-debugging-port=0 about:blank >"$PROFILE/chromium.log" 2>&1 &
BROWSER=$!
# `mlflow ui` of MLflow 3 takes 10 to 30 s to start.
for _ in $(seq 240); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$PROFILE/mlflow.log" >&2; echo "mlflow ui did not start" >&2; exit 1; }
"$BIN/python" - "$PORT" "$PROFILE/chromium/DevToolsActivePort" "$OUT" <<'PY'
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.parse
import urllib.request

port, devtools_port_file, out = sys.argv[1:]
ui = f"http://127.0.0.1:{port}"
api = f"{ui}/api/2.0/mlflow"
WIDTH = 1600          # CSS px of the page; the PNG is cut at the bottom of the metrics table
PRIMARY = "test_page_f1"
ROW = 45              # MLflow's metrics grid row height (px)


def call(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{api}/{path}", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


# ---- the two runs, the parameters that differ, the test_page_f1 metrics ---------------------------------
experiment = call("experiments/get-by-name?experiment_name=chromecut")["experiment"]["experiment_id"]
found = call("runs/search", {"experiment_ids": [experiment], "filter": os.environ["RUNS"],
                             "order_by": ["attributes.start_time DESC"], "max_results": 2})["runs"]
if len(found) < 2:
    sys.exit("need two runs matching " + os.environ["RUNS"] + ": run the DVC pipeline twice "
             "(make smoke; .venv/bin/dvc exp run -S experiment=smoke -S model.num_leaves=15)")
params = [{p["key"]: p["value"] for p in run["data"].get("params", [])} for run in found]
metrics = [{m["key"] for m in run["data"].get("metrics", [])} for run in found]
differing = sorted(k for k in set(params[0]) | set(params[1])
                   if not k.startswith("tracking.") and params[0].get(k) != params[1].get(k))
if not differing:
    sys.exit("the two runs have the same parameters")
shared = metrics[0] & metrics[1]
per_dataset = sorted(k for k in shared if k.startswith(PRIMARY + "/"))
if PRIMARY not in shared:
    sys.exit(f"the runs have no {PRIMARY} metric")
plotted = [*per_dataset, PRIMARY]           # the last axis colours the lines
all_metric_keys = sorted(metrics[0] | metrics[1])  # the metrics table's order (MLflow sorts the keys)
first_row = all_metric_keys.index(PRIMARY)
rows = [k for k in all_metric_keys if k == PRIMARY or k.startswith(PRIMARY + "/")]  # the table's rows
assert all_metric_keys[first_row:first_row + len(rows)] == rows, all_metric_keys
run_ids = [run["info"]["run_id"] for run in found]
names = [run["info"].get("run_name", "") for run in found]
url = (f"{ui}/#/compare-runs?runs={urllib.parse.quote(json.dumps(run_ids))}"
       f"&experiments={urllib.parse.quote(json.dumps([experiment]))}")


# ---- a minimal Chrome DevTools Protocol client (one websocket, text frames) ----------------------------
class DevTools:
    def __init__(self, ws_url: str) -> None:
        parts = urllib.parse.urlparse(ws_url)
        assert parts.hostname == "127.0.0.1", ws_url
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: 127.0.0.1:{parts.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self._read(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            sys.exit(f"devtools handshake failed: {head!r}")
        self.last_id = 0

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("devtools closed the connection")
            data += chunk
        return data

    def _message(self) -> dict:
        data = b""
        while True:
            first, second = self._read(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(size)
            opcode = first & 0x0F
            if opcode == 8:
                raise ConnectionError("devtools closed the connection")
            if opcode in (9, 10):            # ping, pong
                continue
            data += payload
            if first & 0x80:                 # last fragment
                return json.loads(data)

    def __call__(self, method: str, **params) -> dict:
        self.last_id += 1
        message = json.dumps({"id": self.last_id, "method": method, "params": params}).encode()
        size = len(message)
        if size < 126:
            head = struct.pack(">BB", 0x81, 0x80 | size)
        elif size < 65536:
            head = struct.pack(">BBH", 0x81, 0x80 | 126, size)
        else:
            head = struct.pack(">BBQ", 0x81, 0x80 | 127, size)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(message)))
        while True:                          # events that arrive meanwhile are dropped
            answer = self._message()
            if answer.get("id") == self.last_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def js(self, expression: str):
        result = self("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, what: str, seconds: float = 60):
        end = time.time() + seconds
        while time.time() < end:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.25)
        self.fail(f"timed out waiting for {what}")

    def fail(self, message: str) -> None:
        failed = out.removesuffix(".png") + ".failed.png"
        with open(failed, "wb") as f:
            f.write(base64.b64decode(self("Page.captureScreenshot", format="png")["data"]))
        sys.exit(f"{message} (the page as it was: {failed})")

    def click(self, element: str, what: str) -> None:
        """A real mouse click in the middle of the element the JS expression finds, once it stays put."""
        where = (f"(() => {{ const e = {element}; if (!e) return null; e.scrollIntoView({{block: 'nearest'}});"
                 f" const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
        before = None
        for _ in range(40):                  # dropdowns move while they open and as the picker grows
            now = self.wait(where, what, 20)
            if now == before:
                break
            before = now
            time.sleep(0.15)
        x, y = now
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        time.sleep(0.3)

    def key(self, name: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self("Input.dispatchKeyEvent", type=kind, key=name, code=name, windowsVirtualKeyCode=code)


for _ in range(200):
    try:
        with open(devtools_port_file) as f:
            browser_port = int(f.readline())
        with urllib.request.urlopen(f"http://127.0.0.1:{browser_port}/json/list") as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        break
    except (OSError, ValueError, StopIteration):
        time.sleep(0.1)
else:
    sys.exit("headless chromium did not start")
tab = DevTools(page["webSocketDebuggerUrl"])
tab("Page.enable")
tab("Emulation.setDeviceMetricsOverride", width=WIDTH, height=2400, deviceScaleFactor=1, mobile=False)
tab("Page.addScriptToEvaluateOnNewDocument", source="""
    localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');
    localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
    localStorage.setItem('mlflow.workflowType_v1', '"machine_learning"');
""")
tab("Page.navigate", url=url)

# ---- the plot: the differing parameters against the test_page_f1 metrics ------------------------------
PANEL = "document.querySelector('[id$=content-parallel-coordinates-plot]')"
tab.wait(f"!!({PANEL} && {PANEL}.querySelector('.pcp-plot .parcoords .axis-title'))", "the parallel coordinates plot")
tab.click(f"[...{PANEL}.querySelectorAll('button')].find(b => b.innerText.trim() == 'Clear All')", "Clear All")
for picker, keys in ((0, differing), (1, plotted)):
    tab.click(f"{PANEL}.querySelectorAll('.du-bois-light-select-selector')[{picker}]", "a picker")
    chosen = (f"[...{PANEL}.querySelectorAll('.du-bois-light-select-selector')[{picker}]"
              ".querySelectorAll('.du-bois-light-select-selection-item-content')].map(t => t.textContent)")
    for key in keys:
        for _ in range(3):
            # A missed click leaves the key typed in the search box: empty it as React sees input.
            tab.js(f"(() => {{ const i = {PANEL}.querySelectorAll('.du-bois-light-select-selection-search-input')"
                   f"[{picker}]; if (!i.value) return;"
                   " Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(i, '');"
                   " i.dispatchEvent(new Event('input', {bubbles: true})); })()")
            tab("Input.insertText", text=key)
            tab.click("[...document.querySelectorAll('.du-bois-light-select-dropdown"
                      ":not(.du-bois-light-select-dropdown-hidden) .du-bois-light-select-item-option')]"
                      f".find(o => o.textContent.trim() == {json.dumps(key)})", key)
            if key in tab.js(chosen):
                break
        else:
            tab.fail(f"could not pick {key}")
    tab.key("Escape", 27)
titles = f"[...{PANEL}.querySelectorAll('.pcp-plot .parcoords .y-axis .axis-title')].map(t => t.textContent)"
tab.wait(f"JSON.stringify({titles}) == {json.dumps(json.dumps(differing + plotted, separators=(',', ':')))}",
         "the plot's axes " + ", ".join(differing + plotted), 20)
tab.click("[...document.querySelectorAll('h2')].find(h => h.textContent.startsWith('Comparing'))", "the title")  # blur
time.sleep(1)

# ---- the tables: parameters that differ, the test_page_f1 rows of the metrics ----------------------------
SECTION = ("[...document.querySelectorAll('.du-bois-light-collapse-item')]"
           ".find(i => i.querySelector('.du-bois-light-collapse-header').textContent.trim() == {!r})").format
tab.click(f"{SECTION('Parameters')}.querySelector('[role=switch]')", "Parameters - Show diff only")
tab.click(f"{SECTION('Run details')}.querySelector('.du-bois-light-collapse-header')", "Run details")
shown = tab.wait(f"(() => {{ const rows = [...{SECTION('Parameters')}.querySelectorAll('tr th')]"
                 ".map(t => t.textContent.trim()); return rows.length ? rows : null; })()", "the parameters table")
if not set(differing) <= set(shown):
    tab.fail(f"the parameters table shows {shown}, not {differing}")
GRIDS = f"{SECTION('Metrics')}.querySelectorAll('.ReactVirtualized__Grid')"
tab.js(f"(() => {{ const g = {GRIDS}; g[g.length - 1].scrollTop = {first_row * ROW}; }})()")
time.sleep(0.5)
# The grids render their visible rows plus 10 more (react-virtualized's overscan): make them as tall as the
# test_page_f1 rows (the containers, whose height is set by the grids, follow).
tab.js(f"(() => {{ for (const g of {GRIDS}) {{"
       f" g.style.height = '{len(rows) * ROW}px'; g.scrollTop = {first_row * ROW}; }} }})()")
time.sleep(0.5)
# Long axis titles overlap: every second one goes up a line, above the plot's own top margin.
tab.js(f"""(() => {{ const plot = {PANEL}.querySelector('.pcp-plot');
    [plot.parentElement, ...plot.querySelectorAll('svg')].forEach(e => e.style.overflow = 'visible');
    plot.querySelectorAll('.parcoords .y-axis .axis-title').forEach((t, i) => {{
        if (i % 2) t.setAttribute('transform', (t.getAttribute('transform') || '') + ' translate(0,-18)');
    }}); }})()""")

# ---- checks, then the picture -----------------------------------------------------------------------------
if tab.js("!!document.querySelector('[data-component-id^=\"mlflow.assistant.chat_panel\"]')"):
    tab.fail("the assistant panel is open")
# The metrics table as shown: its names, and its values against the API's (MLflow rounds to 3 decimals).
VALUES = f"""(() => {{
    const grids = {GRIDS}, names = grids[0], values = grids[grids.length - 1];
    const inside = (e, g) => {{ const r = e.getBoundingClientRect(), b = g.getBoundingClientRect();
        return r.height > 0 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1; }};
    const cells = [...values.querySelectorAll('.ReactVirtualized__Grid__innerScrollContainer > div')]
        .filter(c => inside(c, values))
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top
                        || a.getBoundingClientRect().left - b.getBoundingClientRect().left);
    return {{names: [...names.querySelectorAll('a')].filter(a => inside(a, names)).map(a => a.textContent.trim()),
             values: cells.map(c => c.textContent.trim())}}; }})()"""
latest = [{m["key"]: m["value"] for m in run["data"]["metrics"]} for run in found]
expected = [latest[i].get(key) for key in rows for i in range(2)]   # None: no such metric, an empty cell


def check_table() -> None:
    table = tab.js(VALUES)
    if table["names"] != rows:
        tab.fail(f"the metrics table shows {table['names']}, not {rows}")
    if len(table["values"]) != len(expected) or any(
            shown != "" if value is None else abs(float(shown) - value) > 0.001
            for shown, value in zip(table["values"], expected, strict=True)):
        tab.fail(f"the metrics table's values {table['values']} are not {expected}")


check_table()
bottom = tab.js(f"{SECTION('Metrics')}.getBoundingClientRect().bottom") + 6
if tab.js("window.scrollY") or bottom > tab.js("window.innerHeight"):
    tab.fail("the page does not fit the window")
# Within the window (captureBeyondViewport would resize it, and the page would lay itself out anew).
shot = tab("Page.captureScreenshot", format="png", clip={"x": 0, "y": 0, "width": WIDTH, "height": bottom, "scale": 1})
check_table()
with open(out, "wb") as f:
    f.write(base64.b64decode(shot["data"]))
print(f"wrote {out}: {' vs '.join(names)}; parameters {', '.join(differing)}; metrics {', '.join(rows)}; from {url}")
PY
