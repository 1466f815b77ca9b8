#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_dist.sh — what `make install` and the packages ship besides the
# programs: the systemd units (dist/systemd), the default /etc/ota/client.conf,
# the system.conf example and the /etc/default files.  The units are checked
# with systemd-analyze (no systemd runs here) and their ExecStart command lines
# are run for real with the paths moved into a scratch directory; the config
# files are read by ota-client itself.
. "$(dirname "$0")/lib.sh"
S=$BUILD/ota-sign C=$BUILD/ota-client
T=$(mktemp -d)
trap 'kill_servers; rm -rf "$T"' EXIT
. "$(dirname "$0")/device.sh"
D=$ROOT/dist

# ---- units: systemd's own parser finds nothing to say -----------------------
mkdir -p "$T/units"
for u in "$D"/systemd/*; do sed "s#/usr/bin/#$BUILD/#g" "$u" >"$T/units/${u##*/}"; done
if command -v systemd-analyze >/dev/null; then
    for u in "$T"/units/*; do
        out=$(cd "$T/units" && systemd-analyze verify --man=no "./${u##*/}" 2>&1)
        check "systemd-analyze verify ${u##*/}: clean" test $? -eq 0 -a -z "$out"
        [ -n "$out" ] && echo "#   $out"
    done
    # the check above can fail: a misspelt key is reported
    printf '[Service]\nExecStart=/bin/true\nProtectSytem=strict\n' >"$T/units/bad.service"
    out=$(cd "$T/units" && systemd-analyze verify --man=no ./bad.service 2>&1)
    check "systemd-analyze verify reports a misspelt key" grep -q "Unknown key" <<<"$out"
    rm -f "$T/units/bad.service"
    score=$(cd "$T/units" && systemd-analyze security --offline=true ./ota-server.service 2>&1 |
        sed -n 's/.*exposure level for ota-server.service: \([0-9.]*\).*/\1/p')
    check "ota-server.service exposure level ≤ 2.0 (systemd-analyze security: ${score:-?})" \
        awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
else
    skip "systemd units verified" "systemd-analyze not installed"
fi

# exec_line UNIT: the ExecStart command line of UNIT (continuations joined)
exec_line() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" | sed -n 's/^ExecStart=//p'; }
# run_exec UNIT VAR=VALUE...: exec the unit's ExecStart with ${VAR} and $VAR
# set (replaces the shell: call it in a subshell or with &)
run_exec() {
    local unit=$1 line kv
    shift
    line=$(exec_line "$unit")
    for kv in "$@"; do line=${line//\$\{${kv%%=*}\}/${kv#*=}}; line=${line//\$${kv%%=*}/${kv#*=}}; done
    case "$line" in *'$'*) echo "unexpanded variable in: $line" >&2; return 99 ;; esac
    # shellcheck disable=SC2086  # word splitting is what systemd does here
    set -- $line
    exec "$@"
}

# ---- ota-server.service: its command line starts a server that serves -------
mkrepo
mkdir -p "$T/cred" "$T/state" "$T/log"
printf 'unit-test-admin-token-0123456789abcdef\n' >"$T/cred/admin.token"
chmod 400 "$T/cred/admin.token"
sed -e "s#/var/lib/ota-server#$T/state#g; s#/var/log/ota-server#$T/log#g" \
    "$T/units/ota-server.service" >"$T/units/srv.service"
run_exec "$T/units/srv.service" OTA_SERVER_ROOT="$T/repo" OTA_SERVER_LISTEN=127.0.0.1:0 \
    CREDENTIALS_DIRECTORY="$T/cred" OTA_SERVER_ARGS= 2>"$T/srv.err" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*serving .* on http:\/\/.*:\([0-9][0-9]*\) .*/\1/p' "$T/srv.err" | head -1)
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
check "ota-server.service ExecStart: the server starts" test -n "$PORT"
[ -n "$PORT" ] || sed 's/^/#   /' "$T/srv.err"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "ota-server.service: serves the repository" test "$(code "http://127.0.0.1:$PORT/metadata/timestamp.json")" = 200
check "ota-server.service: admin API answers the credential's token" \
    test "$(code -H 'Authorization: Bearer unit-test-admin-token-0123456789abcdef' "http://127.0.0.1:$PORT/v1/devices")" = 200
check "ota-server.service: the database is in the state directory" test -s "$T/state/reports.db"
check "ota-server.service: the access log is in the logs directory" \
    bash -c 'for _ in $(seq 1 50); do grep -qs "GET /metadata/timestamp.json" "$1" && exit 0; sleep 0.1; done; exit 1' _ "$T/log/access.log"
stop_server "$SERVER_PID"
# /etc/default/ota-server sets the variables the unit uses, and only those
( . "$D/default/ota-server"; check "/etc/default/ota-server: root, listen, args set" test -n "$OTA_SERVER_ROOT" -a -n "$OTA_SERVER_LISTEN" )
for v in $(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$D/default/ota-server"); do
    check "ota-server.service uses $v" grep -q "\${$v}\|\$$v" "$D/systemd/ota-server.service"
done

# ---- ota-sign-renew.service: its command line renews a repository ------------
mkdir -p "$T/online"
cp "$T/keys/snapshot.key" "$T/keys/timestamp.key" "$T/online/"
before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$T/repo/metadata/timestamp.json")
(run_exec "$T/units/ota-sign-renew.service" OTA_REPO="$T/repo" OTA_KEYS="$T/online" \
    OTA_RENEW_ARGS="--margin 30d") >"$T/renew.out" 2>&1
rc=$?
after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$T/repo/metadata/timestamp.json")
check "ota-sign-renew.service ExecStart: exit 0 (got $rc)" test "$rc" -eq 0
check "ota-sign-renew.service: the timestamp was re-signed ($before → $after)" test "$after" -gt "$before"
for v in $(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$D/default/ota-sign-renew"); do
    check "ota-sign-renew.service uses $v" grep -q "\${$v}\|\$$v" "$D/systemd/ota-sign-renew.service"
done
check "ota-sign-renew.timer names its service" test -e "$D/systemd/ota-sign-renew.service"

# ---- ota-client.service ------------------------------------------------------
check "ota-client.service runs the daemon" test "$(exec_line "$D/systemd/ota-client.service")" = "/usr/bin/ota-client daemon"
check "ota-client.service: Type=notify (the daemon speaks sd_notify)" grep -qx "Type=notify" "$D/systemd/ota-client.service"

# ---- client.conf: every setting, each accepted by ota-client -----------------
conf=$D/etc/ota/client.conf
settings=$("$C" --help 2>&1 | sed -n 's/^  --\([a-z-]*\) [A-Z].*/\1/p' | grep -v '^config$' | tr - _)
check "ota-client --help lists settings" test "$(echo "$settings" | wc -w)" -ge 20
for s in $settings; do
    check "client.conf shows '$s'" grep -q "^#$s = " "$conf"
done
for k in $(sed -n 's/^#\([a-z_]*\) = .*/\1/p' "$conf"); do
    check "client.conf key '$k' is a setting" grep -qx "$k" <<<"$settings"
done
check "client.conf sets nothing by default (every setting commented)" \
    test -z "$(grep -v '^#' "$conf" | grep -v '^[[:space:]]*$')"
# all of them uncommented, with paths moved here: ota-client accepts the file
mkdir -p "$T/cs/md"
sed -e 's/^#\([a-z_]* = \)/\1/' -e "s#^state_dir = .*#state_dir = $T/cs#; s#^metadata_dir = .*#metadata_dir = $T/cs/md#" \
    -e "s#^system_conf = .*#system_conf = $D/etc/ota/system.conf.example#" "$conf" >"$T/all.conf"
expect_rc 0 "client.conf with every setting uncommented: ota-client status accepts it" \
    "$C" --config "$T/all.conf" status
echo "metdata_url = http://x/" >>"$T/all.conf"
expect_rc 2 "a misspelt key in the config is a usage error" "$C" --config "$T/all.conf" status

# ---- system.conf: the example parses, and the manual shows the same file ----
ex=$D/etc/ota/system.conf.example
out=$("$C" --state-dir "$T/cs" --system-conf "$ex" status --json 2>&1)
check "system.conf.example: ota-client reads it" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out"
sed 's/^compatible = .*/compatible = acme-gw-r1  # inline comments are not comments/' "$ex" >"$T/bad.conf"
expect_rc 2 "an inline comment after a value is refused (so the example has none)" \
    "$C" --state-dir "$T/cs" --system-conf "$T/bad.conf" status
sed -n '/^```ini/,/^```/p' "$ROOT/docs/install.md" | sed '1d;$d' >"$T/doc.conf"
check "docs/install.md shows dist/etc/ota/system.conf.example verbatim" cmp -s "$T/doc.conf" "$ex"

# ---- licence: LICENSE and an SPDX line in every source file -----------------
check "LICENSE is the Apache License 2.0" grep -q "Apache License" "$ROOT/LICENSE"
nospdx=$(cd "$ROOT" && git ls-files 2>/dev/null | grep -E '\.(c|h|sh|py|js)$|^Makefile$|^mk/.*\.mk$|^scripts/|^debian/rules$|^\.ci/run$' |
    grep -vE 'node_modules|formats/vectors|tests/fuzz/(corpus|regressions)|\.md$' |
    while read -r f; do head -3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || echo "$f"; done)
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then # (a worktree's .git is a file)
    check "every source file names its licence (SPDX) in its first lines${nospdx:+: missing in $(echo $nospdx | head -c 200)}" test -z "$nospdx"
else
    skip "SPDX lines" "not a git checkout"
fi

# ---- make demo installs only what the demo needs ------------------------------
demo_plan=$(make --no-print-directory -n -C "$ROOT" demo 2>&1)
check "make demo would not install Node.js or npm packages" \
    bash -c '! grep -qE "nodejs|npm (ci|install)" <<<"$1" && grep -q "deps-demo" <<<"$1"' _ "$demo_plan"

finish
