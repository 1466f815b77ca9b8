#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the expected canonical package lists of formats/vectors/sbom/
(NAME.list.json for each input NAME.json and rootfs-*/ tree) by a second,
independent reading of SBOM.md's rules in Python; tests/unit/test_sbom.c
checks that ota_sbom_parse / ota_sbom_from_tree + ota_sbom_encode produce
exactly these bytes.  Run: python3 formats/vectors/sbom/gen.py
"""
import hashlib
import json
import os
import re
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["name", "version", "ecosystem", "arch", "purl", "license", "source", "source_version"]
PURL_ECO = {"cargo": "crates.io", "composer": "Packagist", "gem": "RubyGems", "golang": "Go",
            "hex": "Hex", "maven": "Maven", "npm": "npm", "nuget": "NuGet", "pub": "Pub",
            "pypi": "PyPI", "swift": "SwiftURL"}


def purl_eco(purl):
    m = re.match(r"pkg:([^/]+)/(.*)", purl or "")
    if not m:
        return None
    t, rest = m.group(1).lower(), m.group(2)
    if t == "deb":
        return "Debian" if rest.startswith("debian/") else None
    if t == "apk":
        return "Alpine" if rest.startswith("alpine/") else None
    return PURL_ECO.get(t)


def deb_upstream(purl):
    """(source, source_version) from a deb purl's upstream qualifier"""
    if not (purl or "").startswith("pkg:deb/") or "?" not in purl:
        return None, None
    for kv in purl.split("?", 1)[1].split("#")[0].split("&"):
        if kv.startswith("upstream="):
            up = urllib.parse.unquote(kv[9:])
            name, _, ver = up.partition("@")
            return name, (ver or None)
    return None, None


def pkg(name, version=None, purl=None, license=None):
    p = {"name": name, "version": version, "purl": purl, "license": license,
         "ecosystem": purl_eco(purl)}
    src, srcver = deb_upstream(purl)
    if src is not None and src != name:
        p["source"] = src
    if srcver is not None and srcver != version:
        p["source_version"] = srcver
    return {k: v for k, v in p.items() if v is not None}


def spdx(doc):
    out = []
    for p in doc.get("packages", []):
        purl = next((r["referenceLocator"] for r in p.get("externalRefs", [])
                     if r["referenceType"] == "purl"), None)
        lic = None
        for k in ("licenseDeclared", "licenseConcluded"):
            if p.get(k) not in (None, "NOASSERTION", "NONE"):
                lic = p[k]
                break
        out.append(pkg(p["name"], p.get("versionInfo"), purl, lic))
    return out


def cdx(doc):
    out, stack = [], list(reversed(doc.get("components", [])))
    while stack:
        c = stack.pop()
        lic = None
        if c.get("licenses"):
            l0 = c["licenses"][0]
            lic = l0.get("license", {}).get("id") or l0.get("license", {}).get("name") \
                or l0.get("expression")
        name = c["name"]
        if c.get("group") and purl_eco(c.get("purl")) in ("npm", "Maven"):
            name = c["group"] + ("/" if purl_eco(c["purl"]) == "npm" else ":") + name
        out.append(pkg(name, c.get("version"), c.get("purl"), lic))
        stack.extend(reversed(c.get("components", [])))
    return out


def status(text, db, eco):
    out = []
    for stanza in text.split("\n\n"):
        f = {}
        for line in stanza.split("\n"):
            if not line or line[0] in " \t":
                continue
            k, v = line.split(":", 1)
            f[k.lower()] = v.strip()
        st = f.get("status", "").split()
        if "package" not in f or len(st) != 3 or st[0] not in ("install", "hold") \
                or st[2] != "installed" or (db == "dpkg" and st[1] != "ok"):
            continue
        p = {"name": f["package"], "version": f["version"], "arch": f.get("architecture"),
             "ecosystem": eco}
        if "source" in f:
            m = re.match(r"(\S+)(?:\s*\((.*)\))?$", f["source"])
            if m.group(1) != p["name"]:
                p["source"] = m.group(1)
            if m.group(2) and m.group(2) != p["version"]:
                p["source_version"] = m.group(2)
        out.append({k: v for k, v in p.items() if v is not None})
    return out


def canonical(source, data, pkgs):
    def key(p):
        return [(0, b"") if p.get(k) is None else (1, p[k].encode()) for k in FIELDS]
    uniq = {json.dumps(p, sort_keys=True): p for p in pkgs}.values()
    doc = {"format": 1, "source": source, "sha256": hashlib.sha256(data).hexdigest(),
           "packages": sorted(uniq, key=key)}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write(name, b):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b)


def main():
    for n, fn in (("spdx-2.3", spdx), ("cyclonedx-1.5", cdx)):
        data = open(os.path.join(HERE, n + ".json"), "rb").read()
        write(n + ".list.json", canonical(n, data, fn(json.loads(data))))
    data = open(os.path.join(HERE, "rootfs-dpkg/var/lib/dpkg/status"), "rb").read()
    write("rootfs-dpkg.list.json",
          canonical("dpkg-status", data, status(data.decode(), "dpkg", "Debian:12")))
    data = open(os.path.join(HERE, "rootfs-opkg/usr/lib/opkg/status"), "rb").read()
    write("rootfs-opkg.list.json",
          canonical("opkg-status", data, status(data.decode(), "opkg", None)))


main()
