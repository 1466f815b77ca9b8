#!/usr/bin/env python3
"""Generate the release-policy vectors of formats/RELEASE.md (version 1).

    python3 formats/vectors/release/gen.py [OUTDIR]

writes buckets.json, policy-valid.json and policy-invalid.json (default:
next to this script).  Standard library only; the output is deterministic,
so running it again must leave `git diff` empty.
"""
import hashlib
import json
import os
import sys

# ---- the rules, written independently of the C code ----------------------

ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")


def id_valid(s):
    return (isinstance(s, str) and 1 <= len(s.encode()) <= 128 and s[0].isascii()
            and s[0].isalnum() and all(c in ID_CHARS for c in s))


def bucket(device_id, name, version):
    h = hashlib.sha256(b"ota-rollout-v1\0" + device_id.encode() + b"\0" + name.encode() +
                       b"\0" + version.encode()).digest()
    return int.from_bytes(h[:8], "big") % 100


# ---- buckets.json -----------------------------------------------------------

def buckets():
    cases = [
        ("a", "gw-firmware", "1.2.0"),            # shortest device id
        ("D" * 127 + "9", "gw-firmware", "1.2.0"),  # longest device id (128 bytes)
        ("0", "gw-firmware", "1.2.0"),
        ("SN-000001", "gw-firmware", "1.2.0"),
        ("SN-000002", "gw-firmware", "1.2.0"),
        ("SN-000003", "gw-firmware", "1.2.0"),
        ("SN-000001", "gw-firmware", "1.2.1"),    # same device, next release
        ("SN-000001", "gw-firmware", "1.3.0-rc.1"),
        ("SN-000001", "gw-firmware", "1.3.0-rc.1+build.7"),
        ("SN-000001", "sensor-fw", "1.2.0"),      # same device and version, other bundle
        ("00:1a:2b:3c:4d:5e", "gw-firmware", "1.2.0"),
        ("00:1A:2B:3C:4D:5E", "gw-firmware", "1.2.0"),  # ids are case sensitive
        ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "gw-firmware", "2.0.0"),
        ("acme.gw-v2_0042", "acme.gw:main", "0.0.1"),
        ("rpi4-livingroom", "home-hub", "10.20.30"),
        ("edge:eu-west:17", "edge-stack", "3.1.4"),
        ("X", "a", "0.0.0"),
        ("device_with_underscores", "gw-firmware", "1.2.0-alpha"),
        ("1234567890", "gw-firmware", "99999.0.0"),
        ("gw-7.lab", "gw-firmware", "1.2.0-0.3.7"),
    ]
    # a device at each edge of the range for one release: bucket 0 is
    # inside any rollout > 0, bucket 99 only inside rollout 100
    for want in (0, 99):
        n = 0
        while bucket("dev-%d" % n, "gw-firmware", "1.2.0") != want:
            n += 1
        cases.append(("dev-%d" % n, "gw-firmware", "1.2.0"))
    out = []
    for dev, name, ver in cases:
        assert id_valid(dev) and id_valid(name), (dev, name)
        out.append({"device_id": dev, "name": name, "version": ver,
                    "bucket": bucket(dev, name, ver)})
    return out


# ---- policy-valid.json / policy-invalid.json --------------------------------

DEFAULTS = {"channels": ["stable"], "rollout": 100, "downgrade": False}
LONG = "c" * 127 + "Z"                  # a 128-byte id
TOO_LONG = "c" * 129
CH16 = sorted("ch%02d" % i for i in range(16))
CH17 = sorted("ch%02d" % i for i in range(17))
V64 = "1.0.0-" + "r" * 58                # a 64-byte version
V65 = "1.0.0-" + "r" * 59


def rel(value, why, valid):
    case = {"ota_release": value, "why": why}
    if valid:
        case["expect"] = dict(DEFAULTS, **value)
    return case


def pol(value, why, valid):
    case = {"ota_policy": value, "why": why}
    if valid:
        case["expect"] = value["floors"]
    return case


def valid_cases():
    return [
        rel({"channels": ["stable"], "rollout": 100, "downgrade": False},
            "what ota-sign add writes by default", True),
        rel({"channels": ["beta", "stable"], "rollout": 25, "downgrade": False},
            "the example of RELEASE.md", True),
        rel({}, "every member absent: all three defaults", True),
        rel({"channels": ["beta"]}, "rollout and downgrade absent: 100, false", True),
        rel({"rollout": 10}, "channels and downgrade absent: [\"stable\"], false", True),
        rel({"downgrade": True}, "downgrade true; the rest default", True),
        rel({"channels": ["stable"], "rollout": 0, "downgrade": False},
            "rollout 0 (a paused rollout) is in range", True),
        rel({"channels": ["a"], "rollout": 100}, "a one-byte channel name", True),
        rel({"channels": [LONG]}, "a 128-byte channel name", True),
        rel({"channels": CH16}, "16 channels, the most allowed", True),
        rel({"channels": ["1beta", "a._:-Z9"]},
            "a digit first; every allowed punctuation after the first byte", True),
        rel({"channels": ["Beta", "alpha"]},
            "sorted by byte value: upper case sorts before lower case", True),
        pol({"floors": {"gw-firmware": "1.2.0"}}, "the example of RELEASE.md", True),
        pol({"floors": {}}, "floors present and empty: no floor", True),
        pol({"floors": {"gw-firmware": "1.2.0-rc.1+build.5", "sensor-fw": "0.0.1"}},
            "two names; pre-release and build metadata", True),
        pol({"floors": {LONG: "1.0.0"}}, "a 128-byte bundle name", True),
        pol({"floors": {"gw": V64}}, "a 64-byte version (OTA_MAX_VERSION_LEN)", True),
        pol({"floors": {"fw-%03d" % i: "1.0.0" for i in range(256)}},
            "256 names, the most allowed", True),
    ]


def invalid_cases():
    return [
        rel(None, "ota_release is null, not an object", False),
        rel([], "ota_release is an array", False),
        rel("stable", "ota_release is a string", False),
        rel({"channels": ["stable"], "rollout": 100, "downgrade": False, "priority": 1},
            "another member", False),
        rel({"Rollout": 10}, "member names are case sensitive: another member", False),
        rel({"channels": "stable"}, "channels is a string, not an array", False),
        rel({"channels": None}, "channels is null", False),
        rel({"channels": []}, "no channel: at least 1", False),
        rel({"channels": CH17}, "17 channels: at most 16", False),
        rel({"channels": [1]}, "a channel that is not a string", False),
        rel({"channels": [""]}, "an empty channel name", False),
        rel({"channels": ["-beta"]}, "a channel name starting with '-'", False),
        rel({"channels": [".beta"]}, "a channel name starting with '.'", False),
        rel({"channels": ["be ta"]}, "a space in a channel name", False),
        rel({"channels": ["a/b"]}, "a '/' in a channel name", False),
        rel({"channels": ["b\u00e9ta"]}, "a non-ASCII channel name", False),
        rel({"channels": [TOO_LONG]}, "a 129-byte channel name", False),
        rel({"channels": ["stable", "beta"]}, "channels not sorted", False),
        rel({"channels": ["alpha", "Beta"]}, "channels not sorted by byte value", False),
        rel({"channels": ["beta", "beta"]}, "a channel twice", False),
        rel({"rollout": -1}, "rollout below 0", False),
        rel({"rollout": 101}, "rollout above 100", False),
        rel({"rollout": "50"}, "rollout is a string", False),
        rel({"rollout": 50.5}, "rollout is not an integer", False),
        rel({"rollout": True}, "rollout is a boolean", False),
        rel({"rollout": None}, "rollout is null", False),
        rel({"downgrade": "false"}, "downgrade is a string", False),
        rel({"downgrade": 0}, "downgrade is a number", False),
        rel({"downgrade": None}, "downgrade is null", False),
        pol(None, "ota_policy is null, not an object", False),
        pol([], "ota_policy is an array", False),
        pol({}, "floors absent: ota_policy exists only to carry it", False),
        pol({"floors": {}, "ceilings": {}}, "another member", False),
        pol({"floors": []}, "floors is an array", False),
        pol({"floors": None}, "floors is null", False),
        pol({"floors": {"": "1.0.0"}}, "an empty bundle name", False),
        pol({"floors": {"-gw": "1.0.0"}}, "a bundle name starting with '-'", False),
        pol({"floors": {"gw/fw": "1.0.0"}}, "a '/' in a bundle name", False),
        pol({"floors": {TOO_LONG: "1.0.0"}}, "a 129-byte bundle name", False),
        pol({"floors": {"gw": 1}}, "a version that is a number", False),
        pol({"floors": {"gw": None}}, "a version that is null", False),
        pol({"floors": {"gw": ""}}, "an empty version", False),
        pol({"floors": {"gw": "1.0"}}, "a version without PATCH", False),
        pol({"floors": {"gw": "v1.0.0"}}, "a version with a 'v'", False),
        pol({"floors": {"gw": "01.0.0"}}, "a leading zero", False),
        pol({"floors": {"gw": "1.0.0-"}}, "an empty pre-release", False),
        pol({"floors": {"gw": V65}}, "a 65-byte version: over OTA_MAX_VERSION_LEN", False),
        pol({"floors": {"fw-%03d" % i: "1.0.0" for i in range(257)}},
            "257 names: at most 256", False),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, data in (("buckets.json", buckets()), ("policy-valid.json", valid_cases()),
                       ("policy-invalid.json", invalid_cases())):
        with open(os.path.join(out, name), "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
