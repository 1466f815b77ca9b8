#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A small static file server for the client's integration tests (loopback
// only, test code only): plays an honest repository or a hostile one.
//
//   node static-server.js --root DIR --port-file FILE [--log FILE] [--max-seconds N]
//                         [--tls-cert PEM --tls-key PEM]
//
// With --tls-cert and --tls-key it speaks HTTPS instead.
// Listens on 127.0.0.1 on a free port and writes the port number to FILE
// once listening.  GET and HEAD; "Range: bytes=N-" gets 206.  Paths are
// percent-decoded once and resolved under DIR; when no such file exists the
// raw path is tried too (repositories store a delegated role as
// VERSION.<percent-encoded name>.json on disk, python-tuf style); a ".."
// segment is a 400.
// Every request is appended to --log as "METHOD RAWPATH", with " range=R"
// when it had a Range header R.
//
// Hostile behaviours, chosen by marker files next to the requested name
// (only when the name itself does not exist):
//   NAME.endless  200 with no length, the marker's bytes repeated forever
//                 (until the client hangs up, or 120 s pass)
//   NAME.slow     the marker's bytes, one byte per second
//   NAME.status   the HTTP status written in the marker (e.g. 500), empty body
//   NAME.redirect a 302 to the URL written in the marker
// and one next to an existing file:
//   NAME.cut-once the first GET of NAME without Range sends the whole
//                 Content-Length but only the number of bytes written in the
//                 marker, then closes the connection; the marker is deleted
// A request for an absolute URL ("GET http://HOST/PATH", as sent to a
// forward proxy) is served as PATH: the suites use that to check that the
// client honours http_proxy.
// The process exits by itself after --max-seconds (default 600), so a
// forgotten server never outlives the suite by long.
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const root = path.resolve(arg('--root', '.'));
const portFile = arg('--port-file', null);
const logFile = arg('--log', null);
const maxSeconds = Number(arg('--max-seconds', '600'));
const tlsCert = arg('--tls-cert', null);
const tlsKey = arg('--tls-key', null);

function log(line) {
  if (logFile) fs.appendFileSync(logFile, line + '\n');
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (e) {
    return false;
  }
}

function endless(req, res, chunk) {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
  if (req.method === 'HEAD') return res.end();
  const block = Buffer.concat(Array(Math.ceil(65536 / Math.max(chunk.length, 1))).fill(chunk.length ? chunk : Buffer.from('x')));
  const stopAt = Date.now() + 120000;
  const pump = () => {
    while (!res.destroyed && Date.now() < stopAt) {
      if (!res.write(block)) return res.once('drain', pump);
    }
    res.end();
  };
  res.on('error', () => {});
  pump();
}

function slow(req, res, data) {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length });
  if (req.method === 'HEAD') return res.end();
  let i = 0;
  const t = setInterval(() => {
    if (res.destroyed || i >= data.length) {
      clearInterval(t);
      return res.end();
    }
    res.write(data.subarray(i, i + 1));
    i++;
  }, 1000);
  res.on('close', () => clearInterval(t));
}

function handle(req, res) {
  log(`${req.method} ${req.url}` + (req.headers.range ? ` range=${req.headers.range}` : ''));
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405);
    return res.end();
  }
  if (/^http:\/\/[^/]+\//.test(req.url)) req.url = req.url.replace(/^http:\/\/[^/]+/, '');
  let rel;
  try {
    rel = decodeURIComponent(req.url.split('?')[0]);
  } catch (e) {
    res.writeHead(400);
    return res.end();
  }
  if (rel.split('/').some((s) => s === '..') || rel.includes('\0')) {
    res.writeHead(400);
    return res.end();
  }
  let file = path.join(root, rel);
  const raw = path.join(root, req.url.split('?')[0]);
  if (!isFile(file) && !req.url.split('?')[0].split('/').some((s) => s === '..') && isFile(raw)) file = raw;
  if (!isFile(file)) {
    if (isFile(file + '.endless')) return endless(req, res, fs.readFileSync(file + '.endless'));
    if (isFile(file + '.slow')) return slow(req, res, fs.readFileSync(file + '.slow'));
    if (isFile(file + '.redirect')) {
      res.writeHead(302, { Location: fs.readFileSync(file + '.redirect', 'utf8').trim(), 'Content-Length': 0 });
      return res.end();
    }
    if (isFile(file + '.status')) {
      res.writeHead(Number(fs.readFileSync(file + '.status', 'utf8').trim()) || 500);
      return res.end();
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('not found\n');
  }
  const data = fs.readFileSync(file);
  const m = /^bytes=(\d+)-$/.exec(req.headers.range || '');
  if (m) {
    const start = Number(m[1]);
    if (start >= data.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${data.length}` });
      return res.end();
    }
    res.writeHead(206, {
      'Content-Length': data.length - start,
      'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}`,
    });
    return res.end(req.method === 'HEAD' ? undefined : data.subarray(start));
  }
  res.writeHead(200, { 'Content-Length': data.length, 'Content-Type': 'application/octet-stream' });
  if (req.method === 'GET' && isFile(file + '.cut-once')) {
    const n = Number(fs.readFileSync(file + '.cut-once', 'utf8').trim());
    fs.unlinkSync(file + '.cut-once');
    return res.write(data.subarray(0, n), () => res.socket.end());
  }
  res.end(req.method === 'HEAD' ? undefined : data);
}

const server = tlsCert
  ? https.createServer({ cert: fs.readFileSync(tlsCert), key: fs.readFileSync(tlsKey) }, handle)
  : http.createServer(handle);

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  if (portFile) {
    fs.writeFileSync(portFile + '.tmp', String(port));
    fs.renameSync(portFile + '.tmp', portFile);
  } else {
    process.stdout.write(`${port}\n`);
  }
});
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
