// SPDX-License-Identifier: Apache-2.0
// fleet.js — ota-server's fleet page: asks for the admin token, fetches
// /v1/fleet with it as a bearer token, and draws the releases, the expiry
// of each role, the devices and a chart of devices per version.
//
// Rules: the token lives in sessionStorage only (never in a URL, a cookie
// or localStorage) and goes nowhere but the Authorization header of a
// same-origin request; every string from the server (device ids, errors,
// versions, target paths) is put into the page with textContent or as an
// attribute value, never parsed as HTML (the Content-Security-Policy's
// Trusted Types make innerHTML throw, so a slip fails loudly).
'use strict';

(function () {
  const KEY = 'ota-admin-token';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  // An element with a class and text; children appended as given.
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs || {})) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function row(cells, cls) {
    const tr = el('tr', cls);
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', null, c));
    return tr;
  }
  function td(text, cls) { return el('td', cls, text); }

  function status(text, error) {
    const s = $('status');
    s.textContent = text;
    s.className = error ? 'error' : '';
  }

  // 90 -> "1 min", 7200 -> "2 h", 3 days -> "3 d"
  function duration(sec) {
    const s = Math.abs(sec);
    if (s < 60) return Math.round(s) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 2 * 86400) return Math.floor(s / 3600) + ' h';
    return Math.floor(s / 86400) + ' d';
  }
  function size(n) {
    if (typeof n !== 'number') return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    if (n < 1024 * 1024 * 1024) return (n / 1048576).toFixed(1) + ' MiB';
    return (n / 1073741824).toFixed(2) + ' GiB';
  }
  function clear(node) { node.replaceChildren(); }

  // ---- rendering ------------------------------------------------------------

  function renderSummary(doc) {
    const total = doc.total || 0;
    $('summary').textContent = total + (total === 1 ? ' device' : ' devices') + ', ' +
      (doc.behind || 0) + ' behind the newest release for their hardware · as of ' + doc.now;
    const parts = (doc.states || []).map((s) => (s.state === null ? '?' : s.state) + ' ' + s.count);
    $('states').textContent = parts.length ? 'Last result: ' + parts.join(' · ') : '';
  }

  function newestVersions(doc) {
    const set = new Set();
    for (const hw of Object.keys(doc.newest || {})) set.add(doc.newest[hw].version);
    return set;
  }

  // Horizontal bars, one per installed version (newest first), built as SVG.
  function renderChart(doc) {
    const box = $('chart');
    clear(box);
    const bars = (doc.versions || []).map((v) => ({ label: v.version === null ? '?' : v.version,
                                                    version: v.version, count: v.count }));
    if (doc.other_versions > 0)
      bars.push({ label: 'other versions', version: null, count: doc.other_versions, other: true });
    if (bars.length === 0) {
      box.appendChild(el('p', null, 'No device has reported yet.'));
      return;
    }
    const newest = newestVersions(doc);
    const max = Math.max(...bars.map((b) => b.count), 1);
    const labelW = 150, barW = 480, h = 24, gap = 6, top = 4;
    const width = labelW + barW + 70, height = top * 2 + bars.length * (h + gap);
    const s = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height,
                           role: 'img', 'aria-label': 'devices per installed version' });
    bars.forEach((b, i) => {
      const y = top + i * (h + gap);
      const w = Math.max(2, Math.round(barW * b.count / max));
      const g = svg('g', { class: 'bar' + (b.other ? ' other' : '') +
                                  (newest.has(b.version) ? ' newest' : '') });
      g.dataset.version = b.label;
      g.dataset.count = String(b.count);
      g.appendChild(svg('title', {}, b.label + ': ' + b.count + (b.count === 1 ? ' device' : ' devices')));
      g.appendChild(svg('text', { x: labelW - 8, y: y + h / 2 + 4, 'text-anchor': 'end', class: 'label' },
                        b.label.length > 22 ? b.label.slice(0, 21) + '…' : b.label));
      g.appendChild(svg('rect', { x: labelW, y: y, width: w, height: h, rx: 3, class: 'fill' }));
      g.appendChild(svg('text', { x: labelW + w + 6, y: y + h / 2 + 4, class: 'count' }, b.count));
      s.appendChild(g);
    });
    box.appendChild(s);
    box.appendChild(el('p', 'legend', 'Green: the newest release for some hardware.'));
  }

  function renderReleases(doc) {
    const body = $('releases').tBodies[0];
    clear(body);
    const newest = doc.newest || {};
    for (const r of doc.releases || []) {
      const ver = td(r.version, 'version');
      const isNewest = Object.keys(newest).some((hw) => newest[hw].path === r.path);
      if (isNewest) ver.appendChild(el('span', 'badge newest', 'newest'));
      const floor = (doc.floors || {})[r.name];
      let channels, rollout;
      if (r.valid) {
        channels = td((r.channels || []).join(', '));
        rollout = td(r.rollout + ' %', 'num');
        if (r.rollout === 0) rollout.appendChild(el('span', 'badge paused', 'paused'));
      } else {
        channels = td('invalid: ' + r.error, 'err');
        rollout = td('');
      }
      const tr = row([td(r.name), ver, td((r.hardware || []).join(', ')), channels, rollout,
                      td(size(r.length), 'num'),
                      td(r.path + (r.role !== 'targets' ? ' (role ' + r.role + ')' : ''), 'mono')],
                     r.valid ? 'release' : 'release invalid');
      tr.dataset.path = r.path;
      if (floor && r.valid) tr.title = 'floor for ' + r.name + ': ' + floor;
      body.appendChild(tr);
    }
    if ((doc.releases || []).length === 0)
      body.appendChild(row([el('td', null, 'No release is published.')]));
    const f = Object.keys(doc.floors || {}).map((n) => n + ' ≥ ' + doc.floors[n]);
    $('floors').textContent = f.length ? 'Floors (no device installs below): ' + f.join(', ') : '';
  }

  function renderRoles(doc) {
    const body = $('roles').tBodies[0];
    clear(body);
    for (const r of doc.roles || []) {
      let tr;
      if (r.error) {
        tr = row([td(r.role), td(''), td(r.error, 'err'), td(''), td(r.file, 'mono')], 'role error');
      } else {
        const left = r.seconds_left;
        // timestamp is re-signed hourly (ota-sign renew): less than an hour
        // left means the renewal stopped; any other role: less than a day
        const soon = r.role === 'timestamp' ? 3600 : 86400;
        const cls = left <= 0 ? 'expired' : left < soon ? 'soon' : '';
        tr = row([td(r.role), td(r.version, 'num'), td(r.expires),
                  td(left <= 0 ? 'expired ' + duration(left) + ' ago' : duration(left)),
                  td(r.file, 'mono')], ('role ' + cls).trim());
      }
      tr.dataset.role = r.role;
      body.appendChild(tr);
    }
  }

  function renderDevices(doc) {
    const body = $('devices').tBodies[0];
    clear(body);
    const now = Date.parse(doc.now);
    const list = doc.devices || [];
    for (const d of list) {
      const inst = td(d.installed_version, 'installed');
      if (d.below_floor) inst.appendChild(el('span', 'badge floor', 'below floor'));
      const seen = Date.parse(d.last_seen);
      const ago = Number.isNaN(seen) || Number.isNaN(now) ? d.last_seen
        : duration(Math.max(0, (now - seen) / 1000)) + ' ago';
      const last = td(ago);
      last.title = d.last_seen;
      const cls = ['device'];
      if (d.behind) cls.push('behind');
      if (d.below_floor) cls.push('below-floor');
      const tr = row([td(d.device_id, 'mono'), td(d.hardware_id), inst, td(d.newest === null ? '' : d.newest),
                      td(d.result, 'state state-' + d.result), td(d.error, 'err'), last,
                      td(d.reports, 'num'), td(d.failures, 'num'), td(d.key_conflicts, 'num')],
                     cls.join(' '));
      tr.dataset.device = d.device_id;
      body.appendChild(tr);
    }
    const legend = 'Yellow: behind the newest release for their hardware; red: below the floor.';
    $('devices-note').textContent = list.length < (doc.total || 0)
      ? 'The ' + list.length + ' devices that reported last, of ' + doc.total +
        ' (GET /v1/devices lists them all). ' + legend
      : legend;
  }

  // With --advisories: the advisories that affect a release, their devices
  // and the release that fixes each (per bundle and hardware).
  function renderVulns(doc) {
    const v = doc.vulnerabilities;
    const body = $('vulns').tBodies[0];
    clear(body);
    $('vulns-section').hidden = !v;
    if (!v) return;
    for (const a of v.advisories || []) {
      const fixes = (a.fixed_by || []).map((f) => f.bundle + ' on ' + f.hardware + ': ' +
        (f.release ? f.release.version + (f.release.rollout === 0 ? ' (paused)'
                                          : ' (rollout ' + f.release.rollout + ' %)')
                   : 'no fixed release yet'));
      const tr = row([td(a.id, 'mono'), td(a.summary === null ? '' : a.summary),
                      td(a.affected_devices, 'num'), td(a.unknown_devices, 'num'),
                      td(fixes.join('; '))], 'vuln' + (a.affected_devices > 0 ? ' affected' : ''));
      tr.dataset.advisory = a.id;
      body.appendChild(tr);
    }
    if ((v.advisories || []).length === 0)
      body.appendChild(row([el('td', null, 'No advisory affects a published release.')]));
    const rel = v.releases || {};
    const without = rel.without_list || [];
    $('vulns-note').textContent = v.loaded + (v.loaded === 1 ? ' advisory' : ' advisories') +
      ' read; ' + (rel.with_list || 0) + ' of ' + (rel.total || 0) +
      ' releases carry a package list' + (without.length
        ? ' — unknown (never counted as not affected): ' +
          without.map((r) => r.name + ' ' + r.version).join(', ')
        : '') + '.';
  }

  function renderNotes(doc) {
    const ul = $('notes');
    clear(ul);
    for (const n of doc.notes || []) ul.appendChild(el('li', 'error', n));
    $('notes-section').hidden = (doc.notes || []).length === 0;
  }

  function render(doc) {
    renderSummary(doc);
    renderChart(doc);
    renderReleases(doc);
    renderRoles(doc);
    renderDevices(doc);
    renderVulns(doc);
    renderNotes(doc);
    $('data').hidden = false;
  }

  // Nothing of an earlier answer stays on the page after a refusal.
  function hideData() {
    $('data').hidden = true;
    for (const id of ['releases', 'roles', 'devices', 'vulns']) clear($(id).tBodies[0]);
    for (const id of ['chart', 'notes']) clear($(id));
    for (const id of ['summary', 'states', 'floors', 'devices-note', 'vulns-note']) $(id).textContent = '';
  }

  function loggedIn(yes) {
    $('reload').hidden = !yes;
    $('forget').hidden = !yes;
  }

  async function load() {
    const token = sessionStorage.getItem(KEY);
    if (!token) return;
    status('Loading…');
    let resp;
    try {
      resp = await fetch('/v1/fleet', { headers: { Authorization: 'Bearer ' + token },
                                        cache: 'no-store', credentials: 'omit', redirect: 'error' });
    } catch (e) {
      hideData();
      status('Cannot reach the server: ' + e.message, true);
      return;
    }
    if (resp.status === 401) {
      sessionStorage.removeItem(KEY);
      loggedIn(false);
      hideData();
      status('The admin token was refused (401). Give the token from --admin-token-file.', true);
      return;
    }
    if (resp.status === 429) {
      sessionStorage.removeItem(KEY);
      loggedIn(false);
      hideData();
      status('Too many wrong tokens from this address: try again in ' +
             (resp.headers.get('Retry-After') || 'a few') + ' s.', true);
      return;
    }
    let doc;
    try {
      doc = await resp.json();
    } catch (e) {
      hideData();
      status('The server sent no JSON (HTTP ' + resp.status + ').', true);
      return;
    }
    if (!resp.ok) {
      hideData();
      status('HTTP ' + resp.status + ': ' + (doc.message || doc.error || ''), true);
      return;
    }
    render(doc);
    loggedIn(true);
    status('');
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      $('token').value = '';
      if (!t) {
        status('Give the admin token.', true);
        return;
      }
      sessionStorage.setItem(KEY, t);
      load();
    });
    $('reload').addEventListener('click', load);
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      loggedIn(false);
      hideData();
      status('Token forgotten.');
    });
    load();
  });
})();
