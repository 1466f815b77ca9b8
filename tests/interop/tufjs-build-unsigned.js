#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Builds UNSIGNED TUF metadata with @tufjs/models around keys made by the C
// tool, for the C tool to sign and tuf-js to verify (ours -> tuf-js).
//
//   node tufjs-build-unsigned.js KEYSDIR OUTDIR
//
// KEYSDIR holds tuftool key files (`tuftool keygen ed25519|ecdsa FILE`):
//   root-ed25519.json  root-ecdsa.json     the two root keys (threshold 2)
//   targets.json  snapshot.json  timestamp.json  product-x.json
//                                          one key per role, any key type
// Only the public parts are read; each keyid is checked against
// sha256(canonical key) computed with @tufjs/canonical-json, so a keyid
// disagreement fails here, by name.
//
// Writes into OUTDIR, each as {"signed": {...}, "signatures": []}:
//   root.json       v1, consistent_snapshot true, root threshold 2
//   timestamp.json  snapshot.json v1 (version only: lengths and hashes of
//                   files not yet signed cannot be known)
//   snapshot.json   targets.json v1, product-x.json v1
//   targets.json    one target with length, sha256, sha512 and custom; a
//                   delegation "product-x" (paths ["product-x/*"], threshold 1)
//   product-x.json  one target
// and the target files themselves under OUTDIR/targets/.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { Metadata, Root, Timestamp, Snapshot, Targets, MetaFile, TargetFile } = require('@tufjs/models');
const { DelegatedRole } = require('@tufjs/models/dist/role');
const { Delegations } = require('@tufjs/models/dist/delegations');
const { EXPIRES, loadPublicKey, writeJSON, unsignedJSON } = require('./lib');

const KEY_FILES = ['root-ed25519', 'root-ecdsa', 'targets', 'snapshot', 'timestamp', 'product-x'];

function targetFile(outDir, targetPath, content, custom) {
  const file = path.join(outDir, 'targets', targetPath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return new TargetFile({
    path: targetPath,
    length: content.length,
    hashes: {
      sha256: crypto.createHash('sha256').update(content).digest('hex'),
      sha512: crypto.createHash('sha512').update(content).digest('hex'),
    },
    unrecognizedFields: custom ? { custom } : {},
  });
}

function main() {
  if (process.argv.length !== 4) {
    process.stderr.write('usage: tufjs-build-unsigned.js KEYSDIR OUTDIR\n');
    process.exit(2);
  }
  const [keysDir, outDir] = process.argv.slice(2);
  const keys = {};
  try {
    for (const name of KEY_FILES) keys[name] = loadPublicKey(path.join(keysDir, `${name}.json`));
  } catch (err) {
    process.stderr.write(`tufjs-build-unsigned: ${err.message}\n`);
    process.exit(1);
  }
  if (keys['root-ed25519'].keyType !== 'ed25519') {
    process.stderr.write('tufjs-build-unsigned: root-ed25519.json is not an ed25519 key\n');
    process.exit(1);
  }
  if (!keys['root-ecdsa'].scheme.startsWith('ecdsa')) {
    process.stderr.write('tufjs-build-unsigned: root-ecdsa.json is not an ecdsa key\n');
    process.exit(1);
  }
  fs.mkdirSync(outDir, { recursive: true });

  const root = new Root({ version: 1, expires: EXPIRES, consistentSnapshot: true });
  root.addKey(keys['root-ed25519'], 'root');
  root.addKey(keys['root-ecdsa'], 'root');
  root.roles.root.threshold = 2;
  for (const role of ['targets', 'snapshot', 'timestamp']) root.addKey(keys[role], role);

  const productX = new Targets({ version: 1, expires: EXPIRES });
  productX.addTarget(targetFile(outDir, 'product-x/app-1.0.0.bundle',
    Buffer.from('product-x application 1.0.0\n'), { version: '1.0.0' }));

  const pxKey = keys['product-x'];
  const targets = new Targets({
    version: 1,
    expires: EXPIRES,
    delegations: new Delegations({
      keys: { [pxKey.keyID]: pxKey },
      roles: {
        'product-x': new DelegatedRole({
          name: 'product-x', keyIDs: [pxKey.keyID], threshold: 1,
          terminating: false, paths: ['product-x/*'],
        }),
      },
    }),
  });
  targets.addTarget(targetFile(outDir, 'firmware/gw-100/2.0.0.bundle',
    Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13 + 5) & 0xff)),
    {
      hardware_ids: ['gw-100'],
      min_version: '1.4.0',
      release_notes: 'Signed by the C tool.\nVerified by tuf-js.',
      name_ja: 'ゲートウェイ',
    }));

  const snapshot = new Snapshot({
    version: 1,
    expires: EXPIRES,
    meta: {
      'targets.json': new MetaFile({ version: 1 }),
      'product-x.json': new MetaFile({ version: 1 }),
    },
  });
  const timestamp = new Timestamp({ version: 1, expires: EXPIRES, snapshotMeta: new MetaFile({ version: 1 }) });

  const docs = { root, timestamp, snapshot, targets, 'product-x': productX };
  for (const [name, signed] of Object.entries(docs)) {
    writeJSON(path.join(outDir, `${name}.json`), unsignedJSON(new Metadata(signed)));
  }
}

main();
