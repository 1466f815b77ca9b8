#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Crafted TUF repositories for ota-client's attack and behaviour tests
// (tests/integration/test_client_*.sh).  Independent of our C code: metadata
// is written as plain JSON and signed here over @tufjs/canonical-json with
// node's crypto (Ed25519 keys from lib.js).
//
//   node client-scenarios.js OUTDIR
//
// Writes OUTDIR/SCENARIO/STAGE/{metadata,targets}/ — each stage a complete
// repository in consistent-snapshot layout (N.root.json, timestamp.json,
// N.snapshot.json, N.<percent-encoded role>.json, targets/DIR/SHA256.NAME) —
// and OUTDIR/SCENARIO/trusted-root.json, the root a client is initialised
// with.  A client keeps one metadata directory per scenario and is pointed
// at stage 1, 2, ... in turn, which plays a repository changing over time.
// The scenario list is at the bottom; each says what the test expects.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { canonicalize } = require('@tufjs/canonical-json');
const { generateKey } = require('./lib');

const FUTURE = '2099-01-01T00:00:00Z';
const PAST = '2001-01-01T00:00:00Z';

// ---- keys -------------------------------------------------------------------
const keyPool = {};
// aliases: another key id for the same key ({alias: name}); the alias signs
// with that key and is listed under a key id of its own
const aliasOf = {};
function key(name) {
  if (aliasOf[name]) return key(aliasOf[name]);
  if (!keyPool[name]) keyPool[name] = generateKey(name, 'ed25519');
  return keyPool[name];
}
const kid = (name) => (aliasOf[name]
  ? crypto.createHash('sha256').update(`alias ${name}`).digest('hex')
  : key(name).key.keyID);
const kjson = (name) => {
  const f = key(name).file;
  return { keytype: f.keytype, scheme: f.scheme, keyval: { public: f.keyval.public } };
};

function sign(signed0, signers) {
  const signed = clone(signed0); // drops undefined fields
  const bytes = Buffer.from(canonicalize(signed), 'utf8');
  return {
    signed,
    signatures: signers.map((n) => ({ keyid: kid(n), sig: crypto.sign(null, bytes, key(n).privateKey).toString('hex') })),
  };
}

const text = (doc) => Buffer.from(JSON.stringify(doc, null, 1) + '\n', 'utf8');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const sha512 = (b) => crypto.createHash('sha512').update(b).digest('hex');
const clone = (x) => JSON.parse(JSON.stringify(x));
const enc = (role) => encodeURIComponent(role).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// ---- a repository state ---------------------------------------------------------
// spec: {
//   roots: [{version, expires, keys: {role: [names]}, threshold: {role: n}, signers, consistent}],
//   targets: {version, expires, signers, files: {path: {data, custom}}, delegations: [...]},
//   delegated: {name: {version, expires, signers, files, delegations}},
//   snapshot: {version, expires, signers}, timestamp: {version, expires, signers},
//   post(files): edit the output {relpath: Buffer} map at the end
// }
// delegation: {name, keys: [names], threshold, terminating, paths | prefixes}
function base() {
  return {
    roots: [{
      version: 1, expires: FUTURE, consistent: true, signers: ['root'],
      keys: { root: ['root'], timestamp: ['timestamp'], snapshot: ['snapshot'], targets: ['targets'] },
      threshold: { root: 1, timestamp: 1, snapshot: 1, targets: 1 },
    }],
    targets: {
      version: 1, expires: FUTURE, signers: ['targets'],
      files: {
        'firmware/gw-100/1.0.0.bundle': { data: 'gateway firmware 1.0.0\n'.repeat(200), custom: { version: '1.0.0', hardware_ids: ['gw-100'] } },
      },
      delegations: [],
    },
    delegated: {},
    snapshot: { version: 1, expires: FUTURE, signers: ['snapshot'] },
    timestamp: { version: 1, expires: FUTURE, signers: ['timestamp'] },
  };
}

function rootDoc(r) {
  const names = new Set(Object.values(r.keys).flat());
  const keys = {};
  for (const n of names) keys[kid(n)] = kjson(n);
  const roles = {};
  for (const role of ['root', 'timestamp', 'snapshot', 'targets']) {
    roles[role] = { keyids: r.keys[role].map(kid), threshold: r.threshold[role] };
  }
  return sign({
    _type: 'root', spec_version: '1.0.31', version: r.version, expires: r.expires,
    consistent_snapshot: r.consistent, keys, roles,
  }, r.signers);
}

function targetsDoc(t, out) {
  const targets = {};
  for (const [p, f] of Object.entries(t.files || {})) {
    const data = Buffer.from(f.data);
    const entry = { length: data.length, hashes: { sha256: sha256(data), sha512: sha512(data) } };
    if (f.custom) entry.custom = f.custom;
    targets[p] = entry;
    const dir = path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p) + '/';
    const served = f.served !== undefined ? Buffer.from(f.served) : data;
    out[`targets/${dir}${sha256(data)}.${path.posix.basename(p)}`] = served;
    out[`targets/${dir}${sha512(data)}.${path.posix.basename(p)}`] = served;
  }
  const signed = { _type: 'targets', spec_version: '1.0.31', version: t.version, expires: t.expires, targets };
  if (t.delegations && t.delegations.length) {
    const keys = {};
    for (const d of t.delegations) for (const n of d.keys) keys[kid(n)] = kjson(n);
    signed.delegations = {
      keys,
      roles: t.delegations.map((d) => {
        const r = { name: d.name, keyids: d.keys.map(kid), threshold: d.threshold || 1, terminating: !!d.terminating };
        if (d.prefixes) r.path_hash_prefixes = d.prefixes; else r.paths = d.paths;
        return r;
      }),
    };
  }
  return sign(signed, t.signers);
}

function build(spec, dir) {
  const out = {};
  const metaFor = (bytes, version) => ({ version, length: bytes.length, hashes: { sha256: sha256(bytes) } });
  for (const r of spec.roots) out[`metadata/${r.version}.root.json`] = text(rootDoc(r));
  const consistent = spec.roots[spec.roots.length - 1].consistent;
  const snapMeta = {};
  const roles = [['targets', spec.targets], ...Object.entries(spec.delegated)];
  for (const [name, t] of roles) {
    const bytes = text(targetsDoc(t, out));
    out[`metadata/${consistent ? t.version + '.' : ''}${enc(name)}.json`] = bytes;
    snapMeta[`${name}.json`] = metaFor(bytes, t.version);
  }
  const snap = spec.snapshot;
  const snapBytes = text(sign({
    _type: 'snapshot', spec_version: '1.0.31', version: snap.version, expires: snap.expires,
    meta: Object.assign(snapMeta, snap.meta || {}),
  }, snap.signers));
  out[`metadata/${consistent ? snap.version + '.' : ''}snapshot.json`] = snapBytes;
  const ts = spec.timestamp;
  out['metadata/timestamp.json'] = text(sign({
    _type: 'timestamp', spec_version: '1.0.31', version: ts.version, expires: ts.expires,
    meta: { 'snapshot.json': Object.assign(metaFor(snapBytes, snap.version), ts.meta || {}) },
  }, ts.signers));
  if (spec.post) spec.post(out);
  for (const [rel, data] of Object.entries(out)) {
    if (data === null) continue;
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  }
  return out;
}

// ---- scenarios -------------------------------------------------------------------
// Each: name -> list of stage specs (stage1, stage2, ...).  Stage specs are
// derived from base() by small edits; bump() moves snapshot+timestamp on.
function bump(s, n = 1) {
  s.snapshot.version += n;
  s.timestamp.version += n;
  return s;
}
function withRoot(s, edit) {
  const last = clone(s.roots[s.roots.length - 1]);
  last.version += 1;
  edit(last);
  s.roots.push(last);
  return s;
}
function withDelegations(s) {
  s.targets.delegations = [
    { name: 'apps-a', keys: ['apps-a'], paths: ['apps/*'], terminating: false },
    { name: 'apps-b', keys: ['apps-b'], paths: ['apps/*'], terminating: false },
    { name: 'hashed', keys: ['hashed'], prefixes: [sha256('tools/diag.txt').slice(0, 2)], terminating: false },
  ];
  s.delegated = {
    'apps-a': { version: 1, expires: FUTURE, signers: ['apps-a'], files: { 'apps/x.bin': { data: 'x from apps-a\n' } } },
    'apps-b': {
      version: 1, expires: FUTURE, signers: ['apps-b'],
      files: { 'apps/x.bin': { data: 'x from apps-b\n' }, 'apps/y.bin': { data: 'y from apps-b\n' }, 'apps/sub/z.bin': { data: 'z\n' } },
    },
    hashed: { version: 1, expires: FUTURE, signers: ['hashed'], files: { 'tools/diag.txt': { data: 'diag\n' } } },
  };
  return s;
}

const S = {};

// good: an honest repository; later stages change nothing but the timestamp
S.good = [base(), (() => { const s = base(); s.timestamp.version = 2; return s; })()];

// arbitrary software: the served target differs from the signed hash (same length)
S['arbitrary-target'] = [(() => {
  const s = base();
  const f = s.targets.files['firmware/gw-100/1.0.0.bundle'];
  f.served = f.data.replace('gateway', 'backdor'); // same length: only the hash differs
  return s;
})()];

// endless data on a target: served longer than its signed length
S['endless-target'] = [(() => {
  const s = base();
  const f = s.targets.files['firmware/gw-100/1.0.0.bundle'];
  f.served = f.data + 'extra bytes the attacker appends\n';
  return s;
})()];

// rollback of each role: stage 1 honest at a higher version, stage 2 older
S['rollback-timestamp'] = [bump(base()), (() => { const s = bump(base()); s.timestamp.version = 1; return s; })()];
// timestamp newer, but names an older snapshot
S['rollback-snapshot'] = [bump(base(), 2), (() => { const s = bump(base(), 2); s.timestamp.version = 4; s.snapshot.version = 2; return s; })()];
// snapshot newer, but lists an older targets.json
S['rollback-targets'] = [
  (() => { const s = bump(base()); s.targets.version = 2; return s; })(),
  (() => { const s = bump(base(), 2); s.targets.version = 1; return s; })(),
];
// N+1.root.json holding an older root (same keys, so only the version check can catch it)
S['rollback-root'] = [(() => {
  const s = withRoot(base(), () => {});
  s.post = (out) => { out['metadata/3.root.json'] = out['metadata/1.root.json']; };
  return s;
})()];

// freeze: each role expired in turn (root: the newest root in the chain)
for (const role of ['timestamp', 'snapshot', 'targets']) {
  S[`freeze-${role}`] = [(() => { const s = base(); s[role].expires = PAST; return s; })()];
}
S['freeze-root'] = [withRoot(base(), (r) => { r.expires = PAST; })];
// expires in 2 days: fine now, expired under faketime +3d
S['freeze-faketime'] = [(() => {
  const s = base();
  s.timestamp.expires = new Date(Date.now() + 2 * 86400e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return s;
})()];

// endless data: timestamp streamed forever; snapshot longer than the timestamp says
S['endless-timestamp'] = [(() => {
  const s = base();
  s.post = (out) => { out['metadata/timestamp.json'] = null; out['metadata/timestamp.json.endless'] = Buffer.from('{"signed": '); };
  return s;
})()];
S['endless-snapshot'] = [(() => {
  const s = base();
  s.post = (out) => { out['metadata/1.snapshot.json'] = Buffer.concat([out['metadata/1.snapshot.json'], Buffer.alloc(4096, 0x20)]); };
  return s;
})()];
// slow retrieval: timestamp dripped one byte a second
S['slow-timestamp'] = [(() => {
  const s = base();
  s.post = (out) => { out['metadata/timestamp.json.slow'] = out['metadata/timestamp.json']; out['metadata/timestamp.json'] = null; };
  return s;
})()];

// mix-and-match: targets.json from another snapshot (same version number, other bytes)
S['mix-and-match'] = [(() => {
  const s = base();
  s.post = (out) => {
    // same version, same length, other content (an older targets.json that
    // pointed devices at a vulnerable build): only the snapshot's hash differs
    const other = base();
    other.targets.files['firmware/gw-100/1.0.0.bundle'].custom.version = '0.9.0';
    out['metadata/1.targets.json'] = text(targetsDoc(other.targets, {}));
  };
  return s;
})()];
// mix-and-match: the snapshot's version differs from what the timestamp names
S['mix-and-match-version'] = [(() => {
  const s = base();
  s.timestamp.meta = { length: undefined, hashes: undefined };
  s.post = (out) => {
    const other = base();
    other.snapshot.version = 7;
    out['metadata/1.snapshot.json'] = build2(other)['metadata/7.snapshot.json'];
  };
  return s;
})()];

// mix-and-match: another validly signed snapshot of the same version and
// length (only its expiry differs): only the timestamp's hash catches it
S['mix-and-match-snapshot'] = [(() => {
  const s = base();
  s.post = (out) => {
    const doc = JSON.parse(out['metadata/1.snapshot.json']);
    doc.signed.expires = '2098-01-01T00:00:00Z';
    out['metadata/1.snapshot.json'] = text(sign(doc.signed, ['snapshot']));
  };
  return s;
})()];

// fast-forward recovery: a compromised timestamp key pushed version 1000 to
// devices (stage 1); the repository rotates the timestamp key in root v2 and
// goes on from version 2 (stage 2): devices must accept it.
S['fast-forward-recovery'] = [
  (() => { const s = base(); s.timestamp.version = 1000; return s; })(),
  (() => {
    const s = withRoot(base(), (r) => { r.keys.timestamp = ['timestamp2']; });
    s.timestamp = { version: 2, expires: FUTURE, signers: ['timestamp2'] };
    return s;
  })(),
];
// the same for snapshot: compromised snapshot+timestamp keys pushed a
// snapshot listing targets.json version 1000 as version 500
S['fast-forward-snapshot'] = [
  (() => {
    const s = base(); s.timestamp.version = 500; s.snapshot.version = 500;
    return s;
  })(),
  (() => {
    const s = withRoot(base(), (r) => { r.keys.timestamp = ['timestamp2']; r.keys.snapshot = ['snapshot2']; });
    s.timestamp = { version: 2, expires: FUTURE, signers: ['timestamp2'] };
    s.snapshot = { version: 2, expires: FUTURE, signers: ['snapshot2'] };
    return s;
  })(),
];

// key compromise below threshold: targets needs 2 of 2, the attacker holds one
S['below-threshold'] = [(() => {
  const s = base();
  s.roots[0].keys.targets = ['targets', 'targets-b'];
  s.roots[0].threshold.targets = 2;
  s.targets.signers = ['targets'];
  s.targets.files['firmware/gw-100/6.6.6.bundle'] = { data: 'malicious\n' };
  return s;
})()];
// duplicate signatures: the one key's signature listed twice for threshold 2
// (a key id repeated in `signatures`: malformed, the TUF specification says
// each MUST be unique)
S['duplicate-signatures'] = [(() => {
  const s = base();
  s.roots[0].keys.targets = ['targets', 'targets-b'];
  s.roots[0].threshold.targets = 2;
  s.targets.signers = ['targets', 'targets'];
  return s;
})()];
// one key listed under two key ids, signing under both, for threshold 2:
// well-formed, but the key counts once
aliasOf['targets-alias'] = 'targets';
S['same-key-two-keyids'] = [(() => {
  const s = base();
  s.roots[0].keys.targets = ['targets', 'targets-alias'];
  s.roots[0].threshold.targets = 2;
  s.targets.signers = ['targets', 'targets-alias'];
  return s;
})()];

// wrong root chain: 2.root.json signed only by the new key; or a version gap
S['root-chain-unsigned-by-old'] = [withRoot(base(), (r) => { r.keys.root = ['root2']; r.signers = ['root2']; })];
S['root-chain-below-new-threshold'] = [withRoot(base(), (r) => { r.keys.root = ['root2', 'root3']; r.threshold.root = 2; r.signers = ['root', 'root2']; })];
S['root-chain-version-gap'] = [(() => {
  const s = withRoot(base(), (r) => { r.version = 3; });
  s.post = (out) => { out['metadata/2.root.json'] = out['metadata/3.root.json']; out['metadata/3.root.json'] = null; };
  return s;
})()];
// a good chain 1 -> 2 -> 3 rotating every key (the old root signs each step)
S['root-rotation'] = [(() => {
  let s = withRoot(base(), (r) => { r.keys.root = ['root2']; r.signers = ['root', 'root2']; });
  s = withRoot(s, (r) => {
    r.keys = { root: ['root3'], timestamp: ['timestamp3'], snapshot: ['snapshot3'], targets: ['targets3'] };
    r.signers = ['root2', 'root3'];
  });
  s.timestamp.signers = ['timestamp3'];
  s.snapshot.signers = ['snapshot3'];
  s.targets.signers = ['targets3'];
  return s;
})()];

// delegations: priority (apps-a listed first wins), terminating, '*' vs '/',
// hash prefixes; stage 2 makes apps-a terminating
S.delegation = [
  withDelegations(base()),
  (() => { const s = bump(withDelegations(base())); s.targets.version = 2; s.targets.delegations[0].terminating = true; return s; })(),
];
// role names that must be percent-encoded in URLs and file names
S['role-names'] = [(() => {
  const s = base();
  s.targets.delegations = [{ name: 'a/b?c#d ..', keys: ['odd'], paths: ['odd/*'] }];
  s.delegated = { 'a/b?c#d ..': { version: 1, expires: FUTURE, signers: ['odd'], files: { 'odd/file.txt': { data: 'odd\n' } } } };
  return s;
})()];

// target names with terminal control characters (ESC, BEL, C1 CSI): signed,
// so valid TUF, but `ota-client list` must not pass them to a terminal
S['control-names'] = [(() => {
  const s = base();
  s.targets.files['esc/\u001b[2Jboom\u0007\u009b.txt'] = { data: 'x\n' };
  return s;
})()];

// invalid JSON: a truncated timestamp; a duplicate key in the snapshot
S['invalid-json'] = [(() => {
  const s = base();
  s.post = (out) => { const t = out['metadata/timestamp.json']; out['metadata/timestamp.json'] = t.subarray(0, t.length - 10); };
  return s;
})()];
// duplicate key: a lax parser (last value wins) would read version 2, which
// is what was signed and what the timestamp names; a strict parser refuses
S['duplicate-key'] = [(() => {
  const s = base();
  s.snapshot.version = 2;
  s.timestamp.meta = { length: undefined, hashes: undefined };
  s.post = (out) => {
    const t = out['metadata/2.snapshot.json'].toString('utf8').replace('"version": 2', '"version": 1,\n "version": 2');
    out['metadata/2.snapshot.json'] = Buffer.from(t);
  };
  return s;
})()];

// bad signature: targets content changed after signing
S['tampered-targets'] = [(() => {
  const s = base();
  s.post = (out) => {
    const doc = JSON.parse(out['metadata/1.targets.json']);
    doc.signed.targets['firmware/gw-100/1.0.0.bundle'].custom.version = '9.0.0';
    const bytes = text(doc);
    out['metadata/1.targets.json'] = bytes;
    // keep snapshot/timestamp consistent with the tampered bytes: only the
    // signature check can catch it
    const snap = JSON.parse(out['metadata/1.snapshot.json']);
    snap.signed.meta['targets.json'] = { version: 1, length: bytes.length, hashes: { sha256: sha256(bytes) } };
    const sb = text(sign(snap.signed, ['snapshot']));
    out['metadata/1.snapshot.json'] = sb;
    const ts = JSON.parse(out['metadata/timestamp.json']);
    ts.signed.meta['snapshot.json'] = { version: 1, length: sb.length, hashes: { sha256: sha256(sb) } };
    out['metadata/timestamp.json'] = text(sign(ts.signed, ['timestamp']));
  };
  return s;
})()];

// a repository whose server answers 500 for the timestamp
S['server-error'] = [(() => {
  const s = base();
  s.post = (out) => { out['metadata/timestamp.json'] = null; out['metadata/timestamp.json.status'] = Buffer.from('500\n'); };
  return s;
})()];

// targets served from another path than metadata (CDN layout)
S['cdn'] = [(() => {
  const s = base();
  s.post = (out) => {
    for (const k of Object.keys(out)) {
      if (k.startsWith('targets/')) { out[`cdn/blobs/${k.slice(8)}`] = out[k]; out[k] = null; }
    }
  };
  return s;
})()];

function build2(spec) {
  const out = {};
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'scn-'));
  try {
    Object.assign(out, build(spec, tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    process.stderr.write('usage: client-scenarios.js OUTDIR\n');
    process.exit(2);
  }
  for (const [name, stages] of Object.entries(S)) {
    stages.forEach((spec, i) => {
      const out = build(spec, path.join(outDir, name, `stage${i + 1}`));
      if (i === 0) fs.writeFileSync(path.join(outDir, name, 'trusted-root.json'), out['metadata/1.root.json']);
    });
  }
  fs.writeFileSync(path.join(outDir, 'SCENARIOS'), Object.keys(S).join('\n') + '\n');
}

main();
