#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Builds a complete signed TUF repository's metadata with @tufjs/models and
// keys made by node's crypto module (an implementation independent of ours).
//
//   node tufjs-make-repo.js OUTDIR
//
// Writes into OUTDIR:
//   1.root.json, root.json (identical)  root v1: root threshold 2 over one
//                                       Ed25519 and one ECDSA P-256 key
//   2.root.json       root v2: new root keys (Ed25519 + ECDSA, threshold 2),
//                     signed by the v1 and the v2 root keys (rotation)
//   timestamp.json, snapshot.json, targets.json
//   product-x.json    delegated from targets: paths ["product-x/*"],
//                     threshold 1, terminating false
//   hashed-bin.json   delegated from targets with path_hash_prefixes; its key
//                     uses the legacy keytype "ecdsa-sha2-nistp256"
//   targets/...       the target files the metadata describes
//   keys/NAME.json    every key, public and private, in tuftool's key-file
//                     format (test keys only)
// Keys are new on every run; every expiry is in 2099.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { Metadata, Root, Timestamp, Snapshot, Targets, MetaFile, TargetFile } = require('@tufjs/models');
// Not re-exported by the package index; the package has no "exports" map.
const { DelegatedRole } = require('@tufjs/models/dist/role');
const { Delegations } = require('@tufjs/models/dist/delegations');
const { EXPIRES, generateKey, signerFor, writeJSON, sha256hex } = require('./lib');

function usage() {
  process.stderr.write('usage: tufjs-make-repo.js OUTDIR\n');
  process.exit(2);
}

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

// Writes a signed document; returns the bytes written (for snapshot/timestamp).
function write(outDir, name, md) {
  const text = JSON.stringify(md.toJSON(), null, 2) + '\n';
  fs.writeFileSync(path.join(outDir, name), text);
  return Buffer.from(text, 'utf8');
}

function metaFileFor(version, bytes) {
  return new MetaFile({ version, length: bytes.length, hashes: { sha256: sha256hex(bytes) } });
}

function main() {
  if (process.argv.length !== 3) usage();
  const outDir = process.argv[2];
  fs.mkdirSync(outDir, { recursive: true });

  const k = {
    rootEd: generateKey('root-ed25519', 'ed25519'),
    rootEc: generateKey('root-ecdsa', 'ecdsa'),
    root2Ed: generateKey('root2-ed25519', 'ed25519'),
    root2Ec: generateKey('root2-ecdsa', 'ecdsa'),
    targets: generateKey('targets', 'ed25519'),
    snapshot: generateKey('snapshot', 'ed25519'),
    timestamp: generateKey('timestamp', 'ed25519'),
    productX: generateKey('product-x', 'ed25519'),
    hashedBin: generateKey('hashed-bin', 'ecdsa-legacy'),
  };
  for (const pair of Object.values(k)) writeJSON(path.join(outDir, 'keys', `${pair.name}.json`), pair.file);

  // ---- root v1 ----------------------------------------------------------
  const root1 = new Root({ version: 1, expires: EXPIRES, consistentSnapshot: true });
  root1.addKey(k.rootEd.key, 'root');
  root1.addKey(k.rootEc.key, 'root');
  root1.roles.root.threshold = 2;
  root1.addKey(k.targets.key, 'targets');
  root1.addKey(k.snapshot.key, 'snapshot');
  root1.addKey(k.timestamp.key, 'timestamp');
  const root1Md = new Metadata(root1);
  root1Md.sign(signerFor(k.rootEd));
  root1Md.sign(signerFor(k.rootEc));
  write(outDir, '1.root.json', root1Md);
  write(outDir, 'root.json', root1Md);

  // ---- root v2: rotate both root keys -------------------------------------
  const root2 = new Root({ version: 2, expires: EXPIRES, consistentSnapshot: true });
  root2.addKey(k.root2Ed.key, 'root');
  root2.addKey(k.root2Ec.key, 'root');
  root2.roles.root.threshold = 2;
  root2.addKey(k.targets.key, 'targets');
  root2.addKey(k.snapshot.key, 'snapshot');
  root2.addKey(k.timestamp.key, 'timestamp');
  const root2Md = new Metadata(root2);
  for (const pair of [k.rootEd, k.rootEc, k.root2Ed, k.root2Ec]) root2Md.sign(signerFor(pair));
  write(outDir, '2.root.json', root2Md);

  // ---- delegated roles ------------------------------------------------------
  const productX = new Targets({ version: 1, expires: EXPIRES });
  productX.addTarget(targetFile(outDir, 'product-x/app-2.0.0.bundle',
    Buffer.from('product-x application bundle 2.0.0\n'.repeat(64)),
    { hardware_ids: ['px-1'], version: '2.0.0' }));
  const productXMd = new Metadata(productX);
  productXMd.sign(signerFor(k.productX));
  const productXBytes = write(outDir, 'product-x.json', productXMd);

  const hashedPath = 'tools/diag-1.0.txt';
  const prefix = sha256hex(hashedPath).slice(0, 2);
  const hashed = new Targets({ version: 1, expires: EXPIRES });
  hashed.addTarget(targetFile(outDir, hashedPath, Buffer.from('diagnostic tools 1.0\n'), null));
  const hashedMd = new Metadata(hashed);
  hashedMd.sign(signerFor(k.hashedBin));
  const hashedBytes = write(outDir, 'hashed-bin.json', hashedMd);

  // ---- targets ----------------------------------------------------------------
  const targets = new Targets({
    version: 1,
    expires: EXPIRES,
    delegations: new Delegations({
      keys: { [k.productX.key.keyID]: k.productX.key, [k.hashedBin.key.keyID]: k.hashedBin.key },
      roles: {
        'product-x': new DelegatedRole({
          name: 'product-x', keyIDs: [k.productX.key.keyID], threshold: 1,
          terminating: false, paths: ['product-x/*'],
        }),
        'hashed-bin': new DelegatedRole({
          name: 'hashed-bin', keyIDs: [k.hashedBin.key.keyID], threshold: 1,
          terminating: true, pathHashPrefixes: [prefix, prefix === 'ff' ? '00' : 'ff'],
        }),
      },
    }),
  });
  targets.addTarget(targetFile(outDir, 'firmware/gw-100/1.4.2.bundle',
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) & 0xff)),
    {
      hardware_ids: ['gw-100', 'gw-100b'],
      min_version: '1.2.0',
      release_notes: 'Fixes CVE-2099-0001.\nReboot required.',
      name_ja: 'ゲートウェイ',
    }));
  const targetsMd = new Metadata(targets);
  targetsMd.sign(signerFor(k.targets));
  const targetsBytes = write(outDir, 'targets.json', targetsMd);

  // ---- snapshot and timestamp -----------------------------------------------
  const snapshot = new Snapshot({
    version: 1,
    expires: EXPIRES,
    meta: {
      'targets.json': metaFileFor(1, targetsBytes),
      'product-x.json': metaFileFor(1, productXBytes),
      'hashed-bin.json': metaFileFor(1, hashedBytes),
    },
  });
  const snapshotMd = new Metadata(snapshot);
  snapshotMd.sign(signerFor(k.snapshot));
  const snapshotBytes = write(outDir, 'snapshot.json', snapshotMd);

  const timestamp = new Timestamp({ version: 1, expires: EXPIRES, snapshotMeta: metaFileFor(1, snapshotBytes) });
  const timestampMd = new Metadata(timestamp);
  timestampMd.sign(signerFor(k.timestamp));
  write(outDir, 'timestamp.json', timestampMd);
}

main();
