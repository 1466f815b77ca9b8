#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Writes a copy of a signed metadata file, changed so that it must no longer
// verify.
//
//   node tamper.js IN.json OUT.json [MODE]
//
// Changes inside "signed", signatures left as they were (all must now fail):
//   version     (default) signed.version + 1
//   expires     signed.expires moved one second later
//   custom      first target's custom changed (or added); targets documents
// Changes to the signatures, "signed" untouched:
//   drop-first  remove the first signature (below a threshold of 2)
//   dup-first   keep only the first signature, twice: one key counted twice
//               must not meet a threshold of 2
'use strict';

const { readJSON, writeJSON } = require('./lib');

function main() {
  const [inFile, outFile, mode = 'version'] = process.argv.slice(2);
  if (!inFile || !outFile) {
    process.stderr.write('usage: tamper.js IN.json OUT.json [version|expires|custom|drop-first|dup-first]\n');
    process.exit(2);
  }
  const doc = readJSON(inFile);
  const signed = doc.signed;
  switch (mode) {
    case 'version':
      signed.version += 1;
      break;
    case 'expires': {
      const t = new Date(signed.expires);
      t.setUTCSeconds(t.getUTCSeconds() + 1);
      signed.expires = t.toISOString().replace(/\.\d{3}Z$/, 'Z');
      break;
    }
    case 'custom': {
      const paths = Object.keys(signed.targets || {});
      if (paths.length === 0) throw new Error(`${inFile}: no targets to tamper with`);
      const target = signed.targets[paths[0]];
      target.custom = { ...(target.custom || {}), tampered: true };
      break;
    }
    case 'drop-first':
      doc.signatures = doc.signatures.slice(1);
      break;
    case 'dup-first':
      doc.signatures = [doc.signatures[0], { ...doc.signatures[0] }];
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  writeJSON(outFile, doc);
}

try {
  main();
} catch (err) {
  process.stderr.write(`tamper: ${err.message}\n`);
  process.exit(1);
}
