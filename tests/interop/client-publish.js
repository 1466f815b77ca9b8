#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Lays out a repository made by tufjs-make-repo.js (plain file names) the way
// a consistent-snapshot server publishes it, so a real HTTP server can serve
// it to ota-client:
//
//   node client-publish.js REPODIR OUTDIR
//
//   OUTDIR/metadata/N.root.json      every root version (1.root.json, 2.root.json)
//   OUTDIR/metadata/timestamp.json
//   OUTDIR/metadata/V.ROLE.json      snapshot, targets and delegated roles, V
//                                    their signed.version, ROLE percent-encoded
//   OUTDIR/targets/DIR/HASH.NAME     each target under each of its hashes
//
// Only the names change: the bytes are the ones @tufjs/models wrote.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

function main() {
  const [src, out] = process.argv.slice(2);
  if (!src || !out) {
    process.stderr.write('usage: client-publish.js REPODIR OUTDIR\n');
    process.exit(2);
  }
  const meta = path.join(out, 'metadata');
  fs.mkdirSync(meta, { recursive: true });
  for (const name of fs.readdirSync(src)) {
    if (!name.endsWith('.json')) continue;
    const bytes = fs.readFileSync(path.join(src, name));
    const doc = JSON.parse(bytes);
    const type = doc.signed._type;
    if (type === 'root') {
      fs.writeFileSync(path.join(meta, `${doc.signed.version}.root.json`), bytes);
    } else if (type === 'timestamp') {
      fs.writeFileSync(path.join(meta, 'timestamp.json'), bytes);
    } else {
      const role = name.slice(0, -'.json'.length);
      fs.writeFileSync(path.join(meta, `${doc.signed.version}.${encodeURIComponent(role)}.json`), bytes);
    }
  }
  const tdir = path.join(src, 'targets');
  for (const rel of fs.existsSync(tdir) ? walk(tdir) : []) {
    const data = fs.readFileSync(path.join(tdir, rel));
    const dir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel) + '/';
    for (const alg of ['sha256', 'sha512']) {
      const h = crypto.createHash(alg).update(data).digest('hex');
      const dst = path.join(out, 'targets', `${dir}${h}.${path.posix.basename(rel)}`);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.writeFileSync(dst, data);
    }
  }
}

main();
