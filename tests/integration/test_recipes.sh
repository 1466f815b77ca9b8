#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_recipes.sh — the build recipes in packaging/ (packaging/yocto/*.bb)
# without BitBake: a small checker parses each recipe (every line an
# assignment, inherit, comment or task; quotes and ${...} balanced; SUMMARY,
# LICENSE, LIC_FILES_CHKSUM, SRC_URI and DEPENDS set; each LIC_FILES_CHKSUM
# md5 equal to the file's), expands the variables it uses with OE-Core's
# defaults (an unknown one is an error), runs the oe_runmake lines of
# do_compile and do_install against this tree (`make -n` first: the compile
# builds neither ota-server nor ota-sign nor a test), and splits the
# installed files into the recipe's packages with BitBake's first-match
# rules (every file shipped, the unit and conffiles in ${PN}).
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-recipes.XXXXXX")
trap 'rm -rf "$T"' EXIT

cat >"$T/bbcheck.py" <<'PY'
# bbcheck.py RECIPE ROOT BUILD WORK — prints "PASS name" / "FAIL name: why"
import glob, hashlib, json, os, re, shlex, subprocess, sys

recipe, root, build, work = sys.argv[1:5]
name = os.path.basename(recipe)
def res(ok, what, why=""):
    print(("PASS " if ok else "FAIL ") + name + ": " + what + ("" if ok else ": " + why), flush=True)
    return ok

m = re.fullmatch(r"([a-z0-9-]+)_([0-9][0-9a-z.+-]*)\.bb", name)
if not res(m is not None, "file name is PN_PV.bb", name):
    sys.exit(0)
image = os.path.join(work, "image")
# OE-Core's defaults for a target recipe (no multilib, no usrmerge)
env = {"PN": m.group(1), "BPN": m.group(1), "PV": m.group(2), "D": image,
       "WORKDIR": work, "prefix": "/usr", "exec_prefix": "/usr", "bindir": "/usr/bin",
       "sbindir": "/usr/sbin", "libdir": "/usr/lib", "includedir": "/usr/include",
       "sysconfdir": "/etc", "datadir": "/usr/share", "mandir": "/usr/share/man",
       "docdir": "/usr/share/doc", "infodir": "/usr/share/info", "localstatedir": "/var",
       "base_libdir": "/lib", "nonarch_base_libdir": "/lib",
       "systemd_system_unitdir": "/lib/systemd/system", "CC": "cc",
       "CFLAGS": "-O2 -g", "LDFLAGS": "-Wl,-O1 -Wl,--hash-style=gnu -Wl,--as-needed",
       "AUTOREV": "AUTOINC"}

# ---- parse: logical lines (backslash continuations joined) -----------------
assign = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)((?::[A-Za-z0-9_${}-]+)*)\s*(\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*"(.*)"\s*$')
lines, errors, tasks, vars_, ops = [], [], {}, {}, []
def balanced(ln, text):  # ${...} pairs (a task's shell braces are not counted)
    depth = 0
    for tok in re.findall(r"\$\{|\}", text):
        depth += 1 if tok == "${" else -1
        if depth < 0:
            break
    if depth != 0:
        errors.append("line %d: unbalanced ${...}" % ln)
raw = open(recipe).read().split("\n")
i = 0
while i < len(raw):
    line, start = raw[i], i + 1
    while line.endswith("\\") and i + 1 < len(raw):
        i += 1
        line = line[:-1] + " " + raw[i].strip()
    i += 1
    s = line.strip()
    if not s or s.startswith("#"):
        continue
    fm = re.fullmatch(r"(do_[a-z_]+)\(\)\s*\{", s)
    if fm:  # a shell task: its body up to a "}" alone at the start of a line
        body = []
        while i < len(raw) and raw[i] != "}":
            l = raw[i]
            while l.endswith("\\") and i + 1 < len(raw):
                i += 1
                l = l[:-1] + " " + raw[i].strip()
            if l.strip():
                body.append((i + 1, l.strip()))
                balanced(i + 1, l)
            i += 1
        if i >= len(raw):
            errors.append("line %d: %s has no closing }" % (start, fm.group(1)))
        i += 1
        tasks[fm.group(1)] = body
        continue
    if re.fullmatch(r"inherit(\s+[a-z0-9_-]+)+", s):
        continue
    am = assign.fullmatch(s)
    if not am:
        errors.append("line %d: not an assignment, inherit, comment or task: %s" % (start, s[:60]))
        continue
    var, over, op, val = am.groups()
    if '"' in val.replace('\\"', ""):
        errors.append("line %d: unbalanced quotes" % start)
    balanced(start, val)
    ops.append((var + over, op, val))
res(not errors, "syntax", "; ".join(errors))

def expand(s, seen=()):
    def one(mo):
        k = mo.group(1)
        if k in seen:
            raise KeyError("recursive ${%s}" % k)
        if k in vars_:
            return expand(vars_[k], seen + (k,))
        if k in env:
            return env[k]
        raise KeyError("unknown variable ${%s}" % k)
    if "${@" in s:
        raise KeyError("inline python is not checked")
    return re.sub(r"\$\{([A-Za-z0-9_:-]+)\}", one, s)

for key, op, val in ops:  # in order; ?= only sets what is unset
    key = key.replace("${PN}", env["PN"])
    old = vars_.get(key)
    if op in ("=", ":="):
        vars_[key] = val
    elif op in ("?=", "??="):
        vars_.setdefault(key, val)
    elif op == "+=":
        vars_[key] = (old + " " + val) if old else val
    elif op == "=+":
        vars_[key] = (val + " " + old) if old else val
    elif op == ".=":
        vars_[key] = (old or "") + val
    elif op == "=.":
        vars_[key] = val + (old or "")
for v in ("SUMMARY", "LICENSE", "LIC_FILES_CHKSUM", "SRC_URI", "DEPENDS"):
    res(bool(vars_.get(v, "").strip()), v + " is set", "missing")

# ---- the license checksums and local files -----------------------------------
try:
    lic = expand(vars_.get("LIC_FILES_CHKSUM", "")).split()
    for ent in lic:
        path, *params = ent[len("file://"):].split(";") if ent.startswith("file://") else ("", )
        p = dict(x.split("=", 1) for x in params if "=" in x)
        f = os.path.join(root, path)
        if not res(bool(path) and os.path.isfile(f) and set(p) == {"md5"}, "LIC_FILES_CHKSUM " + ent,
                   "not a file://PATH;md5=SUM of a file in the tree"):
            continue
        got = hashlib.md5(open(f, "rb").read()).hexdigest()
        res(got == p["md5"], "LIC_FILES_CHKSUM md5 of " + path, "md5sum says " + got)
    res(bool(lic), "LIC_FILES_CHKSUM names a file", "empty")
    for ent in expand(vars_.get("SRC_URI", "")).split():
        if ent.startswith("file://"):
            f = ent[len("file://"):].split(";")[0]
            d = os.path.dirname(recipe)
            res(any(os.path.exists(os.path.join(d, sub, f)) for sub in ("files", env["BPN"], env["BPN"] + "-" + env["PV"])),
                "SRC_URI " + ent + " exists", "not beside the recipe")
except KeyError as e:
    res(False, "variables expand", str(e))

# ---- the tasks: oe_runmake against this tree -----------------------------------
def make_argv(task):
    argvs = []
    for ln, cmd in tasks.get(task, []):
        if not cmd.startswith("oe_runmake"):
            res(False, task, "line %d: only oe_runmake is checked here: %s" % (ln, cmd[:60]))
            continue
        extra = shlex.split(expand(vars_.get("EXTRA_OEMAKE", "")))
        argvs.append(["make", "-C", root, "--no-print-directory"] + extra + shlex.split(expand(cmd))[1:])
    return argvs

try:
    compile_cmds, install_cmds = make_argv("do_compile"), make_argv("do_install")
except KeyError as e:
    res(False, "the tasks' variables expand", str(e))
    sys.exit(0)
res(bool(compile_cmds) and bool(install_cmds), "do_compile and do_install run oe_runmake", "missing")
fresh = os.path.join(work, "fresh-build")
for argv in compile_cmds + install_cmds:
    # a dry run from an empty build directory: everything it would build
    out = subprocess.run(argv + ["-n", "BUILD=" + fresh], capture_output=True, text=True)
    words = " ".join(argv[4:])
    res(out.returncode == 0, "make -n " + words, out.stderr.strip()[-300:])
    bad = sorted(set(re.findall(r"(server/[a-z_]+\.c|signer/[a-z_]+\.c|tests/[a-z]+/[a-z_]+\.c|/ota-server\b|/ota-sign\b|cmocka)", out.stdout)))
    res(not bad, "make -n " + words + ": no server, signer or test", " ".join(bad[:5]))
# for real, on the suite's build (under sanitizers the shared library is
# linked with them: its objects were compiled with them)
san = ["SAN=" + os.environ["OTA_SAN"]] if os.environ.get("OTA_SAN") else []
for argv in compile_cmds + install_cmds:
    out = subprocess.run(argv + ["BUILD=" + build] + san, capture_output=True, text=True)
    res(out.returncode == 0, "make " + " ".join(argv[4:]), (out.stdout + out.stderr).strip()[-400:])

# ---- packages: BitBake's first-match split of the installed files -------------------
files = sorted("/" + os.path.relpath(os.path.join(d, f), image)
               for d, ds, fs in os.walk(image) for f in fs + [x for x in ds if os.path.islink(os.path.join(d, x))])
res(bool(files), "do_install installed files", "none in " + image)
PN = env["PN"]
defaults = {  # OE-Core's bitbake.conf (the parts a C library and program use)
    PN + "-staticdev": "${libdir}/*.a ${base_libdir}/*.a",
    PN + "-dev": "${includedir} ${libdir}/lib*.so ${libdir}/pkgconfig ${datadir}/pkgconfig ${libdir}/*.la",
    PN + "-doc": "${docdir} ${mandir} ${infodir}",
    PN: "${bindir}/* ${sbindir}/* ${libdir}/lib*.so.* ${sysconfdir} ${datadir}/${BPN} ${libdir}/${BPN}/*",
}
order = expand(vars_.get("PACKAGES", "")).split() + [PN + "-staticdev", PN + "-dev", PN + "-doc", PN]
owner = {}
for pkg in order:
    pats = expand(vars_.get("FILES:" + pkg, defaults.get(pkg, ""))).split()
    for f in files:
        if f not in owner and any(f == p or glob.fnmatch.fnmatch(f, p) or f.startswith(p.rstrip("/") + "/") for p in pats):
            owner[f] = pkg
unshipped = [f for f in files if f not in owner]
res(not unshipped, "every installed file is in a package (installed-vs-shipped)", " ".join(unshipped))
for f in expand(vars_.get("CONFFILES:" + PN, "")).split():
    res(owner.get(f) == PN, "conffile %s in %s" % (f, PN), "in " + str(owner.get(f)))
for u in expand(vars_.get("SYSTEMD_SERVICE:" + PN, "")).split():
    f = env["systemd_system_unitdir"] + "/" + u
    res(owner.get(f) == PN, "unit %s installed, in %s" % (u, PN), "in " + str(owner.get(f)))
json.dump(owner, open(os.path.join(work, "owner.json"), "w"))
PY

run_checker() {  # RECIPE WORKDIR: the checker's PASS/FAIL lines as checks
    local line
    mkdir -p "$2"
    while IFS= read -r line; do
        case "$line" in
        PASS\ *) pass "${line#PASS }" ;;
        FAIL\ *) failed "${line#FAIL }" ;;
        *) echo "#   $line" ;;
        esac
    done < <(python3 "$T/bbcheck.py" "$1" "$ROOT" "$BUILD" "$2" 2>&1)
}

# the recipe builds this tree: its version is the library's
HVER=$(sed -n 's/^#define OTA_CLIENT_VERSION "\([0-9.]*\)".*/\1/p' "$ROOT/client/include/ota/client.h")
SO=libotaclient.so.${HVER%.*}
recipes=("$ROOT"/packaging/yocto/*.bb)
check "packaging/yocto holds a recipe" test -e "${recipes[0]}"
for r in "${recipes[@]}"; do
    [ -e "$r" ] || continue
    w=$T/$(basename "$r" .bb)
    run_checker "$r" "$w"
    # what the client recipe must install, and must not
    case "$r" in */ota-client_*.bb)
        I=$w/image
        check "ota-client recipe: its version is the library's ($HVER)" test "${r##*/}" = "ota-client_$HVER.bb"
        pkg() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "-"))' "$w/owner.json" "$1"; }
        check "ota-client recipe: /usr/bin/ota-client in ota-client" test "$(pkg /usr/bin/ota-client)" = ota-client
        check "ota-client recipe: $SO in libotaclient" test "$(pkg "/usr/lib/$SO")" = libotaclient
        check "ota-client recipe: headers, .so link and .pc in ota-client-dev" \
            test "$(pkg /usr/include/ota/client.h) $(pkg /usr/lib/libotaclient.so) $(pkg /usr/lib/pkgconfig/libotaclient.pc)" = "ota-client-dev ota-client-dev ota-client-dev"
        check "ota-client recipe: libotaclient.a in ota-client-staticdev" test "$(pkg /usr/lib/libotaclient.a)" = ota-client-staticdev
        check "ota-client recipe: neither ota-server nor ota-sign is installed" \
            test ! -e "$I/usr/bin/ota-server" -a ! -e "$I/usr/bin/ota-sign" -a -x "$I/usr/bin/ota-client"
        check "ota-client recipe: no server or renewal unit, no /etc/default" \
            test ! -e "$I/lib/systemd/system/ota-server.service" -a ! -e "$I/lib/systemd/system/ota-sign-renew.timer" -a ! -e "$I/etc/default"
        check "ota-client recipe: the unit runs /usr/bin/ota-client" grep -q "^ExecStart=/usr/bin/ota-client " "$I/lib/systemd/system/ota-client.service"
        check "ota-client recipe: the .pc names the recipe's libdir" grep -qx "libdir=/usr/lib" "$I/usr/lib/pkgconfig/libotaclient.pc"
        check "ota-client recipe: no manual pages (MANPAGES=0)" test ! -e "$I/usr/share/man"
        ;;
    esac
done

# the checker can fail: a broken recipe is refused on each count
B=$T/broken
mkdir -p "$B"
cp "$ROOT/packaging/yocto/ota-client_$HVER.bb" "$B/ok.bb" 2>/dev/null || true
n=0
breakit() {  # NAME SED-SCRIPT EXPECTED-FAILURE
    sed "$2" "$B/ok.bb" >"$B/ota-client_$HVER.bb"
    local out
    n=$((n + 1))
    out=$(python3 "$T/bbcheck.py" "$B/ota-client_$HVER.bb" "$ROOT" "$BUILD" "$B/w$n" 2>&1)
    check "the checker refuses $1" grep -q "^FAIL .*$3" <<<"$out"
}
breakit "a wrong license md5" 's/md5=3/md5=4/' "LIC_FILES_CHKSUM md5 of LICENSE"
breakit "an unbalanced quote" 's/^SUMMARY = "\(.*\)"$/SUMMARY = "\1/' "syntax"
breakit "an unbalanced \${" 's/DESTDIR=${D}/DESTDIR=${D/' "syntax"
breakit "a missing DEPENDS" '/^DEPENDS = /d' "DEPENDS is set"
breakit "an unknown variable" 's/${libdir}/${libdri}/' "unknown variable"
breakit "a make target that does not exist" 's/oe_runmake client/oe_runmake clinet/' "make -n .*clinet"
breakit "a compile that builds the server" 's/oe_runmake client/oe_runmake install-build/' "no server, signer or test"
breakit "a file no package ships" 's#^FILES:${PN} = "${bindir}/ota-client #FILES:${PN} = "#' "installed-vs-shipped"

finish
