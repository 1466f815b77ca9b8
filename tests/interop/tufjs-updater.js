#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// tuf-js' real client (Updater, the TUF 1.0 client workflow) over real HTTP:
// refreshes metadata from METADATA_URL and downloads and verifies targets
// from TARGETS_URL, trusting TRUSTED_ROOT.  Used to check that repositories
// made by ota-sign are accepted by an independent TUF client.
//
//   node tufjs-updater.js METADATA_URL TARGETS_URL TRUSTED_ROOT CACHEDIR OUTDIR TARGET...
//
// CACHEDIR keeps tuf-js' trusted metadata between runs (so a later run checks
// rollback and root rotation from the earlier state).  Prints "ok" and exits
// 0 when every target was downloaded and verified; prints the error on
// stderr and exits 1 otherwise.
'use strict';

const fs = require('fs');
const path = require('path');
const { Updater } = require('tuf-js');

async function main() {
  const [metadataBaseUrl, targetBaseUrl, trustedRoot, cacheDir, outDir, ...targets] =
    process.argv.slice(2);
  if (!outDir) {
    console.error('usage: tufjs-updater.js METADATA_URL TARGETS_URL TRUSTED_ROOT CACHEDIR OUTDIR TARGET...');
    process.exit(2);
  }
  const metadataDir = path.join(cacheDir, 'metadata');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  if (!fs.existsSync(path.join(metadataDir, 'root.json'))) {
    fs.copyFileSync(trustedRoot, path.join(metadataDir, 'root.json'));
  }
  const updater = new Updater({
    metadataBaseUrl,
    targetBaseUrl,
    metadataDir,
    targetDir: outDir,
    config: { fetchTimeout: 10000, fetchRetries: 0 },
  });
  await updater.refresh();
  for (const t of targets) {
    const info = await updater.getTargetInfo(t);
    if (!info) throw new Error(`target ${t} not found in the metadata`);
    const dest = path.join(outDir, t.replace(/\//g, '_'));
    await updater.downloadTarget(info, dest);
  }
  console.log('ok');
}

main().catch((err) => {
  console.error(`tuf-js: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
