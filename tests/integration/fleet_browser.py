#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""fleet_browser.py — drive ota-server's fleet page in headless Chromium
for tests/integration/test_fleet_page.sh, through chromedriver's W3C
WebDriver HTTP protocol (urllib only: no selenium), and print what the page
shows as JSON.

    fleet_browser.py URL TOKEN WRONG_TOKEN OUT.json [SCREENSHOT.png]

Steps, as a person would take them: open URL/fleet; type WRONG_TOKEN into
the token field and press Show; type TOKEN and press Show; take the
screenshot; open the page again (the token is remembered for the browser
session); press "Forget token"; give the token again, then a wrong one
while the data is shown.  After each step the DOM is read with one
script (tables, chart bars, status line, every element's tag, storage,
the URLs the page fetched) into OUT.json: {"steps": {NAME: {...}}}.

Chromium gets no network but 127.0.0.1: every other host name resolves to
nothing and every other address goes to a dead proxy, and its background
services (updates, sync, metrics) are off.  Exit 0 when every step ran
(what it saw is the suite's to judge), 1 on a driver failure.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# Everything the page shows, in one round trip.
OBSERVE = r"""
const cells = (tr) => Array.from(tr.cells).map((c) => c.textContent);
const rows = (id) => Array.from(document.querySelectorAll('#' + id + ' tbody tr')).map((tr) => ({
  cls: tr.className, data: Object.assign({}, tr.dataset), cells: cells(tr)}));
const tags = {};
for (const e of document.querySelectorAll('*')) tags[e.localName] = (tags[e.localName] || 0) + 1;
return {
  url: location.href,
  title: document.title,
  status: document.getElementById('status').textContent,
  status_class: document.getElementById('status').className,
  data_hidden: document.getElementById('data').hidden,
  summary: document.getElementById('summary').textContent,
  states: document.getElementById('states').textContent,
  floors: document.getElementById('floors').textContent,
  devices_note: document.getElementById('devices-note').textContent,
  releases: rows('releases'),
  roles: rows('roles'),
  devices: rows('devices'),
  vulns: rows('vulns'),
  vulns_hidden: document.getElementById('vulns-section').hidden,
  vulns_note: document.getElementById('vulns-note').textContent,
  bars: Array.from(document.querySelectorAll('#chart svg g.bar')).map((g) => ({
    version: g.dataset.version, count: Number(g.dataset.count), cls: g.getAttribute('class'),
    width: Number(g.querySelector('rect').getAttribute('width'))})),
  notes: Array.from(document.querySelectorAll('#notes li')).map((li) => li.textContent),
  tags: tags,
  xss_fired: window.__xss === 1,
  stored_token: sessionStorage.getItem('ota-admin-token'),
  local_storage: localStorage.length,
  cookie: document.cookie,
  fetched: performance.getEntriesByType('resource').map((e) => e.name),
  body_text: document.body.innerText,
};
"""


class Driver:
    def __init__(self, base):
        self.base = base
        self.sid = None

    def call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read().decode() or "{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read().decode()[:500]))

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.sid, path), body)

    def start(self, profile):
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1900", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions",
                "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                "--disable-breakpad", "--no-pings", "--metrics-recording-only",
                "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--proxy-server=http://127.0.0.1:9"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": shutil.which("chromium") or "/usr/bin/chromium",
                                   "args": args}}}}
        v = self.call("POST", "/session", caps, timeout=120)
        self.sid = v["sessionId"]

    def stop(self):
        if self.sid:
            try:
                self.call("DELETE", "/session/" + self.sid, timeout=30)
            except Exception:
                pass

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text):
        e = self.find(css)
        self.s("POST", "/element/%s/clear" % e, {})
        self.s("POST", "/element/%s/value" % e, {"text": text})

    def click(self, css):
        self.s("POST", "/element/%s/click" % self.find(css), {})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, what, seconds=20):
        end = time.time() + seconds
        while time.time() < end:
            if self.js(script):
                return
            time.sleep(0.1)
        raise RuntimeError("timed out waiting for " + what)

    def screenshot(self, path):
        png = base64.b64decode(self.s("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if len(sys.argv) not in (5, 6):
        sys.stderr.write(__doc__)
        return 2
    url, token, wrong, out = sys.argv[1:5]
    shot = sys.argv[5] if len(sys.argv) == 6 else None
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="ota-fleet-browser.")
    log = open(os.path.join(tmp, "chromedriver.log"), "w")
    cd = subprocess.Popen(["chromedriver", "--port=%d" % port, "--allowed-ips=127.0.0.1"],
                          stdout=log, stderr=subprocess.STDOUT)
    d = Driver("http://127.0.0.1:%d" % port)
    steps = {}
    try:
        end = time.time() + 30
        while True:
            try:
                if d.call("GET", "/status", timeout=5).get("ready"):
                    break
            except Exception:
                pass
            if time.time() > end or cd.poll() is not None:
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.2)
        d.start(os.path.join(tmp, "profile"))
        d.go(url + "/fleet")
        d.wait("return document.readyState === 'complete'", "the page")
        steps["opened"] = d.js(OBSERVE)

        d.type("#token", wrong)
        d.click("#show")
        d.wait("return document.getElementById('status').className === 'error'", "the refusal")
        steps["wrong_token"] = d.js(OBSERVE)

        d.type("#token", token)
        d.click("#show")
        d.wait("return !document.getElementById('data').hidden", "the fleet data")
        steps["shown"] = d.js(OBSERVE)
        if shot:
            d.screenshot(shot)

        d.go(url + "/fleet")
        d.wait("return !document.getElementById('data').hidden", "the data after reopening")
        steps["reopened"] = d.js(OBSERVE)

        d.click("#forget")
        d.wait("return document.getElementById('data').hidden", "forgetting the token")
        steps["forgotten"] = d.js(OBSERVE)

        d.type("#token", token)
        d.click("#show")
        d.wait("return !document.getElementById('data').hidden", "the data again")
        d.type("#token", wrong)
        d.click("#show")
        d.wait("return document.getElementById('status').className === 'error'", "the refusal")
        steps["wrong_after_data"] = d.js(OBSERVE)
    except Exception as e:  # the suite reports a failed step
        steps["error"] = str(e)
    finally:
        d.stop()
        cd.terminate()
        try:
            cd.wait(10)
        except subprocess.TimeoutExpired:
            cd.kill()
            cd.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    with open(out, "w") as f:
        json.dump({"steps": steps}, f, indent=1)
    return 1 if "error" in steps else 0


if __name__ == "__main__":
    sys.exit(main())
