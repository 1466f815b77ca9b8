#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-client as a program: command line, exit codes, the metadata directory
# (exact contents, atomic files, corrupt copies treated as absent), what is
# and is not downloaded again, percent-encoded role names, targets on another
# URL, a config file, and interoperability: repositories made independently
# by @tufjs/models (tests/interop/tufjs-make-repo.js) and by ota-sign; one
# TCP connection per run (ota-server's connection counter), an interrupted
# fetch resumed with a Range request (and a tampered partial file thrown
# away), redirects never from https down to http (a TLS node server).
#
# Server: tests/integration/static-server.js serves the tree of repositories
# (ota-server serves one repository's metadata/ and targets/ only, and
# refuses %2F in paths by policy); the one-connection check runs against an
# ota-server serving one of them when build/ota-server is built.
source "$(dirname "$0")/lib.sh"

# OTA_CLIENT: another ota-client command (make valgrind: one under valgrind)
C=${OTA_CLIENT:-$BUILD/ota-client}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ota-client-cli.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

if [ ! -x "$C" ] || ! command -v node >/dev/null || [ ! -d "$ROOT/tests/interop/node_modules/@tufjs" ]; then
    failed "prerequisites: $C, node and tests/interop/node_modules (make deps-node)"
    finish; exit 1
fi
W=$TMP/www
mkdir -p "$W" "$TMP/out"
node "$ROOT/tests/interop/client-scenarios.js" "$W/scn" >"$TMP/gen.log" 2>&1 ||
    { failed "client-scenarios.js" "$(tail -3 "$TMP/gen.log")"; finish; exit 1; }

# start_node DIR LOG [--tls-cert PEM --tls-key PEM] -> sets PORT
start_node() {
    local dir=$1 log=$2
    shift 2
    rm -f "$TMP/port"
    node "$ROOT/tests/integration/static-server.js" --root "$dir" --port-file "$TMP/port" \
        --log "$log" --max-seconds $((300 * ${OTA_TIME_FACTOR:-1})) "$@" &
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    PORT=$(cat "$TMP/port" 2>/dev/null)
}
# start_ota_server DIR LOG -> sets PORT (access log lines hold the request path)
start_ota_server() {
    "$BUILD/ota-server" --root "$1" --listen 127.0.0.1:0 --access-log "$2" \
        --threads 2 2>"$TMP/ota-server.err" &
    PIDS+=($!)
    PORT=
    for _ in $(seq 1 100); do
        PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/ota-server.err" 2>/dev/null | head -1 | sed 's/.*://')
        [ -n "$PORT" ] && break
        sleep 0.1
    done
}

# ---- prepare the interop repositories before the server starts -----------------------
node "$ROOT/tests/interop/tufjs-make-repo.js" "$TMP/tufjs-src" >"$TMP/gen.log" 2>&1 &&
    node "$ROOT/tests/interop/client-publish.js" "$TMP/tufjs-src" "$W/tufjs" >>"$TMP/gen.log" 2>&1
check "interop: @tufjs/models repository built and laid out (consistent snapshots)" \
    test -s "$W/tufjs/metadata/2.root.json"

HAVE_SIGN=0
S=$BUILD/ota-sign
if [ -x "$S" ] && "$S" add --help >/dev/null 2>&1; then
    mkdir -p "$TMP/keys"
    ok=1
    for r in root targets snapshot timestamp; do
        "$S" keygen -o "$TMP/keys/$r" --unencrypted >/dev/null 2>&1 || ok=0
    done
    printf 'ota-sign firmware 2.0.0\n%.0s' $(seq 1 300) >"$TMP/fw.bin"
    [ $ok = 1 ] && "$S" init -r "$W/otasign" --root-key "$TMP/keys/root.key" \
        --targets-key "$TMP/keys/targets.key" --snapshot-key "$TMP/keys/snapshot.key" \
        --timestamp-key "$TMP/keys/timestamp.key" >"$TMP/sign.log" 2>&1 &&
        "$S" add -r "$W/otasign" -k "$TMP/keys/targets.key" -k "$TMP/keys/snapshot.key" \
            -k "$TMP/keys/timestamp.key" --path firmware/gw-100/2.0.0.bundle \
            --custom '{"version":"2.0.0","hardware_ids":["gw-100"]}' "$TMP/fw.bin" >>"$TMP/sign.log" 2>&1 &&
        HAVE_SIGN=1
    if [ $HAVE_SIGN = 1 ]; then pass "interop: ota-sign init + add made a repository"
    else failed "interop: ota-sign init + add made a repository" "$(tail -3 "$TMP/sign.log")"; fi
else
    skip "interop with ota-sign" "$S not built"
fi

LOG=$TMP/access.log
: >"$LOG"
# $W holds many repositories; ota-server serves exactly one (its metadata/
# and targets/, nothing else), so the node server serves the tree and an
# ota-server the one repository of the connection check below
SERVER=node
start_node "$W" "$LOG"
echo "# server: $SERVER"
[ -n "$PORT" ] || { failed "$SERVER started"; finish; exit 1; }
BASE=http://127.0.0.1:$PORT
requests() { wc -l <"$LOG"; }
# paths requested since line N of the log
requested_since() { tail -n +"$(($1 + 1))" "$LOG" | grep -o 'GET [^ ]*' | sed 's/GET //'; }
# No wait is needed before reading $LOG: static-server.js appends a request's
# line (synchronously) before it answers, so every request of a client that
# has exited is already there.

# c ARGS...: ota-client with a bounded run time
c() { timeout 60 "$C" --connect-timeout 5 --timeout 30 "$@"; }

# ---- usage ---------------------------------------------------------------------------------
expect_rc 2 "no command -> exit 2" c
expect_rc 2 "unknown command -> exit 2" c frobnicate
expect_rc 2 "unknown option -> exit 2" c --bogus refresh
expect_rc 2 "refresh without --metadata-url -> exit 2" c --metadata-dir "$TMP/x" refresh
expect_rc 2 "fetch without -o -> exit 2" c --metadata-dir "$TMP/x" --metadata-url "$BASE/scn/good/stage1/metadata/" fetch a
expect_rc 2 "init without --root -> exit 2" c --metadata-dir "$TMP/x" init
expect_rc 2 "refresh with an extra argument -> exit 2" c --metadata-url "$BASE/" refresh extra
check "--help documents every exit code" bash -c "'$C' --help | grep -q '7  not initialised' && '$C' --help | grep -q '4  verification failed'"
expect_rc 0 "--version -> exit 0" c --version

# ---- not initialised / init ------------------------------------------------------------------
MURL=$BASE/scn/good/stage1/metadata/
expect_rc 7 "refresh with no metadata directory -> exit 7" c --metadata-dir "$TMP/none" --metadata-url "$MURL" refresh
mkdir -p "$TMP/md-empty"
expect_rc 7 "refresh with an empty metadata directory -> exit 7" c --metadata-dir "$TMP/md-empty" --metadata-url "$MURL" refresh
mkdir -p "$TMP/md-garbage"; echo '{"signed": ' >"$TMP/md-garbage/root.json"
expect_rc 7 "a corrupt trusted root.json is absent, not trusted -> exit 7" \
    c --metadata-dir "$TMP/md-garbage" --metadata-url "$MURL" refresh
echo 'not json' >"$TMP/bad-root.json"
expect_rc 2 "init refuses a file that is not root metadata: usage (exit 2), not a security event" c --metadata-dir "$TMP/md-bad" init --root "$TMP/bad-root.json"
expect_rc 2 "init refuses timestamp metadata given as the root: usage (exit 2)" \
    c --metadata-dir "$TMP/md-bad" init --root "$W/scn/good/stage1/metadata/timestamp.json"
node -e 'const fs=require("fs");const d=JSON.parse(fs.readFileSync(process.argv[1]));d.signed.expires="2098-01-01T00:00:00Z";fs.writeFileSync(process.argv[2],JSON.stringify(d))' \
    "$W/scn/good/trusted-root.json" "$TMP/forged-root.json"
expect_rc 4 "init refuses a root that fails its own threshold -> exit 4" \
    c --metadata-dir "$TMP/md-bad" init --root "$TMP/forged-root.json"
MD=$TMP/md-good
expect_rc 0 "init stores the root without network access (unreachable URL)" \
    c --metadata-dir "$MD" --metadata-url http://127.0.0.1:1/ init --root "$W/scn/good/trusted-root.json"
check "init: root.json is the given file, byte for byte" cmp -s "$MD/root.json" "$W/scn/good/trusted-root.json"
expect_rc 19 "init again without --force refuses to replace the trusted root -> exit 19 (exists)" \
    c --metadata-dir "$MD" init --root "$W/scn/good/trusted-root.json"

# a root tampered with on disk after init: checked before any request
mkdir -p "$TMP/md-tampered"; cp "$TMP/forged-root.json" "$TMP/md-tampered/root.json"
n=$(requests)
expect_rc 4 "refresh checks the stored root's own signatures first -> exit 4" \
    c --metadata-dir "$TMP/md-tampered" --metadata-url "$MURL" refresh
check "... and makes no request at all" test "$(requested_since "$n" | wc -l)" -eq 0

# ---- refresh: the metadata directory, what is downloaded again -----------------------------
expect_rc 0 "refresh from an honest repository" c --metadata-dir "$MD" --metadata-url "$MURL" refresh
check "metadata dir holds exactly root, timestamp, snapshot, targets (no temporary files)" \
    test "$(ls -A "$MD" | tr '\n' ' ')" = "root.json snapshot.json targets.json timestamp.json "
check "persisted timestamp.json is the exact bytes served" cmp -s "$MD/timestamp.json" "$W/scn/good/stage1/metadata/timestamp.json"
check "persisted targets.json is the exact bytes served" cmp -s "$MD/targets.json" "$W/scn/good/stage1/metadata/1.targets.json"
n=$(requests)
expect_rc 0 "refresh again (nothing changed)" c --metadata-dir "$MD" --metadata-url "$MURL" refresh
check "... requests only 2.root.json (404 ends the chain) and timestamp.json" \
    test "$(requested_since "$n" | sed 's|.*/||' | sort | tr '\n' ' ')" = "2.root.json timestamp.json "
n=$(requests)
expect_rc 0 "refresh with a new timestamp naming the same snapshot" \
    c --metadata-dir "$MD" --metadata-url "$BASE/scn/good/stage2/metadata/" refresh
check "... does not download snapshot or targets again" \
    test "$(requested_since "$n" | sed 's|.*/||' | sort | tr '\n' ' ')" = "2.root.json timestamp.json "
echo garbage >"$MD/snapshot.json"
expect_rc 0 "a corrupt local snapshot.json is treated as absent (downloaded again)" \
    c --metadata-dir "$MD" --metadata-url "$BASE/scn/good/stage2/metadata/" refresh
check "... and replaced by the verified copy" cmp -s "$MD/snapshot.json" "$W/scn/good/stage2/metadata/1.snapshot.json"

# one TCP connection for a whole run: root chain (its 404 included), timestamp,
# snapshot, targets and the target file (ota-server counts accepted connections)
connections() { curl -s "$BASE/metrics" | sed -n 's/^ota_http_connections_total //p'; }
if [ -x "$BUILD/ota-server" ] && command -v curl >/dev/null; then
    NODE_PORT=$PORT
    start_ota_server "$W/scn/good/stage1" "$TMP/ota-server.access"
    OBASE=http://127.0.0.1:$PORT
    PORT=$NODE_PORT
    connections() { curl -s "$OBASE/metrics" | sed -n 's/^ota_http_connections_total //p'; }
    MDK=$TMP/md-conn
    c --metadata-dir "$MDK" init --root "$W/scn/good/trusted-root.json" >/dev/null
    k0=$(connections)
    expect_rc 0 "refresh + fetch from a fresh metadata directory" \
        c --metadata-dir "$MDK" --metadata-url "$OBASE/metadata/" \
          fetch firmware/gw-100/1.0.0.bundle -o "$TMP/out/conn"
    k1=$(connections)
    # k1 - k0 counts the first scrape's own connection too
    check "... 5 requests over one TCP connection (was one per file)" test "$((k1 - k0 - 1))" -eq 1
else
    skip "one TCP connection per run" "needs ota-server and curl"
fi

# accepted metadata stays persisted when a later step fails (spec behaviour)
MDF=$TMP/md-freeze
c --metadata-dir "$MDF" init --root "$W/scn/freeze-snapshot/trusted-root.json" >/dev/null
expect_rc 5 "expired snapshot -> exit 5" c --metadata-dir "$MDF" --metadata-url "$BASE/scn/freeze-snapshot/stage1/metadata/" refresh
check "... the timestamp accepted before that step stays persisted; no snapshot" \
    bash -c "test -s '$MDF/timestamp.json' && test ! -e '$MDF/snapshot.json'"

# ---- list and fetch --------------------------------------------------------------------------
MURL=$BASE/scn/good/stage2/metadata/ # the repository has moved on to stage 2
expect_rc 0 "list" c --metadata-dir "$MD" --metadata-url "$MURL" list
check "list: a table with a header and one row per target" bash -c \
    "'$C' --metadata-dir '$MD' --metadata-url '$MURL' list | awk 'NR == 1 && \$1 == \"TARGET\" && \$2 == \"VERSION\" && \$3 == \"HARDWARE\" && \$4 == \"SIZE\" { h = 1 } END { exit !(h && NR == 2) }'"
check "list --json is JSON with the custom fields" bash -c \
    "'$C' --metadata-dir '$MD' --metadata-url '$MURL' list --json | node -e 'const a=JSON.parse(require(\"fs\").readFileSync(0));if(a.length!==1||a[0].custom.version!==\"1.0.0\"||a[0].length!==4600)process.exit(1)'"

MDD=$TMP/md-deleg
DURL=$BASE/scn/delegation/stage1/metadata/
c --metadata-dir "$MDD" init --root "$W/scn/delegation/trusted-root.json" >/dev/null
OUT=$TMP/out/deleg
expect_rc 0 "fetch two targets (delegated by paths and by hash prefix) in one run" \
    c --metadata-dir "$MDD" --metadata-url "$DURL" fetch apps/x.bin tools/diag.txt -o "$OUT"
check "... both written, under percent-encoded flat names" \
    test "$(ls -A "$OUT" | tr '\n' ' ')" = "apps%2Fx.bin tools%2Fdiag.txt "
check "... each the signed bytes" bash -c "grep -q 'x from apps-a' '$OUT/apps%2Fx.bin' && grep -q '^diag$' '$OUT/tools%2Fdiag.txt'"
check "metadata dir: top-level roles plus each delegated role loaded, nothing else" \
    test "$(ls -A "$MDD" | tr '\n' ' ')" = "apps-a.json hashed.json root.json snapshot.json targets.json timestamp.json "
n=$(requests)
expect_rc 0 "fetch the same targets again" c --metadata-dir "$MDD" --metadata-url "$DURL" fetch apps/x.bin tools/diag.txt -o "$OUT"
no_target_requests() { ! requested_since "$1" | grep -q '/targets/'; }
check "... nothing under targets/ downloaded again (verified copies kept)" no_target_requests "$n"
echo 'x from apps-b' >"$OUT/apps%2Fx.bin"
expect_rc 0 "a wrong copy in the output directory is replaced" c --metadata-dir "$MDD" --metadata-url "$DURL" fetch apps/x.bin -o "$OUT"
check "... by the verified bytes" grep -q 'x from apps-a' "$OUT/apps%2Fx.bin"
# what a download killed outright (power cut) leaves behind is swept later
echo partial >"$OUT/.ota-tmp.0badf00d" && touch -d '-2 hours' "$OUT/.ota-tmp.0badf00d"
echo live >"$OUT/.ota-tmp.11ve11ve"
# and a partial download nobody resumed for over a week (a target no longer wanted)
echo old >"$OUT/.ota-part.0ld" && touch -d '-8 days' "$OUT/.ota-part.0ld"
echo resumable >"$OUT/.ota-part.5ix" && touch -d '-6 days' "$OUT/.ota-part.5ix"
expect_rc 0 "fetch with a stale partial download in the directory" \
    c --metadata-dir "$MDD" --metadata-url "$DURL" fetch apps/x.bin -o "$OUT"
check "... the stale temporary is removed" test ! -e "$OUT/.ota-tmp.0badf00d"
check "... a recent one (maybe another download in progress) is left alone" test -e "$OUT/.ota-tmp.11ve11ve"
check "... a partial file untouched for 8 days is removed, one of 6 days kept for resuming" \
    bash -c "test ! -e '$OUT/.ota-part.0ld' && test -e '$OUT/.ota-part.5ix'"
rm -f "$OUT/.ota-tmp.11ve11ve" "$OUT/.ota-part.5ix"
expect_rc 6 "fetch a known and an unknown target -> exit 6" \
    c --metadata-dir "$MDD" --metadata-url "$DURL" fetch nope.bin apps/y.bin -o "$TMP/out/mixed"
check "... the known one is still fetched" test -s "$TMP/out/mixed/apps%2Fy.bin"
check "list shows delegated targets, not apps/sub/z.bin ('*' does not match '/')" bash -c \
    "'$C' --metadata-dir '$MDD' --metadata-url '$DURL' list | awk 'NR > 1 { print \$1 }' | tr '\n' ' ' | grep -qx 'apps/x.bin apps/y.bin firmware/gw-100/1.0.0.bundle tools/diag.txt '"
check "list: apps/x.bin attributed to apps-a (priority)" bash -c \
    "'$C' --metadata-dir '$MDD' --metadata-url '$DURL' list --json | grep -A3 '\"path\": \"apps/x.bin\"' | grep -q '\"role\": \"apps-a\"'"

# targets on another URL than metadata (CDN layout)
MDC=$TMP/md-cdn
c --metadata-dir "$MDC" init --root "$W/scn/cdn/trusted-root.json" >/dev/null
expect_rc 3 "cdn: targets not under the metadata's sibling targets/ -> exit 3" \
    c --metadata-dir "$MDC" --metadata-url "$BASE/scn/cdn/stage1/metadata/" fetch firmware/gw-100/1.0.0.bundle -o "$TMP/out/cdn0"
expect_rc 0 "cdn: --target-base-url on another path" \
    c --metadata-dir "$MDC" --metadata-url "$BASE/scn/cdn/stage1/metadata/" \
      --target-base-url "$BASE/scn/cdn/stage1/cdn/blobs/" fetch firmware/gw-100/1.0.0.bundle -o "$TMP/out/cdn"

# ---- config file -------------------------------------------------------------------------------
cat >"$TMP/client.conf" <<EOF
# ota-client configuration
metadata_dir = $MD
metadata_url = $MURL
timeout = 30
EOF
expect_rc 0 "--config FILE supplies metadata_dir and metadata_url" c --config "$TMP/client.conf" refresh
expect_rc 3 "command-line options override the config file" \
    c --config "$TMP/client.conf" --metadata-url http://127.0.0.1:1/metadata/ refresh
echo 'colour = blue' >"$TMP/bad.conf"
expect_rc 2 "unknown config key -> exit 2" c --config "$TMP/bad.conf" refresh
expect_rc 2 "missing config file -> exit 2" c --config "$TMP/nope.conf" refresh
expect_rc 3 "nothing listening -> exit 3" c --metadata-dir "$MD" --metadata-url http://127.0.0.1:1/metadata/ refresh

# ---- role names percent-encoded in URLs and file names (node server: ota-server refuses %2F) ---
NLOG=$TMP/node.log
: >"$NLOG"
start_node "$W" "$NLOG"
MDR=$TMP/md-roles
c --metadata-dir "$MDR" init --root "$W/scn/role-names/trusted-root.json" >/dev/null
expect_rc 0 "role 'a/b?c#d ..': fetch odd/file.txt through it" \
    c --metadata-dir "$MDR" --metadata-url "http://127.0.0.1:$PORT/scn/role-names/stage1/metadata/" \
      fetch odd/file.txt -o "$TMP/out/roles"
check "... requested as 1.a%2Fb%3Fc%23d%20...json" grep -q 'GET .*/metadata/1.a%2Fb%3Fc%23d%20...json' "$NLOG"
check "... stored as a%2Fb%3Fc%23d%20...json inside the metadata dir" test -s "$MDR/a%2Fb%3Fc%23d%20...json"
check "... and nothing outside it" test "$(ls -A "$MDR" | wc -l)" -eq 5

# ---- signed target names with control characters are escaped for the terminal ----------------
MDE=$TMP/md-esc
c --metadata-dir "$MDE" init --root "$W/scn/control-names/trusted-root.json" >/dev/null
c --metadata-dir "$MDE" --metadata-url "http://127.0.0.1:$PORT/scn/control-names/stage1/metadata/" \
    list >"$TMP/esc.out" 2>&1
check "list: a name with ESC, BEL and a C1 CSI is shown escaped" \
    grep -qF 'esc/\x1b[2Jboom\x07\xc2\x9b.txt' "$TMP/esc.out"
check "... and no control byte reaches the terminal" \
    python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(1 if any(b < 9 or 13 < b < 32 or b == 127 for b in d) or b"\xc2\x9b" in d else 0)' "$TMP/esc.out"

# ---- an interrupted fetch resumes (node server: cuts a response once) -------------------------
MDZ=$TMP/md-resume
OZ=$TMP/out/resume
mkdir -p "$OZ"
c --metadata-dir "$MDZ" init --root "$W/scn/good/trusted-root.json" >/dev/null
GURL=http://127.0.0.1:$PORT/scn/good/stage1/metadata/
TF=$(ls "$W"/scn/good/stage1/targets/firmware/gw-100/*.1.0.0.bundle | grep -E '/[0-9a-f]{64}\.1\.0\.0\.bundle$')
PART=$OZ/.ota-part.$(basename "$TF" | cut -c1-64)
bundle_gets() { grep -c "GET .*/gw-100/.*1\.0\.0\.bundle" "$NLOG"; }
echo 3000 >"$TF.cut-once"
expect_rc 3 "fetch: the server closes the connection after 3000 of 4600 bytes -> exit 3" \
    c --metadata-dir "$MDZ" --metadata-url "$GURL" fetch firmware/gw-100/1.0.0.bundle -o "$OZ"
check "... the 3000 bytes are kept as .ota-part.<signed sha256>; nothing under the final name" \
    bash -c "test \"\$(stat -c %s '$PART')\" -eq 3000 && test ! -e '$OZ/firmware%2Fgw-100%2F1.0.0.bundle'"
expect_rc 0 "fetch again: resumed" \
    c --metadata-dir "$MDZ" --metadata-url "$GURL" fetch firmware/gw-100/1.0.0.bundle -o "$OZ"
check "... with a Range request for the rest only" bash -c "grep 'GET .*/gw-100/.*1\.0\.0\.bundle' '$NLOG' | tail -1 | grep -q ' range=bytes=3000-\$'"
check "... the file is the signed bytes; the partial file is gone" \
    bash -c "cmp -s '$OZ/firmware%2Fgw-100%2F1.0.0.bundle' '$TF' && test ! -e '$PART'"
rm -f "$OZ/firmware%2Fgw-100%2F1.0.0.bundle"
echo 3000 >"$TF.cut-once"
c --metadata-dir "$MDZ" --metadata-url "$GURL" fetch firmware/gw-100/1.0.0.bundle -o "$OZ" >/dev/null 2>&1
printf 'X' | dd of="$PART" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_rc 4 "a tampered partial file: the hashes over the whole file fail -> exit 4" \
    c --metadata-dir "$MDZ" --metadata-url "$GURL" fetch firmware/gw-100/1.0.0.bundle -o "$OZ"
check "... the partial file is deleted, nothing under the final name" \
    bash -c "test ! -e '$PART' && test ! -e '$OZ/firmware%2Fgw-100%2F1.0.0.bundle'"
n=$(bundle_gets)
expect_rc 0 "... and the next fetch starts over" \
    c --metadata-dir "$MDZ" --metadata-url "$GURL" fetch firmware/gw-100/1.0.0.bundle -o "$OZ"
check "... from byte 0 (no Range), the signed bytes" \
    bash -c "cmp -s '$OZ/firmware%2Fgw-100%2F1.0.0.bundle' '$TF' && ! grep 'GET .*/gw-100/.*1\.0\.0\.bundle' '$NLOG' | tail -n +$((n + 1)) | grep -q range="

# ---- redirects: never from https down to http (a TLS node server, self-signed) ---------------
if command -v openssl >/dev/null &&
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
       -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
       -keyout "$TMP/tls.key" -out "$TMP/tls.pem" >/dev/null 2>&1; then
    HPORT=$PORT
    TLOG=$TMP/tls.log
    : >"$TLOG"
    start_node "$W" "$TLOG" --tls-cert "$TMP/tls.pem" --tls-key "$TMP/tls.key"
    SPORT=$PORT
    # redir/{to-http,to-https}/metadata/F: 302 to the good repository's F over
    # http or https; redir/from-http likewise, served over http
    for f in 2.root.json timestamp.json 1.snapshot.json 1.targets.json; do
        for d in to-http to-https; do mkdir -p "$W/redir/$d/metadata"; done
        echo "http://127.0.0.1:$HPORT/scn/good/stage1/metadata/$f" >"$W/redir/to-http/metadata/$f.redirect"
        echo "https://127.0.0.1:$SPORT/scn/good/stage1/metadata/$f" >"$W/redir/to-https/metadata/$f.redirect"
    done
    tls() { c --ca-file "$TMP/tls.pem" --metadata-dir "$1" --metadata-url "$2" refresh; }
    for d in https-https https-http http-https; do
        c --metadata-dir "$TMP/md-$d" init --root "$W/scn/good/trusted-root.json" >/dev/null
    done
    expect_rc 0 "https -> https redirects are followed" \
        tls "$TMP/md-https-https" "https://127.0.0.1:$SPORT/redir/to-https/metadata/"
    hn=$(wc -l <"$NLOG")
    expect_rc 3 "https -> http redirect refused -> exit 3" \
        tls "$TMP/md-https-http" "https://127.0.0.1:$SPORT/redir/to-http/metadata/"
    check "... no request went out over http; nothing trusted beyond the root" \
        bash -c "test \"\$(tail -n +$((hn + 1)) '$NLOG' | wc -l)\" -eq 0 && test ! -e '$TMP/md-https-http/timestamp.json'"
    expect_rc 0 "http -> https redirects are followed" \
        tls "$TMP/md-http-https" "http://127.0.0.1:$HPORT/redir/to-https/metadata/"
    PORT=$HPORT
else
    skip "redirect rules over TLS" "openssl cannot make a test certificate"
fi

# ---- the proxy environment is honoured (the node server doubles as a forward proxy) ----------
MDP=$TMP/md-proxy
c --metadata-dir "$MDP" init --root "$W/scn/good/trusted-root.json" >/dev/null
expect_rc 0 "http_proxy is honoured (repository host only reachable through the proxy)" \
    env http_proxy="http://127.0.0.1:$PORT" no_proxy= "$C" --metadata-dir "$MDP" \
    --metadata-url http://repo.invalid/scn/good/stage2/metadata/ --connect-timeout 5 --timeout 30 refresh
check "... the requests went to the proxy with absolute URLs" grep -q 'GET http://repo.invalid/scn/good/stage2/metadata/timestamp.json' "$NLOG"

# ---- interoperability ------------------------------------------------------------------------------
MDT=$TMP/md-tufjs
c --metadata-dir "$MDT" init --root "$W/tufjs/metadata/1.root.json" >/dev/null
TURL=$BASE/tufjs/metadata/
expect_rc 0 "interop (@tufjs/models): refresh follows root 1 -> 2 (rotated root keys)" \
    c --metadata-dir "$MDT" --metadata-url "$TURL" refresh
check "interop: trusted root is version 2" grep -q '"version": 2' "$MDT/root.json"
check "interop: list shows the 3 targets (top-level, by paths, by hash prefix)" bash -c \
    "'$C' --metadata-dir '$MDT' --metadata-url '$TURL' list | awk 'NR > 1 { print \$1 }' | tr '\n' ' ' | grep -qx 'firmware/gw-100/1.4.2.bundle product-x/app-2.0.0.bundle tools/diag-1.0.txt '"
expect_rc 0 "interop: fetch all three (Ed25519 and ECDSA keys, both hashes)" \
    c --metadata-dir "$MDT" --metadata-url "$TURL" fetch firmware/gw-100/1.4.2.bundle \
      product-x/app-2.0.0.bundle tools/diag-1.0.txt -o "$TMP/out/tufjs"
check "interop: fetched files equal the sources" bash -c \
    "cmp -s '$TMP/out/tufjs/firmware%2Fgw-100%2F1.4.2.bundle' '$TMP/tufjs-src/targets/firmware/gw-100/1.4.2.bundle' &&
     cmp -s '$TMP/out/tufjs/product-x%2Fapp-2.0.0.bundle' '$TMP/tufjs-src/targets/product-x/app-2.0.0.bundle' &&
     cmp -s '$TMP/out/tufjs/tools%2Fdiag-1.0.txt' '$TMP/tufjs-src/targets/tools/diag-1.0.txt'"
check "interop: the metadata dir holds the roles by their plain names" \
    test "$(ls -A "$MDT" | tr '\n' ' ')" = "hashed-bin.json product-x.json root.json snapshot.json targets.json timestamp.json "

if [ $HAVE_SIGN = 1 ]; then
    MDS=$TMP/md-otasign
    c --metadata-dir "$MDS" init --root "$W/otasign/metadata/1.root.json" >/dev/null
    expect_rc 0 "interop (ota-sign): fetch the target ota-sign added" \
        c --metadata-dir "$MDS" --metadata-url "$BASE/otasign/metadata/" fetch firmware/gw-100/2.0.0.bundle -o "$TMP/out/otasign"
    check "interop (ota-sign): bytes equal the input file" cmp -s "$TMP/out/otasign/firmware%2Fgw-100%2F2.0.0.bundle" "$TMP/fw.bin"
    check "interop (ota-sign): list shows its custom field" bash -c \
        "'$C' --metadata-dir '$MDS' --metadata-url '$BASE/otasign/metadata/' list --json | grep -q '\"version\": \"2.0.0\"'"
fi

# ---- the library exports only ota_* symbols ------------------------------------------------------------
if cc -shared -o "$TMP/libotaclient.so" "$ROOT/$BUILD/client/src/"*.o "$BUILD/client/src/"*.o 2>/dev/null ||
   cc -shared -o "$TMP/libotaclient.so" -Wl,--whole-archive "$BUILD/libotaclient.a" -Wl,--no-whole-archive \
      "$BUILD/libotaformats.a" $(pkg-config --libs libcurl libsodium jansson libcrypto zlib libzstd libarchive) 2>"$TMP/so.log"; then
    check "a shared libotaclient exports only ota_* functions" \
        test -z "$(nm -D --defined-only "$TMP/libotaclient.so" | awk '$2 ~ /[TDB]/ {print $3}' | grep -v '^ota_' | grep -v '^_')"
else
    failed "build a shared libotaclient from the objects" "$(tail -2 "$TMP/so.log")"
fi

finish
