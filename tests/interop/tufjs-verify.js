#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Verifies a metadata file with @tufjs/models, the way tuf-js' client does.
//
//   node tufjs-verify.js DELEGATOR.json ROLE FILE.json
//
// ROLE root|timestamp|snapshot|targets: DELEGATOR is root metadata and
// root.signed.verifyDelegate(ROLE, FILE) must pass (threshold of the role's
// keys listed in that root). Any other ROLE: DELEGATOR is targets metadata
// whose delegations list ROLE. FILE's signed._type must be ROLE (top-level)
// or "targets" (delegated). Signatures, types and thresholds only: expiry
// and versions are the client workflow's business, not checked here.
//
// Prints "ok" and exits 0 on success; prints the error on stderr, exit 1.
'use strict';

const { Metadata } = require('@tufjs/models');
const { TOP_LEVEL_ROLES, readJSON } = require('./lib');

function main() {
  if (process.argv.length !== 5) {
    process.stderr.write('usage: tufjs-verify.js DELEGATOR.json ROLE FILE.json\n');
    process.exit(2);
  }
  const [delegatorFile, role, file] = process.argv.slice(2);
  const topLevel = TOP_LEVEL_ROLES.includes(role);
  const delegatorType = topLevel ? 'root' : 'targets';
  const fileType = topLevel ? role : 'targets';
  try {
    const delegator = Metadata.fromJSON(delegatorType, readJSON(delegatorFile));
    // fromJSON refuses a document whose signed._type is not fileType.
    const md = Metadata.fromJSON(fileType, readJSON(file));
    if (md.signed.type !== fileType) throw new Error(`_type is ${md.signed.type}, want ${fileType}`);
    delegator.verifyDelegate(role, md);
  } catch (err) {
    process.stderr.write(`tufjs-verify: ${file} as ${role}: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write('ok\n');
}

main();
