#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Runs tuf-js' real client (Updater: the TUF 1.0 client workflow) against a
// directory of signed metadata, as if it were served by a consistent-snapshot
// repository, and downloads and verifies the given targets.
//
//   node tufjs-client.js REPODIR TARGETPATH...
//
// REPODIR holds the signed files under their plain names (root.json,
// timestamp.json, snapshot.json, targets.json, DELEGATED.json, optionally
// N.root.json for root rotation) and the target files under targets/PATH.
// The client trusts REPODIR/1.root.json if present, else REPODIR/root.json.
// A local fetcher plays the server: "N.ROLE.json" is served from ROLE.json
// only if its signed.version is N; "DIR/HASH.NAME" from targets/DIR/NAME only
// if its SHA-256 is HASH; anything else is a 404. No network is used.
//
// Prints "ok" and exits 0 when every target is found and verified; prints the
// error on stderr and exits 1 otherwise.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Readable } = require('stream');
const { pathToFileURL } = require('url');
const { Updater, BaseFetcher } = require('tuf-js');
// Not re-exported by the package index; the package has no "exports" map.
const { DownloadHTTPError } = require('tuf-js/dist/error');
const { readJSON, sha256hex } = require('./lib');

class DirFetcher extends BaseFetcher {
  constructor(repoDir, metaBase, targetBase) {
    super();
    this.repoDir = repoDir;
    this.metaBase = metaBase;
    this.targetBase = targetBase;
  }

  resolve(url) {
    if (url.startsWith(this.metaBase)) {
      const name = decodeURIComponent(url.slice(this.metaBase.length));
      if (name === 'timestamp.json') return path.join(this.repoDir, name);
      const m = /^([0-9]+)\.(.+\.json)$/.exec(name);
      if (!m) return null;
      const [, version, plain] = m;
      const numbered = path.join(this.repoDir, name);
      if (fs.existsSync(numbered)) return numbered;
      const file = path.join(this.repoDir, plain);
      if (!fs.existsSync(file)) return null;
      return readJSON(file).signed.version === Number(version) ? file : null;
    }
    if (url.startsWith(this.targetBase)) {
      const rel = decodeURIComponent(url.slice(this.targetBase.length));
      const { dir, base } = path.posix.parse(rel);
      const m = /^([0-9a-f]{64})\.(.+)$/.exec(base);
      if (!m) return null;
      const file = path.join(this.repoDir, 'targets', dir, m[2]);
      if (!fs.existsSync(file)) return null;
      return sha256hex(fs.readFileSync(file)) === m[1] ? file : null;
    }
    return null;
  }

  async fetch(url) {
    const file = this.resolve(url);
    if (!file) throw new DownloadHTTPError(`not found: ${url}`, 404);
    return Readable.toWeb(fs.createReadStream(file));
  }
}

async function main() {
  const [repoDir, ...targetPaths] = process.argv.slice(2);
  if (!repoDir || targetPaths.length === 0) {
    process.stderr.write('usage: tufjs-client.js REPODIR TARGETPATH...\n');
    process.exit(2);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tufjs-client-'));
  try {
    const metadataDir = path.join(work, 'metadata');
    const targetDir = path.join(work, 'targets');
    fs.mkdirSync(metadataDir);
    fs.mkdirSync(targetDir);
    const trusted = fs.existsSync(path.join(repoDir, '1.root.json')) ? '1.root.json' : 'root.json';
    fs.copyFileSync(path.join(repoDir, trusted), path.join(metadataDir, 'root.json'));

    // Base URLs are only names here; the fetcher maps them to files.
    const metadataBaseUrl = pathToFileURL(path.join(work, 'remote-metadata')).href + '/';
    const targetBaseUrl = pathToFileURL(path.join(work, 'remote-targets')).href + '/';
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl,
      targetDir,
      targetBaseUrl,
      fetcher: new DirFetcher(path.resolve(repoDir), metadataBaseUrl, targetBaseUrl),
    });
    await updater.refresh();
    for (const targetPath of targetPaths) {
      const info = await updater.getTargetInfo(targetPath);
      if (!info) throw new Error(`target ${targetPath} not found in the metadata`);
      const out = path.join(targetDir, encodeURIComponent(targetPath));
      await updater.downloadTarget(info, out);
    }
  } catch (err) {
    process.stderr.write(`tufjs-client: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (!process.exitCode) process.stdout.write('ok\n');
}

main();
