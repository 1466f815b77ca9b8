// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the interop scripts: keys in the formats tuf-js accepts,
// key ids, signers for @tufjs/models' Metadata.sign(), JSON file I/O.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { canonicalize } = require('@tufjs/canonical-json');
const { Key, Signature } = require('@tufjs/models');

const EXPIRES = '2099-01-01T00:00:00Z';
const TOP_LEVEL_ROLES = ['root', 'timestamp', 'snapshot', 'targets'];

// DER prefix of an Ed25519 SubjectPublicKeyInfo / PKCS#8 private key; the raw
// 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function sha256hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

// keyid = hex SHA-256 of the canonical JSON of the public key object
// {"keytype", "scheme", "keyval": {"public"}} (TUF spec, "KEYID").
function keyIdOf(keytype, scheme, pub) {
  return sha256hex(Buffer.from(canonicalize({ keytype, scheme, keyval: { public: pub } }), 'utf8'));
}

// A generated key pair: { name, key (models Key), privateKey (KeyObject), file }
// where file is the tuftool key-file JSON ({keyid, keytype, scheme, keyval,
// private}), so the C tool can load keys made here and vice versa.
//   kind: 'ed25519' | 'ecdsa' | 'ecdsa-legacy' (keytype "ecdsa-sha2-nistp256")
function generateKey(name, kind) {
  if (kind === 'ed25519') {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length).toString('hex');
    const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(ED25519_PKCS8_PREFIX.length).toString('hex');
    return makeKeyPair(name, 'ed25519', 'ed25519', pub, privateKey, seed);
  }
  if (kind === 'ecdsa' || kind === 'ecdsa-legacy') {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = publicKey.export({ format: 'pem', type: 'spki' });
    const priv = privateKey.export({ format: 'pem', type: 'pkcs8' });
    const keytype = kind === 'ecdsa' ? 'ecdsa' : 'ecdsa-sha2-nistp256';
    return makeKeyPair(name, keytype, 'ecdsa-sha2-nistp256', pub, privateKey, priv);
  }
  throw new Error(`unknown key kind ${kind}`);
}

function makeKeyPair(name, keytype, scheme, pub, privateKey, privText) {
  const keyid = keyIdOf(keytype, scheme, pub);
  const key = new Key({ keyID: keyid, keyType: keytype, scheme, keyVal: { public: pub } });
  const file = { keyid, keytype, scheme, keyval: { public: pub }, private: privText };
  return { name, key, privateKey, file };
}

// Loads a tuftool key file. Returns the public models Key; throws if the
// file's keyid is not the one the TUF spec defines (computed here with
// @tufjs/canonical-json), so a keyid disagreement is caught by name.
function loadPublicKey(file) {
  const data = readJSON(file);
  const { keyid, keytype, scheme, keyval } = data;
  if (typeof keyid !== 'string' || typeof keytype !== 'string' || typeof scheme !== 'string' ||
      !keyval || typeof keyval.public !== 'string') {
    throw new Error(`${file}: not a key file (need keyid, keytype, scheme, keyval.public)`);
  }
  const expected = keyIdOf(keytype, scheme, keyval.public);
  if (keyid !== expected) {
    throw new Error(`${file}: keyid ${keyid} but sha256(canonical key) is ${expected}`);
  }
  return new Key({ keyID: keyid, keyType: keytype, scheme, keyVal: { public: keyval.public } });
}

// A signer for Metadata.sign(): Ed25519 signs the message itself; ECDSA P-256
// signs SHA-256 of it and the signature is DER (ASN.1 SEQUENCE of r, s), hex,
// which is what tuf-js verifies (node crypto's default dsaEncoding 'der').
function signerFor(pair) {
  return (bytes) => {
    const hash = pair.key.keyType === 'ed25519' ? null : 'sha256';
    const sig = crypto.sign(hash, bytes, pair.privateKey).toString('hex');
    return new Signature({ keyID: pair.key.keyID, sig });
  };
}

function readJSON(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function writeJSON(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

// The JSON of a metadata document with no signatures.
function unsignedJSON(md) {
  return { signed: md.signed.toJSON(), signatures: [] };
}

module.exports = {
  EXPIRES,
  TOP_LEVEL_ROLES,
  sha256hex,
  keyIdOf,
  generateKey,
  loadPublicKey,
  signerFor,
  readJSON,
  writeJSON,
  unsignedJSON,
};
