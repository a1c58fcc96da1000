#!/usr/bin/env python3
"""Loads a page in headless Chromium with scripts off, as a device `width` CSS pixels wide,
and prints what the page's layout came to as one JSON line: the document's scrollWidth and
clientWidth (wider content means sideways scrolling), the text of the console and log entries
(a blocked load or a policy violation is one), and, with a third argument, saves a full-page
screenshot there. Scripts are off for the page (Emulation.setScriptExecutionDisabled);
Runtime.evaluate reads the layout from DevTools, which that does not stop.

usage: page_width.py CHROMIUM URL WIDTH [SCREENSHOT.png]
Needs the websocket-client package (pip install websocket-client)."""
import base64, json, shutil, subprocess, sys, tempfile, urllib.request

import websocket

chromium, url, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
screenshot = sys.argv[4] if len(sys.argv) > 4 else None
profile = tempfile.mkdtemp(prefix="vitals-chromium-")
browser = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-javascript", "--remote-debugging-port=0",
     "--user-data-dir=" + profile, f"--window-size={width},900", "about:blank"],
    stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
try:
    endpoint = None
    for line in browser.stderr:
        if "DevTools listening on" in line:
            endpoint = line.split(" on ", 1)[1].strip()
            break
    if endpoint is None:
        sys.exit("chromium did not open its DevTools port")
    port = endpoint.split(":")[2].split("/")[0]
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=30))
    page = next(t for t in targets if t["type"] == "page")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
    log, seq, loaded = [], 0, False

    def note(message):
        global loaded
        method = message.get("method")
        if method == "Log.entryAdded":
            entry = message["params"]["entry"]
            # The browser asks for /favicon.ico on its own; the page names no resource.
            if not entry.get("url", "").endswith("/favicon.ico"):
                log.append(entry.get("text", "") + (" " + entry["url"] if entry.get("url") else ""))
        elif method == "Runtime.consoleAPICalled":
            log.append(" ".join(str(a.get("value", "")) for a in message["params"]["args"]))
        elif method == "Page.loadEventFired":
            loaded = True

    def call(method, **params):
        global seq
        seq += 1
        ws.send(json.dumps({"id": seq, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == seq:
                if "error" in message:
                    sys.exit(f"{method}: {message['error']}")
                return message["result"]
            note(message)

    for domain in ("Page", "Log", "Runtime"):
        call(domain + ".enable")
    call("Emulation.setScriptExecutionDisabled", value=True)
    call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 700)
    call("Page.navigate", url=url)
    while not loaded:
        note(json.loads(ws.recv()))
    result = call("Runtime.evaluate", returnByValue=True, expression=(
        "({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,"
        " height: document.documentElement.scrollHeight})"))
    values = result["result"]["value"]
    if screenshot:
        shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    values["log"] = log
    print(json.dumps(values))
finally:
    browser.kill()
    browser.wait()
    shutil.rmtree(profile, ignore_errors=True)
