#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Writes canonical-JSON test vectors produced by @tufjs/canonical-json, an
// implementation independent of ours.
//
//   node gen-canonical-vectors.js OUTDIR
//
// For each vector NAME:
//   OUTDIR/NAME.in.json  the input JSON text, deliberately NOT canonical
//                        (whitespace, unsorted keys, \uXXXX / \n / \/ escapes)
//   OUTDIR/NAME.canon    the exact UTF-8 bytes canonicalize(JSON.parse(input))
//                        returns, no trailing newline
//
// Output is deterministic: the committed formats/vectors/canonical/ must be
// byte-identical to a fresh run (tests/interop/run.sh checks this).
//
// Inputs stay inside the subset where JS and a strict C encoder must agree:
//  - no floats (JS would silently print 1.0 as 1; our encoder refuses them),
//    integers within +-(2^53-1) (JS numbers are doubles), no -0 (JS prints 0);
//  - the top level is always an object (TUF documents are; our strict parser
//    refuses any other top level);
//  - no NUL characters and no lone surrogate escapes (JS would turn a lone
//    surrogate into U+FFFD when encoding to UTF-8);
//  - no object whose keys mix characters above U+FFFF with characters in
//    U+E000..U+FFFF: JS sorts keys by UTF-16 code units, we sort by UTF-8
//    bytes, and the two orders differ only there. This script checks it.
'use strict';

const fs = require('fs');
const path = require('path');
const { canonicalize } = require('@tufjs/canonical-json');

// String.raw keeps backslash escapes exactly as written: these are JSON texts.
const VECTORS = {
  'empty-object': String.raw`  {   }
`,
  'empty-array': String.raw`{"list": [
]}`,
  'empty-containers-nested': String.raw`{ "c" : [ { } , [ ] ], "b": [], "a": {} }`,
  'nested-unsorted': String.raw`{
  "zeta": {"y": 2, "x": 1, "w": {"c": [3, {"b": 2, "a": 1}], "b": null, "a": "A"}},
  "alpha": {"two": 2, "one": 1, "three": {"m": true, "l": false}},
  "mid":   [ {"b": 1, "a": 0}, {"d": [], "c": {}} ]
}`,
  'key-order-ascii': String.raw`{"aa": 1, "a": 2, "B": 3, "_type": 4, "A": 5, "b": 6, "Z": 7, "z": 8,
 "10": 9, "9": 10, "": 11, "a b": 12, "a-": 13, "~": 14, "ab": 15, "a_": 16, "Ab": 17, "aB": 18}`,
  'key-order-unicode': String.raw`{"\u00e9": 1, "z": 2, "日本": 3, "\u65e5": 4, "😀": 5, "e": 6,
 "\u00ff": 7, "Ā": 8, "\u00c9": 9, "éa": 10, "\ud83d\ude01": 11, "\u3042": 12}`,
  'string-quotes-backslash': String.raw`{
  "quote": "say \"hi\"",
  "backslash": "C:\\path\\to\\file",
  "both": "\\\"\\\"",
  "solidus_escaped": "a\/b\/c",
  "solidus_raw": "a/b/c",
  "key \"with\" quotes": "v",
  "key\\with\\backslashes": "w"
}`,
  'control-characters': String.raw`{
  "newline": "line1\nline2\n",
  "tab": "a\tb",
  "cr": "a\r\nb",
  "backspace": "\b",
  "formfeed": "\f",
  "soh": "\u0001",
  "us": "\u001f",
  "esc": "\u001B[0m",
  "del": "\u007f",
  "line_separator": "\u2028",
  "key\nwith\tcontrols": 1
}`,
  'unicode-strings': String.raw`{
  "e_escaped": "caf\u00e9",
  "e_escaped_upper": "caf\u00E9",
  "e_raw": "café",
  "ja_raw": "日本",
  "ja_escaped": "\u65e5\u672c",
  "emoji_raw": "😀",
  "emoji_escaped": "\ud83d\ude00",
  "mixed": "Grüße, 世界 🌍!",
  "replacement": "\ufffd",
  "private_use": "\ue000"
}`,
  'integers': String.raw`{"ints": [0, -1, 1, 42, -42, 255, 256, 65535, 65536, 2147483647, 2147483648,
 -2147483648, 4294967295, 4294967296, 1000000000000, 9007199254740991, -9007199254740991]}`,
  'integers-in-object': String.raw`{"version": 7, "length": 1048576, "threshold": 2,
  "zero": 0, "neg": -9007199254740991, "max": 9007199254740991}`,
  'literals': String.raw`{ "t" : true , "f" : false , "n" : null , "all" : [ true , false , null ] }`,
  'mixed-array': String.raw`{"mixed": [1, "two", [3, [4, []]], {"five": 5, "four": 4}, true, null, "", -6, {}, false, "\u00e9"]}`,
  'whitespace-everywhere': `\r\n\t { \t"b"\r\n:\n[\n1\t,\r\n2 ]\n, \t "a" :\t"x y"\n }\r\n\t `,
  'deep-nesting': String.raw`{"deep": [[[[[[[[[[{"k": [[[[[{"z": 1, "y": [[[]]]}]]]]]}]]]]]]]]]], "b": {"a": {"c": {}}}}`,
  'tuf-root-signed': String.raw`{
  "roles": {
    "timestamp": {"threshold": 1, "keyids": ["4d2a9527a6756a803d19332ad6c2effb84049e7ad8e3f12d5cf060220b425f4d"]},
    "targets": {"threshold": 1, "keyids": ["57ae72a96c1c96b607d151b9035493d0ef0236033721fae11df65c2a93a691cd"]},
    "snapshot": {"threshold": 1, "keyids": ["2dc99aa7a83b79aafcd823c2cb8e2bf9771c1dda3a6e72032a055d781b9890fc"]},
    "root": {
      "threshold": 2,
      "keyids": [
        "99b37d7bf37660b8d09af212e199e8c0f0dad747739845e02f6794e047926e46",
        "53443d438a0196f7b7a35a651155b2d3d8a7eb0b5070aeffb1341df8ffef0ff7"
      ]
    }
  },
  "_type": "root",
  "version": 1,
  "spec_version": "1.0.31",
  "expires": "2099-01-01T00:00:00Z",
  "consistent_snapshot": true,
  "keys": {
    "99b37d7bf37660b8d09af212e199e8c0f0dad747739845e02f6794e047926e46": {
      "scheme": "ecdsa-sha2-nistp256",
      "keyval": {"public": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPRqF2Pxu\/Q+xOks30Pcavs9tL7ph\n1l4ZZUPZ+fYNrg265U440FdqUQ1xH\/o6gSyQKuaP0ZY10O+x4G5\/LzVAQw==\n-----END PUBLIC KEY-----\n"},
      "keytype": "ecdsa"
    },
    "53443d438a0196f7b7a35a651155b2d3d8a7eb0b5070aeffb1341df8ffef0ff7": {
      "keyval": {"public": "e97f96106030b9e374a410851c28a49f8134e94b8a761193d070cf77ef867d42"},
      "scheme": "ed25519",
      "keytype": "ed25519"
    },
    "57ae72a96c1c96b607d151b9035493d0ef0236033721fae11df65c2a93a691cd": {
      "keytype": "ed25519", "scheme": "ed25519",
      "keyval": {"public": "e80c3341503203ffc8108b6fefa1edaa1190b64ceeb732454efc4cd1d578d63d"}
    },
    "2dc99aa7a83b79aafcd823c2cb8e2bf9771c1dda3a6e72032a055d781b9890fc": {
      "keytype": "ed25519", "scheme": "ed25519",
      "keyval": {"public": "ea37fe9c88fa64da88157b58bc2737b92adc7fb2c57a416a2d1298594f628287"}
    },
    "4d2a9527a6756a803d19332ad6c2effb84049e7ad8e3f12d5cf060220b425f4d": {
      "keytype": "ed25519", "scheme": "ed25519",
      "keyval": {"public": "b9313b6583a94aea717ed2da45c3b0c9d36a6022bfe5318a39e7afb95f384bd5"}
    }
  }
}`,
  'tuf-targets-signed': String.raw`{
  "version": 3,
  "targets": {
    "product-x\/gw-100\/1.4.2.bundle": {
      "length": 1048576,
      "custom": {
        "hardware_ids": ["gw-100", "gw-100b"],
        "min_version": "1.2.0",
        "release_notes": "Fixes CVE-2099-0001.\nReboot required.",
        "name_ja": "\u30b2\u30fc\u30c8\u30a6\u30a7\u30a4",
        "rollout": {"percent": 25, "seed": 12345}
      },
      "hashes": {
        "sha512": "a4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238bc13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62",
        "sha256": "b41299b2d4f5be77cb1135d2f24187e77937c5732354c36da7a039d123491063"
      }
    },
    "notes.txt": {"hashes": {"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, "length": 0}
  },
  "spec_version": "1.0.31",
  "expires": "2099-12-31T23:59:59Z",
  "_type": "targets",
  "delegations": {
    "roles": [
      {"name": "product-x", "terminating": false, "threshold": 1, "paths": ["product-x/*"],
       "keyids": ["57ae72a96c1c96b607d151b9035493d0ef0236033721fae11df65c2a93a691cd"]},
      {"path_hash_prefixes": ["00", "8f", "ff"], "name": "bins-a", "keyids": [], "threshold": 1, "terminating": true}
    ],
    "keys": {
      "57ae72a96c1c96b607d151b9035493d0ef0236033721fae11df65c2a93a691cd": {
        "scheme": "ed25519", "keytype": "ed25519",
        "keyval": {"public": "e80c3341503203ffc8108b6fefa1edaa1190b64ceeb732454efc4cd1d578d63d"}
      }
    }
  }
}`,
};

// UTF-8 byte order: what a C encoder sorting with memcmp produces.
function utf8Compare(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// Refuse inputs outside the subset documented above, so nobody adds a vector
// on which the two implementations legitimately disagree.
function checkSubset(name, value, where) {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) {
      throw new Error(`${name}: ${where}: number ${value} is outside the shared subset`);
    }
  } else if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new Error(`${name}: ${where}: NUL in string`);
    // (String.prototype.isWellFormed needs Node 20; Debian bookworm ships 18)
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value))
      throw new Error(`${name}: ${where}: lone surrogate`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkSubset(name, v, `${where}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const js = [...keys].sort();
    const bytes = [...keys].sort(utf8Compare);
    if (js.join('\u0000') !== bytes.join('\u0000')) {
      throw new Error(`${name}: ${where}: UTF-16 and UTF-8 key orders differ`);
    }
    for (const k of keys) {
      checkSubset(name, k, `${where} key`);
      checkSubset(name, value[k], `${where}.${k}`);
    }
  }
}

// Input must not contain numbers with a fraction or exponent: JSON.parse
// would turn 1.0 into 1 and hide it.
function checkNoFloatTokens(name, text) {
  // Remove strings first so digits inside them do not count.
  const stripped = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  if (/[0-9][.eE]/.test(stripped)) throw new Error(`${name}: input has a float token`);
}

function main() {
  const outDir = process.argv[2];
  if (!outDir || process.argv.length !== 3) {
    process.stderr.write('usage: gen-canonical-vectors.js OUTDIR\n');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(VECTORS)) {
    checkNoFloatTokens(name, text);
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${name}: top level must be an object`);
    }
    checkSubset(name, value, '$');
    const canon = Buffer.from(canonicalize(value), 'utf8');
    if (canon.equals(Buffer.from(text, 'utf8'))) {
      throw new Error(`${name}: input is already canonical; make it less so`);
    }
    fs.writeFileSync(path.join(outDir, `${name}.in.json`), text);
    fs.writeFileSync(path.join(outDir, `${name}.canon`), canon);
  }
}

main();
