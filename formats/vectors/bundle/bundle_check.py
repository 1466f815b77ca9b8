#!/usr/bin/env python3
"""Independent reader of the bundle format (formats/BUNDLE.md, formats 1 to 4).

Standard library only (format 2 zstd chunks: the frame header and block
structure are checked here, the blocks are decoded by the `zstd` command);
written from the spec, not from the C code, so the integration suite can
check that the spec and the implementation agree.  Tree streams are walked
block by block here (pax `x` records applied to the next entry, pax global
headers `g` ignored); in format 4 every entry's mtime must be the
manifest's `mtime`, and the stream must be exactly the canonical layout of
"Tree layout for delta updates": it is rebuilt from the parsed entries
(headers, pax records, fillers, the cut rule) and compared byte for byte.

usage: bundle_check.py FILE [HEAD_SHA256 HEAD_LENGTH]

Prints the same lines as a vector's .expect file (head_sha256, head_length,
then "entry PATH SIZE|dir|TARGET", "image NAME SIZE SHA256" and, format 3,
"sbom SIZE SHA256" of the package list's bytes) and exits 0,
or prints "error: ..." and exits 1.
"""
import hashlib
import json
import struct
import subprocess
import sys
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


# ---- tar streams (BUNDLE.md "File trees", "Tree layout for delta updates") ----
ZERO = bytes(512)
MAX_MTIME = 0o77777777777      # 11 octal digits (OTA_TAR_MAX_MTIME)
CUT_TAG = b"ota tree cut 1\0"


def octal_in(field, what):
    """A ustar number: octal digits, then NUL or space padding."""
    f = field.rstrip(b"\0 ").lstrip(b" ")
    if not f:
        return 0
    if not all(0x30 <= c <= 0x37 for c in f):
        fail("tar: %s field %r is not octal" % (what, bytes(field)))
    return int(f, 8)


def cstr(field):
    return bytes(field.split(b"\0", 1)[0])


def pax_records(body):
    """`LEN key=value\\n` records covering all of body: [(key, value)]."""
    recs, p = [], 0
    while p < len(body):
        sp = body.find(b" ", p)
        if sp <= p or not body[p:sp].isdigit():
            fail("tar: bad pax record length")
        n = int(body[p:sp])
        rec = body[p:p + n]
        if n <= sp - p + 1 or len(rec) != n or rec[-1:] != b"\n" or b"=" not in rec:
            fail("tar: bad pax record")
        k, v = rec[sp - p + 1:-1].split(b"=", 1)
        recs.append((k.decode("ascii", "replace"), v))
        p += n
    return recs


def parse_tar(stream):
    """Entries of a pax stream: dicts path (bytes, no directory '/'), kind
    (file / dir / sym), mode, uid, gid, mtime, size, link, data."""
    entries, off, pending = [], 0, None
    while True:
        blk = stream[off:off + 512]
        if len(blk) < 512:
            fail("tar: no end-of-archive blocks")
        if blk == ZERO:
            if stream[off + 512:off + 1024] != ZERO or len(stream) != off + 1024:
                fail("tar: end-of-archive blocks, then %d bytes" % (len(stream) - off - 1024))
            if pending is not None:
                fail("tar: a pax header with no entry after it")
            return entries
        want = sum(blk[:148]) + 8 * 0x20 + sum(blk[156:])
        if octal_in(blk[148:156], "checksum") != want:
            fail("tar: header checksum at %d" % off)
        if blk[257:265] != b"ustar\x0000":
            fail("tar: not a ustar/pax header at %d" % off)
        typ = blk[156:157]
        size = octal_in(blk[124:136], "size")
        if typ in (b"x", b"g"):
            body = stream[off + 512:off + 512 + size]
            if len(body) != size:
                fail("tar: truncated pax header")
            off += 512 + (size + 511) // 512 * 512
            if typ == b"g":
                continue  # global header: meaningless to this format ("Resume")
            if pending is not None:
                fail("tar: two pax extended headers in a row")
            pending = dict(pax_records(body))
            continue
        kinds = {b"0": "file", b"\0": "file", b"5": "dir", b"2": "sym"}
        if typ not in kinds:
            fail("tar: entry type %r" % typ)
        pax = pending or {}
        pending = None
        name = cstr(blk[0:100])
        prefix = cstr(blk[345:500])
        if prefix:
            name = prefix + b"/" + name
        e = {"kind": kinds[typ], "path": pax.get("path", name),
             "link": pax.get("linkpath", cstr(blk[157:257])),
             "mode": octal_in(blk[100:108], "mode"), "uid": octal_in(blk[108:116], "uid"),
             "gid": octal_in(blk[116:124], "gid"), "mtime": octal_in(blk[136:148], "mtime")}
        if "mtime" in pax:
            e["mtime"] = int(pax["mtime"].split(b".")[0])
        if "size" in pax:
            size = int(pax["size"])
        if e["kind"] == "dir" and e["path"].endswith(b"/"):
            e["path"] = e["path"][:-1]
        if e["kind"] != "file":
            size = 0
        e["size"] = size
        e["data"] = stream[off + 512:off + 512 + size]
        if len(e["data"]) != size:
            fail("tar: truncated file data of %r" % e["path"])
        off += 512 + (size + 511) // 512 * 512
        entries.append(e)


def octal_out(v, w):
    """w - 1 octal digits with leading zeros, then NUL."""
    d = "%0*o" % (w - 1, v)
    if len(d) != w - 1:
        fail("layout: %d does not fit %d octal digits" % (v, w - 1))
    return d.encode() + b"\0"


def ustar_block(name, mode, size, mtime, typ, link=b""):
    """One ustar header block as BUNDLE.md "A ustar header block" has it."""
    assert len(name) <= 100 and len(link) <= 100
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = octal_out(mode, 8)
    h[108:116] = octal_out(0, 8)
    h[116:124] = octal_out(0, 8)
    h[124:136] = octal_out(size, 12)
    h[136:148] = octal_out(mtime, 12)
    h[148:156] = b" " * 8
    h[156:157] = typ
    h[157:157 + len(link)] = link
    h[257:265] = b"ustar\x0000"
    h[329:337] = octal_out(0, 8)
    h[337:345] = octal_out(0, 8)
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pad512(b):
    return b + bytes(-len(b) % 512)


def pax_record(key, value):
    """`LEN key=value\\n`, LEN counting its own digits; the shorter LEN when
    two are consistent."""
    rest = b" " + key + b"=" + value + b"\n"
    d = 1
    while len(str(d + len(rest))) != d:
        d += 1
    return str(d + len(rest)).encode() + rest


def fits(b):
    return len(b) <= 100 and all(c < 0x80 for c in b)


def canonical_entry(e, mtime):
    """Header blocks, data and padding of one entry (BUNDLE.md "The stream")."""
    name = e["path"] + (b"/" if e["kind"] == "dir" else b"")
    link = e["link"] if e["kind"] == "sym" else b""
    size = e["size"] if e["kind"] == "file" else 0
    recs, ufield, lfield, sfield = [], name, link, size
    if e["kind"] == "sym" and not fits(link):
        recs.append(pax_record(b"linkpath", link))
        lfield = b"@linkpath"
    if not fits(name):
        recs.append(pax_record(b"path", name))
        ufield = b"@path"
    if recs:
        recs.insert(0, pax_record(b"hdrcharset", b"BINARY"))
    if size > 0o77777777777:
        recs.append(pax_record(b"size", str(size).encode()))
        sfield = 0
    out = b""
    if recs:
        body = b"".join(recs)
        out += ustar_block(b"@PaxHeader", 0o644, len(body), mtime, b"x") + pad512(body)
    mode = 0o777 if e["kind"] == "sym" else e["mode"] & 0o7777
    typ = {"file": b"0", "dir": b"5", "sym": b"2"}[e["kind"]]
    out += ustar_block(ufield, mode, sfield, mtime, typ, lfield)
    if e["kind"] == "file":
        out += pad512(bytes(e["data"]))
    return out


def filler(n, mtime):
    """A pax global header of n bytes (BUNDLE.md "A filler of n bytes")."""
    assert n % 512 == 0 and n >= 512
    r = n - 512
    rec = b""
    if r:
        head = str(r).encode() + b" comment="
        rec = head + b"0" * (r - len(head) - 1) + b"\n"
        assert len(rec) == r
    return ustar_block(b"@PaxGlobal", 0o644, r, mtime, b"g") + rec


def is_cut_point(path, e, cs):
    k = int.from_bytes(hashlib.sha256(CUT_TAG + path).digest()[:8], "big")
    return e >= cs // 2 or k % (cs // 2) < e


def canonical_stream(entries, mtime, cs):
    """The whole format-4 tree stream (BUNDLE.md "The cut rule")."""
    out, pos = [], 0
    for en in entries:
        blob = canonical_entry(en, mtime)
        e = len(blob)
        if pos > 0 and pos + e > cs:
            out.append(filler(cs - pos, mtime))
            pos = 0
        out.append(blob)
        pos = (pos + e) % cs
        if pos > 0 and is_cut_point(en["path"], e, cs):
            out.append(filler(cs - pos, mtime))
            pos = 0
    out.append(bytes(1024))
    return b"".join(out)


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def main():
    sys.stdout.reconfigure(encoding="utf-8", errors="surrogateescape")
    data = open(sys.argv[1], "rb").read()
    if data[:8] != MAGIC:
        fail("not a bundle")
    fmt, flags, cs, cc, ml, tl, pl = struct.unpack(">IIIIQQQ", data[8:48])
    if fmt not in (1, 2, 3, 4) or flags != 0:
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
    top = {"type", "format", "name", "version", "hardware", "created", "chunk_size", "components", "hooks"}
    if fmt >= 2:
        top.add("compression")
    if not set(m) <= top:
        fail("manifest keys %s in format %d" % (sorted(set(m) - top), fmt))
    # tree keys; format 4: "mtime" required (0 .. 11 octal digits), before: refused
    tree_keys = {"entries", "name", "rootfs", "size", "type", "unpacked"} | ({"mtime"} if fmt >= 4 else set())
    for c in m["components"]:
        if c.get("type") == "tree" and set(c) != tree_keys:
            fail("tree component keys %s in format %d" % (sorted(c), fmt))
        if c.get("type") == "image" and set(c) != {"name", "size", "type"}:
            fail("image component keys %s" % sorted(c))
        if "mtime" in c and (type(c["mtime"]) is not int or not 0 <= c["mtime"] <= MAX_MTIME):
            fail("tree mtime %r" % c["mtime"])
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
        stream = bytes(stream)
        entries = parse_tar(stream)
        if len(entries) != c["entries"] or sum(e["size"] for e in entries) != c["unpacked"]:
            fail("tree %s: %d entries of %d bytes, the manifest says %d of %d"
                 % (c["name"], len(entries), sum(e["size"] for e in entries), c["entries"], c["unpacked"]))
        if fmt >= 4:
            bad = [e["path"] for e in entries if e["mtime"] != c["mtime"]]
            if bad:
                fail("tree %s: entry %r has another mtime than the manifest's %d"
                     % (c["name"], bad[0], c["mtime"]))
            want = canonical_stream(entries, c["mtime"], cs)
            if want != stream:
                i = first_difference(want, stream)
                fail("tree %s: not the canonical layout: first difference at stream offset %d "
                     "(block %d, byte %d of it; %d bytes, rebuilt %d)"
                     % (c["name"], i, i // 512, i % 512, len(stream), len(want)))
        for e in entries:
            what = {"dir": "dir", "sym": None, "file": str(e["size"])}[e["kind"]]
            if what is None:
                what = e["link"].decode("utf-8", "surrogateescape")
            print("entry %s %s" % (e["path"].decode("utf-8", "surrogateescape"), what))
    if idx != cc:
        fail("chunk count")


if __name__ == "__main__":
    main()
