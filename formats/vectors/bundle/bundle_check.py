#!/usr/bin/env python3
"""Independent reader of the bundle format (formats/BUNDLE.md, formats 1 to 3).

Standard library only (format 2 zstd chunks: the frame header and block
structure are checked here, the blocks are decoded by the `zstd` command);
written from the spec, not from the C code, so the integration suite can
check that the spec and the implementation agree.

usage: bundle_check.py FILE [HEAD_SHA256 HEAD_LENGTH]

Prints the same lines as a vector's .expect file (head_sha256, head_length,
then "entry PATH SIZE|dir|TARGET", "image NAME SIZE SHA256" and, format 3,
"sbom SIZE SHA256" of the package list's bytes) and exits 0,
or prints "error: ..." and exits 1.
"""
import hashlib
import io
import json
import struct
import subprocess
import sys
import tarfile
import zlib

MAGIC = b"\x89OTABUN\n"
ENTRY = 68


def fail(msg):
    print("error: " + msg)
    sys.exit(1)


def unzstd(stored, ulen, cs):
    """One zstd frame (RFC 8878) as BUNDLE.md "zstd chunks" allows it."""
    if len(stored) < 6 or struct.unpack("<I", stored[:4])[0] != 0xFD2FB528:
        return None, "not a zstd frame"
    fhd = stored[4]
    fcs_flag, single = fhd >> 6, (fhd >> 5) & 1
    if fhd & 0x08 or fhd & 0x04 or fhd & 0x03:
        return None, "reserved bit, checksum or dictionary id"
    pos = 5
    window = 0
    if not single:
        wd = stored[pos]
        pos += 1
        base = 1 << (10 + (wd >> 3))
        window = base + base // 8 * (wd & 7)
    flen = 1 if fcs_flag == 0 and single else [0, 2, 4, 8][fcs_flag]
    if flen == 0:
        return None, "no content size"
    fcs = int.from_bytes(stored[pos:pos + flen], "little") + (256 if flen == 2 else 0)
    pos += flen
    if single:
        window = fcs
    if fcs != ulen or window > cs:
        return None, "content size %d (chunk %d), window %d" % (fcs, ulen, window)
    while True:  # blocks: exactly to the end of the stored bytes
        if pos + 3 > len(stored):
            return None, "truncated frame"
        bh = int.from_bytes(stored[pos:pos + 3], "little")
        pos += 3
        btype, bsize = (bh >> 1) & 3, bh >> 3
        pos += 1 if btype == 1 else bsize
        if btype == 3 or pos > len(stored):
            return None, "bad block"
        if bh & 1:
            break
    if pos != len(stored):
        return None, "bytes after the frame"
    raw = subprocess.run(["zstd", "-dcq"], input=stored, stdout=subprocess.PIPE,
                         check=False).stdout
    return raw, None


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:8] != MAGIC:
        fail("not a bundle")
    fmt, flags, cs, cc, ml, tl, pl = struct.unpack(">IIIIQQQ", data[8:48])
    if fmt not in (1, 2, 3) or flags != 0:
        fail("unsupported format %d flags %d" % (fmt, flags))
    if tl != cc * ENTRY or cs & (cs - 1) or not 65536 <= cs <= 4 << 20:
        fail("bad header")
    head_len = 80 + ml + tl
    head = data[:head_len]
    head_sha = hashlib.sha256(head).hexdigest()
    if len(sys.argv) > 3 and (head_sha != sys.argv[2] or head_len != int(sys.argv[3])):
        fail("head does not match the trusted hash")
    man, tab = head[80:80 + ml], head[80 + ml:]
    if hashlib.sha256(man + tab).digest() != head[48:80]:
        fail("internal digest")
    m = json.loads(man)
    canon = json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if canon.encode() != man:
        fail("manifest is not canonical JSON")
    if m["type"] != "ota-bundle" or m["format"] != fmt or m["chunk_size"] != cs:
        fail("manifest header fields")
    codec = m.get("compression", "deflate" if fmt == 1 else None)
    if (fmt == 1) != ("compression" not in m) or codec not in ("deflate", "zstd"):
        fail("compression %r in format %d" % (codec, fmt))
    # format 3: at most one "sbom" component, named sbom, the last one, after
    # something to install, 1 .. 4 MiB (the canonical package list)
    comps = m["components"]
    for i, c in enumerate(comps):
        if c["type"] == "sbom" and (fmt < 3 or c["name"] != "sbom" or i != len(comps) - 1 or i == 0
                                    or not 1 <= c["size"] <= 4 << 20 or set(c) != {"name", "size", "type"}):
            fail("sbom component %r in format %d" % (c, fmt))
    if len(data) != head_len + pl:
        fail("length %d, header says %d" % (len(data), head_len + pl))
    print("head_sha256 %s\nhead_length %d" % (head_sha, head_len))
    off, idx = head_len, 0
    for c in m["components"]:
        stream = bytearray()
        left = c["size"]
        while left > 0:
            ulen = min(cs, left)
            e = tab[idx * ENTRY:(idx + 1) * ENTRY]
            clen = struct.unpack(">I", e[:4])[0]
            stored = data[off:off + clen]
            if hashlib.sha256(stored).digest() != e[4:36]:
                fail("chunk %d: stored bytes hash" % idx)
            if clen == ulen:
                raw = stored
            elif clen < ulen and codec == "zstd":
                raw, why = unzstd(stored, ulen, cs)
                if why:
                    fail("chunk %d: %s" % (idx, why))
            elif clen < ulen:
                d = zlib.decompressobj(-15)
                raw = d.decompress(stored, ulen)
                if len(raw) != ulen or d.unconsumed_tail or not d.eof or d.unused_data:
                    fail("chunk %d: inflates to the wrong size" % idx)
            else:
                fail("chunk %d: stored longer than uncompressed" % idx)
            if hashlib.sha256(raw).digest() != e[36:68]:
                fail("chunk %d: uncompressed hash" % idx)
            stream += raw
            off += clen
            left -= ulen
            idx += 1
        if c["type"] == "image":
            print("image %s %d %s" % (c["name"], c["size"], hashlib.sha256(stream).hexdigest()))
            continue
        if c["type"] == "sbom":
            # the canonical package list: canonical JSON of format 1 (SBOM.md)
            lst = json.loads(bytes(stream))
            if json.dumps(lst, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() != bytes(stream) \
                    or lst.get("format") != 1:
                fail("the package list is not a canonical list of format 1")
            print("sbom %d %s" % (c["size"], hashlib.sha256(stream).hexdigest()))
            continue
        if c["type"] != "tree":
            fail("component type %r" % c["type"])
        with tarfile.open(fileobj=io.BytesIO(bytes(stream)), mode="r:") as t:
            for ti in t:
                if ti.isdir():
                    what = "dir"
                elif ti.issym():
                    what = ti.linkname
                elif ti.isfile():
                    what = str(ti.size)
                else:
                    fail("entry type of " + ti.name)
                print("entry %s %s" % (ti.name, what))
    if idx != cc:
        fail("chunk count")


if __name__ == "__main__":
    main()
