#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_cdn_copy.sh — scripts/ota-publish, the copy of a repository to a
# static destination (docs/scaling.md, "The repository on a CDN or object
# store").  A destination directory is served by ota-server; while a new
# release is copied into it one file at a time, a client fetches the release
# in a loop and, after every file that lands, the copier waits until the
# client has made two whole rounds and `ota-sign verify` has checked the
# destination (OTA_PUBLISH_STEP).  With ota-publish's order every round
# succeeds, at the old release or the new one; the same loop against a
# naive copy (timestamp.json first; targets last) catches the failures, so
# the order is what makes the difference.  Then the refusals, --dry-run,
# --delete-old, a key rotation, and an rclone remote (skipped without
# rclone).
source "$(dirname "$0")/lib.sh"
S=$BUILD/ota-sign C=$BUILD/ota-client
P=$ROOT/scripts/ota-publish
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-cdn.XXXXXX")
READER_PID=
trap '[ -n "$READER_PID" ] && kill "$READER_PID" 2>/dev/null; kill_servers; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
source "$(dirname "$0")/device.sh"

# rel VERSION: publish fw.bin VERSION in REPO (a small file that names its
# version: the copy's order, not the target's format, is under test)
rel() {
    { echo "firmware $1"; head -c 20000 /dev/urandom; } >"$T/fw-$1.bin" &&
        "$S" add -r "$T/repo" "${KEYS[@]}" --path fw.bin "$T/fw-$1.bin" >/dev/null
}
mkrepo || { failed "ota-sign init"; finish; exit 1; }
rel 1.0.0 || { failed "release 1.0.0"; finish; exit 1; }
W=$T/www
mkdir -p "$W"
expect_rc 0 "ota-publish REPO DIR: the first copy" "$P" "$T/repo" "$W"
check "the copy is a valid repository (ota-sign verify)" "$S" verify -r "$W" -q
check "nothing of REPO/.ota is copied" test ! -e "$W/.ota"
start_server "$T/srv.log" --root "$W" || { failed "ota-server starts"; finish; exit 1; }
OC=("$C" --state-dir "$T/dev" --metadata-dir "$T/dev/md" --metadata-url "$U/metadata/")
mkdir -p "$T/dev" "$T/got"
"${OC[@]}" init --root "$T/repo/metadata/1.root.json" >/dev/null || failed "ota-client init"

# the release a fetched file is: its first line names it (the client checked
# its hashes; no fork here, the reader below runs this every round)
version_of() {
    local word v
    if [ -f "$1" ] && read -r word v <"$1" && [ "$word" = firmware ]; then echo "$v"; else echo none; fi
}
expect_rc 0 "the client fetches release 1.0.0 from the copy" "${OC[@]}" fetch fw.bin -o "$T/got"
check "... and it is 1.0.0" test "$(version_of "$T/got/fw.bin")" = 1.0.0

# reader: fetch fw.bin until $T/stop exists; each round is a line
# "ROUND EXIT VERSION FIRST-ERROR-LINE" in $T/rounds.log, and $T/round holds
# the number of rounds done
reader() {
    local n=0 rc out
    while [ ! -e "$T/stop" ]; do
        n=$((n + 1))
        out=$("${OC[@]}" fetch fw.bin -o "$T/got" 2>&1)
        rc=$?
        [ "$rc" = 0 ] && out=
        echo "$n $rc $(version_of "$T/got/fw.bin") ${out%%$'\n'*}" >>"$T/rounds.log"
        echo "$n" >"$T/round.tmp" && mv -f "$T/round.tmp" "$T/round"
    done
}
# the step hook ota-publish runs after each file: record the rounds done when
# the file landed, wait (at most 20 s) until the reader has finished two more
# (the second begun after the file landed; STEP_NOWAIT=1: no reader), run
# `ota-sign verify` on STEP_DEST; one line "PHASE FILE round=N end=M
# verify=RC" (M: rounds done when the hook returns, all before the next file)
cat >"$T/step.sh" <<EOF
#!/usr/bin/env bash
done_rounds() { local n=0; read -r n <"$T/round" 2>/dev/null; echo "\${n:-0}"; }
start=\$(done_rounds)
if [ -z "\${STEP_NOWAIT:-}" ]; then
    for _ in \$(seq 400); do
        [ "\$(done_rounds)" -ge \$((start + 2)) ] && break
        sleep 0.05
    done
    [ "\$(done_rounds)" -ge \$((start + 2)) ] || { echo "reader stalled" >&2; exit 1; }
fi
"$S" verify -r "\$STEP_DEST" -q >/dev/null 2>&1
rc=\$?
echo "\$1 \$2 round=\$start end=\$(done_rounds) verify=\$rc" >>"$T/steps.log"
EOF
chmod +x "$T/step.sh"
start_reader() {
    rm -f "$T/stop" "$T/round" "$T/rounds.log" "$T/steps.log"
    reader &
    READER_PID=$!
    wait_for 10 test -s "$T/round"
}
stop_reader() {
    touch "$T/stop"
    wait "$READER_PID" 2>/dev/null
    READER_PID=
}
publish_reading() { # ota-publish REPO W under the reader; sets rc
    start_reader
    OTA_PUBLISH_STEP="$T/step.sh \"\$1\" \"\$2\"" STEP_DEST=$W "$P" "$T/repo" "$W" >"$T/pub.out" 2>&1
    rc=$?
    stop_reader
}
rounds() { wc -l <"$T/rounds.log"; }
failures() { awk '$2 != 0' "$T/rounds.log"; }

# ---- ota-publish's order: no round fails ----------------------------------------
rel 1.1.0 || failed "release 1.1.0"
publish_reading
check "ota-publish of 1.1.0 under a reading client: exit 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/pub.out"
steps=$(wc -l <"$T/steps.log")
check "every file that landed was followed by two client rounds ($steps files, $(rounds) rounds)" \
    test "$steps" -ge 5 -a "$(rounds)" -ge $((2 * steps))
check "the files landed in ota-publish's order (targets, versioned, unversioned, timestamp.json last)" \
    test "$(awk '{print $1}' "$T/steps.log" | uniq | tr '\n' ' ')" = "targets versioned unversioned timestamp "
check "every round succeeded (no verification failure, no missing file)" test -z "$(failures)"
failures | head -3 | sed 's/^/#   /'
check "the client saw 1.0.0 while the copy ran, then 1.1.0 and never 1.0.0 again" \
    test "$(awk '{print $3}' "$T/rounds.log" | uniq | tr '\n' ' ')" = "1.0.0 1.1.0 "
check "ota-sign verify passed on the destination after every file" test -z "$(grep -v 'verify=0$' "$T/steps.log")"
# the rounds done when the step before timestamp.json returned all ended
# before timestamp.json was copied
pre_ts=$(awk '$1 == "timestamp" {print e; exit} {e = $4}' "$T/steps.log" | sed 's/^end=//')
check "until timestamp.json landed every round saw 1.0.0 (rounds 1-${pre_ts:-?})" \
    test -n "$pre_ts" -a -z "$(awk -v r="${pre_ts:-0}" '$1 <= r && $3 != "1.0.0"' "$T/rounds.log")"
expect_rc 0 "after the copy the client fetches 1.1.0" "${OC[@]}" fetch fw.bin -o "$T/got"
check "... and it is 1.1.0" test "$(version_of "$T/got/fw.bin")" = 1.1.0

# ---- the negative controls: the same loop catches a wrong order ------------------
# naive_copy FIRST...: copy what REPO has and DEST lacks or has otherwise,
# each file atomically (temporary name, rename) like ota-publish, but the
# files matching FIRST's patterns first and the targets last
naive_copy() {
    local f
    (cd "$T/repo" && find metadata targets -type f ! -name '.*' | LC_ALL=C sort) >"$T/all"
    { grep -E "$1" "$T/all"; grep -vE "$1" "$T/all"; } >"$T/order"
    while IFS= read -r f; do
        cmp -s "$T/repo/$f" "$W/$f" 2>/dev/null && continue
        mkdir -p "$(dirname "$W/$f")"
        cp "$T/repo/$f" "$W/$f.tmp" && mv -f "$W/$f.tmp" "$W/$f"
        STEP_DEST=$W "$T/step.sh" naive "$f" || return 1
    done <"$T/order"
}
rel 1.2.0 || failed "release 1.2.0"
start_reader
naive_copy '^metadata/timestamp\.json$'
stop_reader
check "negative control, timestamp.json first: the loop catches failed rounds ($(failures | wc -l) of $(rounds))" \
    test -n "$(failures)"
check "... each one a file the new timestamp names, not found on the server (exit 3)" \
    test -z "$(failures | awk '$2 != 3 || !/not found on the server/')"
failures | head -2 | sed 's/^/#   /'
check "... and ota-sign verify failed on the destination in between" grep -qv 'verify=0$' "$T/steps.log"

rel 1.3.0 || failed "release 1.3.0"
start_reader
naive_copy '^metadata/[0-9]+\.|^metadata/(snapshot|targets|root)\.json$|^metadata/timestamp\.json$'
stop_reader
check "negative control, targets after the metadata: the loop catches failed rounds ($(failures | wc -l) of $(rounds))" \
    test -n "$(failures)"
check "... the file the new metadata names is not found on the server" \
    test -n "$(failures | grep 'fw.bin: not found on the server')"
expect_rc 0 "once everything is there the client fetches 1.3.0" "${OC[@]}" fetch fw.bin -o "$T/got"
check "... and it is 1.3.0" test "$(version_of "$T/got/fw.bin")" = 1.3.0

# ---- a timestamp key replaced in two publishes, each while reading --------------
# (docs/scaling.md: one rotate that adds the new key and removes the old one
# leaves a window whatever the order; adding, publishing, then removing
# leaves none)
"$S" keygen -o "$T/keys/ts2" --unencrypted >/dev/null 2>&1 || failed "ota-sign keygen"
expect_rc 0 "ota-sign rotate: the timestamp role gets a second key (root v2), signed with both" \
    "$S" rotate -r "$T/repo" --role timestamp --add-key "$T/keys/ts2.pub" \
    -k "$T/keys/root.key" -k "$T/keys/timestamp.key" -k "$T/keys/ts2.key" -k "$T/keys/snapshot.key"
publish_reading
check "root v2 published under a reading client: exit 0, no failed round" test "$rc" -eq 0 -a -z "$(failures)"
failures | head -2 | sed 's/^/#   /'
# shellcheck disable=SC2016 # awk's own fields
check "... 2.root.json, then root.json, then timestamp.json, the last three files" \
    awk '{p[NR] = $1 " " $2} END {exit !(p[NR-2] == "root metadata/2.root.json" && p[NR-1] == "root metadata/root.json" && p[NR] == "timestamp metadata/timestamp.json")}' "$T/steps.log"
expect_rc 0 "... and the client now trusts root v2" bash -c '"$@" refresh | grep -q "^root v2,"' _ "${OC[@]}"
expect_rc 0 "ota-sign rotate: the old timestamp key removed (root v3)" \
    "$S" rotate -r "$T/repo" --role timestamp --remove-key "$T/keys/timestamp.pub" \
    -k "$T/keys/root.key" -k "$T/keys/ts2.key" -k "$T/keys/snapshot.key"
publish_reading
check "root v3 published under a reading client: exit 0, no failed round" test "$rc" -eq 0 -a -z "$(failures)"
failures | head -2 | sed 's/^/#   /'
expect_rc 0 "... and the client now trusts root v3" bash -c '"$@" refresh | grep -q "^root v3,"' _ "${OC[@]}"
KEYS=(-k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/ts2.key") # rel signs with the new key

# ---- refusals ----------------------------------------------------------------
expect_rc 0 "--help" "$P" --help
expect_rc 2 "an unknown option: exit 2" "$P" --frobnicate "$T/repo" "$W"
expect_rc 2 "one argument: exit 2" "$P" "$T/repo"
mkdir -p "$T/empty"
expect_rc 7 "REPO not a repository: exit 7" "$P" "$T/empty" "$W"
expect_rc 2 "DEST missing: exit 2" "$P" "$T/repo" "$T/nowhere"
check "... and it was not created" test ! -e "$T/nowhere"
"$S" init -r "$T/plain" --no-consistent-snapshot --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null || failed "init without consistent snapshots"
mkdir -p "$T/plain-dest"
out=$("$P" "$T/plain" "$T/plain-dest" 2>&1)
check "a repository without consistent snapshots: exit 20" test $? -eq 20
check "... saying why it cannot be published safely" grep -q "no consistent snapshots.*overwritten in place" <<<"$(tr '\n' ' ' <<<"$out")"
check "... and nothing copied" test -z "$(ls -A "$T/plain-dest")"
mkdir -p "$T/nor"
for c in grep dirname; do ln -s "$(command -v $c)" "$T/nor/$c"; done
out=$(PATH=$T/nor /bin/bash "$P" "$T/repo" dst:x 2>&1)
check "an rclone remote without rclone: exit 1" test $? -eq 1
check "... saying so" grep -q "rclone is not installed" <<<"$out"

before=$(tree_hash "$W")
rel 1.4.0 || failed "release 1.4.0"
out=$("$P" --dry-run "$T/repo" "$W" 2>&1)
check "--dry-run with a new release: exit 0" test $? -eq 0
check "... lists the new target and timestamp.json" grep -q "would copy metadata/timestamp.json" <<<"$out"
check "... and changes nothing" test "$(tree_hash "$W")" = "$before"
out=$("$P" --json "$T/repo" "$W" 2>/dev/null)
check "--json: one summary line (1 new target, timestamp uploaded)" \
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["targets"]["new"] == 1 and d["timestamp"] == "uploaded", d' "$out"
out=$("$P" "$T/repo" "$W" 2>&1)
check "publishing again copies nothing" grep -q "4/4 timestamp.json: unchanged" <<<"$out"
check "... no new target" grep -q "1/4 targets: 0 new" <<<"$out"

# a published immutable file that differs: nothing written, exit 19
newest() { (cd "$1" && find . -maxdepth 1 -name "[0-9]*.$2.json" -printf '%f\n' | sort -n | tail -1); }
f=$(newest "$W/metadata" snapshot)
rel 1.5.0 || failed "release 1.5.0"
printf ' ' >>"$W/metadata/$f"
before=$(tree_hash "$W")
out=$("$P" "$T/repo" "$W" 2>&1)
check "an immutable file at DEST that differs from REPO's: exit 19" test $? -eq 19
check "... naming it" grep -q "metadata/$f" <<<"$out"
check "... and nothing was written (not even the new target)" test "$(tree_hash "$W")" = "$before"
cp "$T/repo/metadata/$f" "$W/metadata/$f"
expect_rc 0 "repaired: 1.5.0 published" "$P" "$T/repo" "$W"

# ---- --delete-old --------------------------------------------------------------
# keeps what the new timestamp and the one it replaces lead to, the root chain
# and anything not named like a versioned file
snapv() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["meta"]["snapshot.json"]["version"])' "$1"; }
echo "keep me" >"$W/targets/README"
prev=$(snapv "$W/metadata/timestamp.json")
rel 1.6.0 || failed "release 1.6.0"
out=$("$P" --dry-run --delete-old "$T/repo" "$W" 2>&1)
check "--dry-run --delete-old: lists the old snapshots it would delete" grep -q "would delete metadata/1.snapshot.json" <<<"$out"
check "... but not the previous one (v$prev)" test -z "$(grep "would delete metadata/$prev.snapshot.json" <<<"$out")"
hashed() { echo "$(sha256sum "$T/fw-$1.bin" | cut -c1-64).fw.bin"; }
old_file=$(hashed 1.0.0) prev_file=$(hashed 1.5.0)
expect_rc 0 "--delete-old publishes 1.6.0" "$P" --delete-old "$T/repo" "$W"
new=$(snapv "$W/metadata/timestamp.json")
check "the destination is valid (ota-sign verify)" "$S" verify -r "$W" -q
check "the new snapshot (v$new) and the previous one (v$prev) are there" \
    test -f "$W/metadata/$new.snapshot.json" -a -f "$W/metadata/$prev.snapshot.json"
check "older snapshots are gone" test ! -e "$W/metadata/1.snapshot.json" -a ! -e "$W/metadata/$((prev - 1)).snapshot.json"
check "the file of 1.0.0 is gone, the previous one (1.5.0) kept" \
    test ! -e "$W/targets/$old_file" -a -f "$W/targets/$prev_file"
check "the root chain and unversioned files are kept" \
    test -f "$W/metadata/1.root.json" -a -f "$W/metadata/2.root.json" -a -f "$W/targets/README"
out=$("$P" "$T/repo" "$W" 2>&1)
check "a publish without --delete-old copies the deleted files back (a mirror of REPO)" \
    grep -q "1/4 targets: [1-9][0-9]* new" <<<"$out"

# a stale REPO (a restored backup): its older timestamp.json would be a
# rollback for every device that has DEST's
cp -a "$T/repo" "$T/stale"
rel 1.6.1 || failed "release 1.6.1"
expect_rc 0 "1.6.1 published" "$P" "$T/repo" "$W"
before=$(tree_hash "$W")
out=$("$P" "$T/stale" "$W" 2>&1)
check "publishing a stale copy of REPO (an older timestamp.json): exit 19" test $? -eq 19
check "... saying why" grep -q "timestamp.json: DEST has version [0-9]*, REPO [0-9]*: devices would refuse the older one as a rollback" <<<"$out"
check "... and nothing was written" test "$(tree_hash "$W")" = "$before"

# ---- the nginx example of docs/scaling.md, on the destination -------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
    skip "docs/scaling.md's nginx example" "nginx not installed"
else
    NP=$(free_port)
    mkdir -p "$T/nginx"
    # the map and server blocks as printed, on 127.0.0.1 without TLS
    awk '/^    map "\$status \$uri"/ {on = 1} on {print substr($0, 5)} on && /^    }$/ && ++n == 2 {exit}' \
        "$ROOT/docs/scaling.md" |
        sed "s|listen 443 ssl;|listen 127.0.0.1:$NP;|; s|root /var/www/ota;|root $W;|" >"$T/nginx/site.conf"
    cat >"$T/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $T/nginx/pid;
error_log $T/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $T/nginx/t1; proxy_temp_path $T/nginx/t2; fastcgi_temp_path $T/nginx/t3;
    uwsgi_temp_path $T/nginx/t4; scgi_temp_path $T/nginx/t5;
    include $T/nginx/site.conf;
}
EOF
    # one process (master_process off): the kill at exit stops all of it
    "$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" >>"$T/nginx/error.log" 2>&1 &
    PIDS+=("$!")
    NU=http://127.0.0.1:$NP
    cc() { curl -s --max-time 10 -o /dev/null -D - "$@" | tr -d '\r' | awk 'NR == 1 {s = $2} tolower($0) ~ /^cache-control:/ {sub(/^[^:]*: */, ""); c = $0} END {print s " " c}'; }
    if ! wait_for 10 curl -s -o /dev/null "$NU/metadata/timestamp.json"; then
        failed "nginx starts with docs/scaling.md's configuration" "$(tail -3 "$T/nginx/error.log")"
    else
        tv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["meta"]["snapshot.json"]["version"])' "$W/metadata/timestamp.json")
        tf=$(cd "$W/targets" && find . -name '*.fw.bin' -printf '%P\n' | head -1)
        check "nginx example: timestamp.json no-cache" test "$(cc "$NU/metadata/timestamp.json")" = "200 no-cache"
        check "nginx example: N.snapshot.json immutable" \
            test "$(cc "$NU/metadata/$tv.snapshot.json")" = "200 public, max-age=31536000, immutable"
        check "nginx example: a hash-named target immutable, a range of it too" \
            test "$(cc "$NU/targets/$tf")/$(cc -r 0-9 "$NU/targets/$tf")" = \
            "200 public, max-age=31536000, immutable/206 public, max-age=31536000, immutable"
        check "nginx example: the next N.root.json, a 404, is no-store" test "$(cc "$NU/metadata/99.root.json")" = "404 no-store"
        check "nginx example: ota-publish's lock file is not served" test "$(cc "$NU/metadata/.ota-publish.lock")" = "404 "
        OC2=("$C" --state-dir "$T/dev2" --metadata-dir "$T/dev2/md" --metadata-url "$NU/metadata/")
        mkdir -p "$T/dev2" && "${OC2[@]}" init --root "$T/repo/metadata/1.root.json" >/dev/null
        expect_rc 0 "nginx example: a new device refreshes and fetches through it" "${OC2[@]}" fetch fw.bin -o "$T/got2"
    fi
fi

# ---- rclone --------------------------------------------------------------------
if ! command -v rclone >/dev/null; then
    skip "ota-publish to an rclone remote" "rclone not installed (make deps installs it)"
    finish
    exit
fi
export RCLONE_CONFIG=$T/rclone.conf
printf '[dst]\ntype = local\n' >"$RCLONE_CONFIG"
R=$T/remote
rel 1.7.0 || failed "release 1.7.0"
expect_rc 0 "ota-publish REPO dst:PATH (rclone, local backend): the first copy" "$P" "$T/repo" "dst:$R"
check "... a valid repository" "$S" verify -r "$R" -q
check "... every target there" test "$(find "$R/targets" -type f | wc -l)" -eq "$(find "$T/repo/targets" -type f | wc -l)"
rel 1.8.0 || failed "release 1.8.0"
# one step per rclone call: after each, the destination must verify
rm -f "$T/steps.log"
OTA_PUBLISH_STEP="$T/step.sh \"\$1\" \"\$2\"" STEP_NOWAIT=1 STEP_DEST=$R "$P" --delete-old "$T/repo" "dst:$R" >"$T/pub.out" 2>&1
check "ota-publish of 1.8.0 to the remote: exit 0" test $? -eq 0
check "... one rclone call per phase, timestamp.json last" \
    test "$(awk '{print $1}' "$T/steps.log" | tr '\n' ' ')" = "targets versioned unversioned timestamp "
check "... and ota-sign verify passed after each" test -z "$(grep -v 'verify=0$' "$T/steps.log")"
check "... the remote holds the 1.8.0 file" test -f "$R/targets/$(hashed 1.8.0)"
check "... --delete-old through rclone: 1.6.0's file is gone" \
    test ! -e "$R/targets/$(hashed 1.6.0)"
out=$("$P" "$T/repo" "dst:$R" 2>&1)
check "... publishing again uploads nothing (sizes, and MD5s of the metadata)" \
    grep -q "4/4 timestamp.json: unchanged" <<<"$out"
before=$(tree_hash "$R")
expect_rc 19 "... a stale REPO (older timestamp.json than the remote's): exit 19" "$P" "$T/stale" "dst:$R"
check "... and nothing was written" test "$(tree_hash "$R")" = "$before"
f=$(newest "$R/metadata" targets)
printf ' ' >>"$R/metadata/$f"
rel 1.9.0 || failed "release 1.9.0"
before=$(tree_hash "$R")
expect_rc 19 "... a differing immutable file on the remote: exit 19" "$P" "$T/repo" "dst:$R"
check "... and nothing was written" test "$(tree_hash "$R")" = "$before"
finish
