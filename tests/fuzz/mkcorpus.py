#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/fuzz/mkcorpus.py — writes the committed seed corpora tests/fuzz/corpus/NAME/.

Each fuzzer's first input byte(s) select what it fuzzes (see the header of
tests/fuzz/fuzz_NAME.c); the seeds here are the repository's vectors
(formats/vectors, keys-example) with those bytes in front, so every mode
starts from inputs that get deep.  `make fuzz` reads them besides
formats/vectors and keeps what it finds in build-fuzz/corpus/NAME.

Run from anywhere:  python3 tests/fuzz/mkcorpus.py [path/to/ota-sign]
(ota-sign, default build/ota-sign, makes the key files for fuzz_keyfile;
without it that corpus is left as it is).  Deterministic except those key
files (new keys each run).
"""
import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
VEC = os.path.join(ROOT, "formats", "vectors")


def read(*parts):
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def write_corpus(name, seeds):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for fname, data in seeds.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)


# ---- fuzz_client: mode byte, then (FF FE, name, LF, data)* ------------------
def container(mode, files):
    out = bytes([mode])
    for name, data in files:
        assert b"\xff\xfe" not in data
        out += b"\xff\xfe" + name.encode() + b"\n" + data
    return out


def client_seeds():
    t = os.path.join(VEC, "tufjs")
    meta = [
        ("timestamp.json", read(t, "timestamp.json")),
        ("1.snapshot.json", read(t, "snapshot.json")),
        ("1.targets.json", read(t, "targets.json")),
        ("1.product-x.json", read(t, "product-x.json")),
        ("1.hashed-bin.json", read(t, "hashed-bin.json")),
    ]
    small_target = [("targets/tools/diag-1.0.txt", read(t, "targets", "tools", "diag-1.0.txt"))]
    targets = small_target + [
        ("targets/product-x/app-2.0.0.bundle", read(t, "targets", "product-x", "app-2.0.0.bundle")),
        ("targets/firmware/gw-100/1.4.2.bundle",
         read(t, "targets", "firmware", "gw-100", "1.4.2.bundle")),
    ]
    local = [
        ("local/timestamp.json", read(t, "timestamp.json")),
        ("local/snapshot.json", read(t, "snapshot.json")),
        ("local/targets.json", read(t, "targets.json")),
    ]
    # compact, unsigned copies for the re-signing mode: small inputs, so the
    # fuzzer's mutations land on the fields behind the signatures
    def bare(data):
        doc = json.loads(data)
        doc["signatures"] = []
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()

    # bundle targets for ota_client_choose: two releases of product gw-fw
    # (one eligible, one beta-only at rollout 0), a floor in ota_policy
    tdoc = json.loads(read(t, "targets.json"))
    tdoc["signatures"] = []
    tdoc["signed"]["ota_policy"] = {"floors": {"gw-fw": "1.2.0"}}
    releases = [("gw-fw/1.5.0.bundle", "1.5.0", {"channels": ["stable"], "rollout": 100}),
                ("gw-fw/2.0.0-rc.1.bundle", "2.0.0-rc.1", {"channels": ["beta"], "rollout": 0})]
    rel_files = []
    for path, version, policy in releases:
        body = ("bundle %s\n" % version).encode()
        tdoc["signed"]["targets"][path] = {
            "length": len(body), "hashes": {"sha256": ""},
            "custom": {"ota_bundle": {"name": "gw-fw", "version": version,
                                      "hardware": ["gw-100"]},
                       "ota_release": policy}}
        rel_files.append(("targets/" + path, body))
    choose_targets = json.dumps(tdoc, separators=(",", ":"), ensure_ascii=False).encode()
    choose_meta = [(n, bare(d)) for n, d in meta if n != "1.targets.json"]
    choose_meta.append(("1.targets.json", choose_targets))

    return {
        # fix-ups give the targets their lengths and hashes
        "resign-choose": container(0x07, choose_meta + rel_files),
        "resign-compact": container(0x07, [(n, bare(d)) for n, d in meta] + small_target),
        "resign-compact-rotation": container(
            0x07, [("2.root.json", bare(read(t, "2.root.json")))] + [(n, bare(d)) for n, d in meta[:3]]),
        # the tuf-js repository as it is: valid for the harness's root
        "tufjs-raw": container(0x00, meta + small_target + [("lookup", b"tools/diag-1.0.txt")]),
        # every target file, metadata re-signed with fix-ups (lengths, hashes, versions)
        "tufjs-resign-fixup": container(0x07, meta + targets),
        # root rotation to the repository's version 2 (new root keys)
        "tufjs-rotation": container(0x00, [("2.root.json", read(t, "2.root.json"))] + meta),
        # trusted copies from an earlier cycle in the metadata directory
        "tufjs-local": container(0x00, local + meta[:2]),
        # no fetch(): open/read/close in 61 * 3 byte pieces
        "tufjs-stream": container(0x08 | 0x30, meta + small_target),
    }


# ---- fuzz_server: selector byte, then the parser's input -----------------------
def server_seeds():
    s = {}
    paths = ["/metadata/timestamp.json", "/targets/ab%20c/1.2.bundle", "//metadata//a/./b",
             "/metadata/%2e%2e/keys/root.key", "/targets/" + "a" * 64 + ".fw.bin",
             "/metadata/12.root.json", "/.git/config", "/metadata/x%00y", "/metadata/"]
    for i, p in enumerate(paths):
        s["path-%d" % i] = b"\x00\xff" + p.encode()
    s["path-small-cap"] = b"\x00\x10/metadata/timestamp.json"
    for i, q in enumerate(["1.2.3", "a%20b%2Fc", "%zz", "x%7f"]):
        s["query-%d" % i] = b"\x01\x40" + q.encode()
    size = struct.pack(">Q", 4096)
    for i, r in enumerate(["bytes=0-99", "bytes=100-", "bytes=-500", "bytes=0-0,5-9",
                           "bytes=4096-", "BYTES=1-2", "bytes=999999999999999999-"]):
        s["range-%d" % i] = b"\x02" + size + r.encode()
    for i, d in enumerate(["Sun, 06 Nov 1994 08:49:37 GMT", "Sat, 29 Feb 2020 23:59:60 GMT",
                           "Sunday, 06-Nov-94 08:49:37 GMT"]):
        s["date-%d" % i] = b"\x03" + d.encode()
    for i, e in enumerate(['"1000-5f5e100-0"', 'W/"1000-5f5e100-0", "x"', "*", '"a", W/"b"']):
        s["etag-%d" % i] = b"\x04\x0e" + b"1000-5f5e100-0" + e.encode()
    return s


# ---- fuzz_pem: (mode << 1 | alg) byte, then the key ---------------------------
def pem_body(pem):
    lines = [l for l in pem.decode().splitlines() if l and not l.startswith("-----")]
    return base64.b64decode("".join(lines))


def pem_seeds():
    p = os.path.join(VEC, "pkey")
    ec, rsa = 0, 1

    def b(mode, alg):
        return bytes([mode << 1 | alg])

    s = {}
    for alg, f in [(ec, "p256-pub.pem"), (ec, "p256-pub-compressed.pem"),
                   (ec, "p256-pub-explicit.pem"), (rsa, "rsa2048-pub.pem"),
                   (rsa, "rsapss-pub.pem"), (rsa, "rsa2048-pub-pkcs1.pem")]:
        s["pub-" + f] = b(0, alg) + read(p, f)
    s["der-p256-pub"] = b(1, ec) + read(p, "p256-pub.der")
    s["der-rsa2048-pub"] = b(1, rsa) + read(p, "rsa2048-pub.der")
    for alg, k, sig in [(ec, "p256-pub.der", "p256-sig.der"),
                        (rsa, "rsa2048-pub.der", "rsa2048-sig-pss32.bin")]:
        der = read(p, k)
        s["verify-" + k] = b(2, alg) + struct.pack(">H", len(der)) + der + read(p, sig)
    s["priv-p256"] = b(3, ec) + read(p, "p256-priv.pem")
    s["priv-rsa2048"] = b(3, rsa) + read(p, "rsa2048-priv.pem")
    s["priv-p256-sec1"] = b(3, ec) + read(p, "p256-priv-sec1.pem")
    s["der-priv-p256"] = b(4, ec) + pem_body(read(p, "p256-priv.pem"))
    s["keyobj-p256"] = b(5, ec) + read(p, "p256-pub.pem")
    return s


# ---- fuzz_bundle: selector byte (see its header), then the bundle -------------
def bundle_seeds():
    good = read(VEC, "bundle", "good-tree-image.otab")
    mlen, tlen = struct.unpack(">QQ", good[24:40])
    manifest = good[80:80 + mlen]
    table = good[80 + mlen:80 + mlen + tlen]
    zgood = read(VEC, "bundle", "good-zstd-tree-image.otab")
    zmlen, ztlen = struct.unpack(">QQ", zgood[24:40])
    zmanifest = zgood[80:80 + zmlen]
    ztable = zgood[80 + zmlen:80 + zmlen + ztlen]
    sgood = read(VEC, "bundle", "good-sbom-tree-image.otab")
    smlen, stlen = struct.unpack(">QQ", sgood[24:40])
    smanifest = sgood[80:80 + smlen]
    stable = sgood[80 + smlen:80 + smlen + stlen]
    dgood = read(VEC, "bundle", "good-delta-tree-image.otab")
    dmlen, dtlen = struct.unpack(">QQ", dgood[24:40])
    dmanifest = dgood[80:80 + dmlen]
    dtable = dgood[80 + dmlen:80 + dmlen + dtlen]
    return {
        "manifest": b"\x00" + manifest,
        "head": b"\x01" + struct.pack(">H", mlen) + manifest + table,
        # the reader with a local chunk provider and a skip function
        "reader-local-skip": bytes([2 + 3 * 3]) + good,
        # format 2: zstd chunks (its manifest and head, the reader plain and
        # with a provider, a hostile frame)
        "manifest-zstd": b"\x00" + zmanifest,
        "head-zstd": b"\x01" + struct.pack(">H", zmlen) + zmanifest + ztable,
        "reader-zstd": bytes([2]) + zgood,
        "reader-zstd-local-skip": bytes([2 + 3 * 3]) + zgood,
        "reader-zstd-bomb": bytes([2]) + read(VEC, "bundle", "bad-zstd-bomb.otab"),
        # format 3: the package list as the last component (its manifest and
        # head; the reader then ota_bundle_sbom_read, plain and with a
        # provider and a skip function)
        "manifest-sbom": b"\x00" + smanifest,
        "head-sbom": b"\x01" + struct.pack(">H", smlen) + smanifest + stable,
        "reader-sbom": bytes([2 + 3 * 8]) + sgood,
        "reader-sbom-local-skip": bytes([2 + 3 * 11]) + sgood,
        # format 4: a tree in the delta layout (pax headers, a filler, the
        # manifest's tree mtime), its manifest and head, the reader plain
        # and with a provider and a skip function
        "manifest-delta": b"\x00" + dmanifest,
        "head-delta": b"\x01" + struct.pack(">H", dmlen) + dmanifest + dtable,
        "reader-delta": bytes([2]) + dgood,
        "reader-delta-local-skip": bytes([2 + 3 * 3]) + dgood,
    }


# ---- fuzz_tree: flags byte (see its header), then a tar stream or a script ----
def tar_of(entries, fmt=tarfile.PAX_FORMAT):
    """entries: (name, kind, extra): kind file (extra bytes), dir, sym / hard
    (extra target), chr / fifo; the end-of-archive blocks are the harness's."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, extra in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            ti.mode = 0o755 if kind == "dir" else 0o644
            if kind == "file":
                ti.size = len(extra)
                t.addfile(ti, io.BytesIO(extra))
                continue
            ti.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                       "chr": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
            if kind in ("sym", "hard"):
                ti.linkname = extra
            if kind == "chr":
                ti.devmajor, ti.devminor = 1, 3
            t.addfile(ti)
    data = buf.getvalue()
    return data[:len(data) - 1024] if data.endswith(bytes(1024)) else data.rstrip(b"\0")


def script(records):
    """records: (t, mode, path, link or None, data or None) as fuzz_tree reads them."""
    out = b""
    for t, mode, path, link, data in records:
        out += bytes([t]) + struct.pack(">H", mode) + path.encode() + b"\0"
        if link is not None:
            out += link.encode() + b"\0"
        if data is not None:
            out += bytes([len(data)]) + data
    return out


def tree_seeds():
    # as ota-sign writes trees: sorted, every directory listed first
    good = [("bin", "dir", None), ("bin/app", "file", b"#!/bin/sh\necho hi\n"),
            ("etc", "dir", None), ("etc/app.conf", "file", b"x = 1\n"),
            ("etc/rel", "sym", "../bin/app"), ("lib", "sym", "bin")]
    deep = "/".join(["d%d" % i for i in range(60)])
    long_name = "n" * 250
    tars = {
        "good": (0x08 | 0x80, good),
        "good-rootfs-abs": (0x40 | 0x08, good + [("sbin", "sym", "/bin")]),
        "good-binary-files": (0x08, [("bin", "dir", None)] +
                              [("bin/f%d" % i, "file", bytes(range(256)) * 20) for i in range(6)]),
        "good-replace-planted": (0x02 | 0x04 | 0x80, good),
        "unpriv": (0x10 | 0x02 | 0x08 | 0x80, good),
        "setuid": (0x20, [("su", "file", b"x")]),
        "setuid-denied": (0x00, [("su", "file", b"x")]),
        "dotdot": (0, [("../outside/evil", "file", b"x")]),
        "dotdot-inner": (0, [("a", "dir", None), ("a/../../canary", "file", b"x")]),
        "absolute": (0, [("/dev/shm/evil", "file", b"x")]),
        "link-then-file": (0, [("l", "sym", "../outside"), ("l/evil", "file", b"x")]),
        "link-abs-then-file": (0x40, [("l", "sym", "@O"), ("l/evil", "file", b"x")]),
        "link-canary-then-file": (0x40 | 0x04, [("c", "sym", "@C"), ("c", "file", b"x")]),
        "planted-link-parent": (0x02 | 0x04, [("p-dirlink", "dir", None),
                                              ("p-dirlink/evil", "file", b"x")]),
        "planted-abslink-parent": (0x02, [("p-abslink/evil", "file", b"x")]),
        "planted-filelink": (0x02 | 0x04, [("p-filelink", "file", b"evil")]),
        "planted-hardlink": (0x02 | 0x04, [("p-hardlink", "file", b"evil")]),
        "planted-fifo": (0x02 | 0x04, [("p-fifo", "file", b"evil")]),
        "planted-locked": (0x02 | 0x10 | 0x80, [("p-locked", "dir", None),
                                                ("p-locked/x", "file", b"y")]),
        "hardlink-outside": (0, [("h", "hard", "../canary")]),
        "hardlink-abs": (0, [("h", "hard", "@C")]),
        "device": (0, [("null", "chr", None)]),
        "fifo": (0, [("f", "fifo", None)]),
        "duplicate": (0x04, [("a", "file", b"1"), ("a", "file", b"2")]),
        "duplicate-dir-file": (0x04, [("a", "dir", None), ("a", "file", b"2")]),
        "long-name": (0x80, [(long_name, "file", b"x"), (long_name + "2", "sym", "x" * 300)]),
        "deep": (0x08 | 0x80, [(deep, "dir", None), (deep + "/f", "file", b"x")]),
        "ustar-link-o": (0x40, [("l", "sym", "@O/sub"), ("l/deep", "file", b"x")]),
    }
    # power cuts (the byte after the flags): at the n-th sink call, then resume
    for cut in (1, 2, 3, 5, 8):
        tars["good-cut-%d" % cut] = (0x08, good, cut)
    tars["deep-cut"] = (0x00, [(deep, "dir", None), (deep + "/f", "file", b"x" * 3000)], 3)
    tars["long-name-cut"] = (0x00, [(long_name, "file", b"x" * 5000),
                                    (long_name + "2", "sym", "x" * 300)], 2)
    tars["files-cut"] = (0x04, [("d", "dir", None)] + [("d/f%02d" % i, "file", b"y" * (i * 700))
                                                         for i in range(12)], 9)
    seeds = {}
    for name, spec in tars.items():
        flags, entries, cut = spec if len(spec) == 3 else spec + (0,)
        fmt = tarfile.USTAR_FORMAT if name.startswith("ustar") else tarfile.PAX_FORMAT
        try:
            body = tar_of(entries, fmt)
        except ValueError:
            body = tar_of(entries, tarfile.GNU_FORMAT)
        seeds["tar-" + name] = bytes([flags, cut]) + body
    D, F, L = 1, 0, 2
    scripts = {
        # the reader would refuse these; the writer alone must hold
        "link-then-file": (0, [(L, 0o777, "l", "../outside", None), (F, 0o644, "l/evil", None, b"x")]),
        "abslink-then-file": (0, [(L, 0o777, "l", "@O", None), (F, 0o644, "l/evil", None, b"x")]),
        "abslink-then-dir": (0x04, [(L, 0o777, "l", "@O", None), (D, 0o755, "l", None, None),
                                    (F, 0o644, "l/x", None, b"x")]),
        "canary-link-replaced": (0x04, [(L, 0o777, "c", "@C", None), (F, 0o644, "c", None, b"x")]),
        "canary-link-kept": (0, [(L, 0o777, "c", "@C", None), (F, 0o644, "c", None, b"x")]),
        "dotdot": (0, [(F, 0o644, "../canary", None, b"x"), (D, 0o755, "..", None, None),
                       (F, 0o644, "a/../../canary", None, b"x")]),
        "absolute": (0, [(F, 0o644, "/dev/shm/evil", None, b"x")]),
        "file-then-child": (0, [(F, 0o644, "f", None, b"x"), (F, 0o644, "f/g", None, b"x")]),
        "planted": (0x02 | 0x04, [(F, 0o644, "p-hardlink", None, b"x"),
                                  (F, 0o644, "p-filelink", None, b"x"),
                                  (F, 0o644, "p-dirlink/inner", None, b"x"),
                                  (D, 0o755, "p-abslink", None, None),
                                  (F, 0o644, "p-abslink/inner", None, b"x"),
                                  (F, 0o644, "p-fifo", None, b"x"),
                                  (F, 0o644, "p-locked/x", None, b"x")]),
        "planted-no-replace": (0x02, [(F, 0o644, "p-hardlink", None, b"x"),
                                      (D, 0o755, "p-dirlink", None, None),
                                      (F, 0o644, "p-dirlink/sub/deep", None, b"x")]),
        "unpriv-planted": (0x10 | 0x02 | 0x80, [(D, 0o000, "z", None, None),
                                                (F, 0o644, "z/y", None, b"x")]),
        "setuid": (0, [(F, 0o6755, "s", None, b"x"), (D, 0o2755, "g", None, None)]),
        "short-data": (0, [(3 | 4, 0o644, "short", None, b"x"), (F, 0o644, "next", None, b"y")]),
        "no-end": (0x10, [(F | 0x10, 0o644, "open", None, b"x"), (F, 0o644, "next", None, b"y")]),
        "replace-dir-with-file": (0x04, [(D, 0o755, "d", None, None), (F, 0o644, "d/x", None, b"x"),
                                          (F, 0o644, "d", None, b"y")]),
    }
    for name, (flags, recs) in scripts.items():
        seeds["script-" + name] = bytes([flags | 0x01]) + script(recs)
    return seeds


# ---- fuzz_conf: selector byte (0 system.conf, 1 client.conf, 2 env listing,
# 3 install.json) ------------------------------------------------------------
def conf_seeds():
    slots = ("[slot.rootfs.0]\ntype = dir\npath = /mnt/a\nbootname = A\n"
             "[slot.rootfs.1]\ntype = dir\npath = /mnt/b\nbootname = B\nallow-setuid = yes\n"
             "[slot.kernel.0]\ntype = raw\ndevice = /dev/k0\nparent = rootfs.0\n"
             "[slot.kernel.1]\ntype = raw\npath = /dev/k1\nparent = rootfs.1\n")
    systems = {
        "example": read(ROOT, "dist", "etc", "ota", "system.conf.example"),
        "uboot": ("[system]\r\ncompatible = gw-1\n\tbootloader\t=\tuboot  \n; c\n"
                  "attempts = 5\nfw-env-config = /etc/fw_env.config\nfw-printenv = /bin/p\n"
                  "fw-setenv = /bin/s\nbootloader-timeout = 7\ncmdline = /proc/cmdline\n"
                  + slots).encode(),
        "grub": ("[system]\ncompatible = gw-1\nbootloader = grub\ngrubenv = /boot/grubenv\n"
                 "grub-editenv = /usr/bin/grub-editenv\n" + slots).encode(),
        "custom": ("[system]\ncompatible = gw-1\nbootloader = custom\n"
                   "custom-program = /usr/lib/ota/boot\n" + slots).encode(),
        "symlink": ("[system]\ncompatible = gw-1\nbootloader = symlink\nsymlink = /run/cur\n"
                    + slots).encode(),
        "application": ("[system]\ncompatible = gw-1\nbootloader = application\n"
                        + slots).encode(),
        "dup-slot": ("[system]\ncompatible = gw-1\nbootloader = uboot\n" + slots
                     + "[ slot.rootfs.0 ]\ntype = dir\npath = /c\nbootname = C\n").encode(),
    }
    env = {
        "uboot": b"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nbootcmd=run x\n"
                 b"multi=line\n continued\nBOOT_ORDER=B A\r\n",
        "grub": b"ORDER=B A\nA_TRY=0\nB_TRY=1\nA_OK=1\nB_OK=0\n",
    }
    seeds = {"system-" + k: b"\x00" + v for k, v in systems.items()}
    seeds["client-dist"] = b"\x01" + read(ROOT, "dist", "etc", "ota", "client.conf")
    seeds["client-set"] = (b"\x01metadata_url = https://u.example/metadata/\n# c\n"
                           b"poll_interval = 60\npoll_jitter = 5\ntimeout = 0\n"
                           b"report_url = none\nstate_dir = /var/lib/x\nhealth_timeout = 9\n"
                           b"checkpoint_kib = 64\nconnect_timeout = 1\ninterval = 3\n")
    seeds.update({"env-" + k: b"\x02" + v for k, v in env.items()})
    target = {"from_slot": "A", "head_sha256": "ab" * 32, "length": 4096, "name": "gw-fw",
              "path": "gw-fw/1.5.0.bundle", "slot": "B", "version": "1.5.0"}
    journal = {"bundle_offset": 1024, "bytes": 10, "entries": 2, "last_nondir": "bin/app",
               "next_chunk": 1, "prev_path": "bin/app", "skip": 512}
    states = {
        "idle": {"format": 1, "state": "idle"},
        "committed": {"bad_versions": ["1.4.0"], "format": 1, "installed_name": "gw-fw",
                      "installed_slot": "A", "installed_version": "1.3.0", "state": "committed"},
        "downloading": {"bad_versions": [], "format": 1, "installed_version": "1.3.0",
                        "journal": journal, "state": "downloading", "target": target},
        "pending": {"format": 1, "installed_version": "1.3.0", "reason": "health check",
                    "last_error": "x" * 300, "state": "pending", "target": target},
        "fell-back": {"bad_versions": ["1.5.0", "v" * 200], "format": 1, "state": "fell-back",
                      "target": dict(target, version="9" * 150)},
    }
    for k, v in states.items():
        seeds["state-" + k] = b"\x03" + json.dumps(v, indent=1, sort_keys=True).encode()
    return seeds


# ---- fuzz_release: byte % 3 (0 custom.ota_release, 1 ota_policy, 2 a bundle
# target's custom field), then JSON --------------------------------------------
def release_seeds():
    seeds = {}
    for kind in ("valid", "invalid"):
        cases = json.loads(read(VEC, "release", "policy-%s.json" % kind))
        for i, case in enumerate(cases):
            for key, mode in (("ota_release", 0), ("ota_policy", 1)):
                if key in case:
                    doc = json.dumps(case[key], separators=(",", ":"), ensure_ascii=False)
                    seeds["%s-%s-%02d" % (key, kind, i)] = bytes([mode]) + doc.encode()
    custom = {"ota_bundle": {"chunk_size": 262144, "chunks": 3, "components": [
        {"name": "rootfs", "size": 700000, "type": "tree"}], "format": 1,
        "hardware": ["gw-100"], "head_length": 400, "head_sha256": "ab" * 32,
        "name": "gw-fw", "payload_length": 600000, "version": "1.5.0"},
        "ota_release": {"channels": ["beta", "stable"], "rollout": 25}}
    seeds["custom-bundle"] = b"\x02" + json.dumps(custom, separators=(",", ":")).encode()
    return seeds


# ---- fuzz_report: report vectors come from formats/vectors/report; these are
# bodies of PUT /v1/devices/ID/key ---------------------------------------------
def report_seeds():
    key = {"keytype": "ed25519", "keyval": {"public": "3b" * 32}, "scheme": "ed25519"}
    return {"device-key": json.dumps(key, separators=(",", ":")).encode(),
            "device-key-upper": json.dumps(key).replace("3b", "3B", 1).encode()}


# ---- fuzz_id: up to three NUL-separated strings -----------------------------
def id_seeds():
    cases = {
        "id": ["acme-gw-r1", "a", "x" * 128],
        "id-bad": ["-a", "x" * 129, "a b"],
        "semver": ["1.2.3", "1.2.3-rc.1", "1.2.3-rc.1+build.5"],
        "semver-order": ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta"],
        "semver-num": ["1.0.0-2", "1.0.0-11", "1.0.0-a"],
        "semver-bad": ["01.2.3", "1.2.3-01", "1.2"],
        "semver-build": ["1.0.0+001", "1.0.0+x.y", "1.0.0"],
        "time": ["2030-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "0000-01-01T00:00:00Z"],
        "hex": ["00ff10AB", "abc", "zz"],
        "number": ["18446744073709551615", "\x05\x01", "18446744073709551616"],
        "size": ["256k", "\x00\x01", "4M"],
        "path": ["a/b/c", "../x", "a/./b"],
        "link": ["a/b/l", "../../x", "/etc/passwd"],
        "link-deep": ["a/b/c/l", "../../../x", "./../y"],
        "link-descend": ["a/l", "b/../../x", "a"],
    }
    return {k: "\0".join(v).encode() for k, v in cases.items()}


# ---- fuzz_keyfile: key files as ota-sign writes them -----------------------
def keyfile_seeds(sign):
    s = {"example-root.key": read(ROOT, "keys-example", "root.key"),
         "example-root.pub": read(ROOT, "keys-example", "root.pub")}
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, OTA_SIGN_PASSPHRASE="fuzz corpus")
        for name, args in [("ecdsa-clear", ["--type", "ecdsa-p256", "--unencrypted"]),
                           ("ed25519-enc", ["--kdf", "interactive"])]:
            subprocess.run([sign, "keygen", "-o", os.path.join(d, name)] + args, env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            s[name + ".key"] = read(d, name + ".key")
        s["ecdsa.pub"] = read(d, "ecdsa-clear.pub")
    return s


# ---- fuzz_sbom: mode byte (0 document, 1 status: then db byte, 2 list) ----
def sbom_seeds():
    v = os.path.join(VEC, "sbom")
    s = {}
    for name in ("spdx-2.3", "cyclonedx-1.5"):
        s[name] = b"\x00" + read(v, name + ".json")
    for name in ("spdx-2.3", "cyclonedx-1.5", "rootfs-dpkg", "rootfs-opkg"):
        s[name + ".list"] = b"\x02" + read(v, name + ".list.json")
    s["dpkg-status"] = b"\x01\x00" + read(v, "rootfs-dpkg", "var", "lib", "dpkg", "status")
    s["opkg-status"] = b"\x01\x01" + read(v, "rootfs-opkg", "usr", "lib", "opkg", "status")
    return s


# ---- fuzz_osv: mode byte (0 advisory, 1 three versions) ----------------------
def osv_seeds():
    v = os.path.join(VEC, "osv")
    s = {}
    for f in sorted(os.listdir(v)):
        if f.endswith(".json") and f not in ("cases.json", "invalid.json"):
            s[f[:-5]] = b"\x00" + read(v, f)
    for i, c in enumerate(json.loads(read(v, "invalid.json"))):
        s["invalid-%02d" % i] = b"\x00" + json.dumps(c["advisory"]).encode()
    order = [l.split(" ", 1)[1] for l in read(VEC, "pkgver", "debian-order.txt").decode().splitlines()
             if not l.startswith("#")]
    for i in range(0, len(order) - 2, 7):
        s["versions-%02d" % i] = b"\x01" + "\n".join(order[i:i + 3]).encode()
    s["versions-semver"] = b"\x01" + b"1.0.0-alpha\n1.0.0-alpha.1\n1.0.0+build.1"
    return s


def main():
    sign = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "ota-sign")
    write_corpus("fuzz_client", client_seeds())
    write_corpus("fuzz_server", server_seeds())
    write_corpus("fuzz_pem", pem_seeds())
    write_corpus("fuzz_bundle", bundle_seeds())
    write_corpus("fuzz_tree", tree_seeds())
    write_corpus("fuzz_conf", conf_seeds())
    write_corpus("fuzz_release", release_seeds())
    write_corpus("fuzz_id", id_seeds())
    write_corpus("fuzz_report", report_seeds())
    write_corpus("fuzz_sbom", sbom_seeds())
    write_corpus("fuzz_osv", osv_seeds())
    if os.access(sign, os.X_OK):
        write_corpus("fuzz_keyfile", keyfile_seeds(sign))
    else:
        print("no %s: fuzz_keyfile corpus left as it is" % sign, file=sys.stderr)


if __name__ == "__main__":
    main()
