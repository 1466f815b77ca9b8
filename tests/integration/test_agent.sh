#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The device agent end to end with real processes on 127.0.0.1: ota-sign
# publishes releases with channels, rollouts and a signed floor; ota-server
# serves them and records device reports (SQLite); ota-client check /
# update / daemon / confirm / report run a simulated A/B device (symlink
# backend, tests/integration/device.sh) through its whole life:
#
#   install 1.0.0 -> update to 1.1.0 -> confirm -> 1.2.0 whose health check
#   fails -> back to 1.1.0, 1.2.0 marked bad and never offered again ->
#   the server's /v1/devices shows each step
#
# plus rollout buckets, channels, anti-rollback and signed downgrades, the
# floor, wrong hardware, a report queue while the server is down, daemon
# jitter, systemd notify, SIGTERM mid-download then resume, config errors.
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
C=$BUILD/ota-client
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-agent.XXXXXX")
cleanup() {
    [ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
    [ -n "${NPID:-}" ] && kill -9 "$NPID" 2>/dev/null
    kill_servers
    rm -rf "$T"
}
trap cleanup EXIT

source "$(dirname "$0")/device.sh"
mkrepo || { failed "ota-sign init"; finish; exit 1; }
TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/token" && chmod 600 "$T/token"
SRVARGS=(--root "$T/repo" --db "$T/reports.db" --admin-token-file "$T/token")
start_server "$T/server.log" "${SRVARGS[@]}" || { failed "ota-server starts"; finish; exit 1; }

json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
admin() { curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" "$U$1"; }

# agentdev NAME [ID]: a symlink device with a client.conf: the reboot command
# "reboots" it (the slot the link points at starts) and the health check
# fails for 1.2.0.  Sets DEV, OC (flags, from mkdevice) and CC (--config).
agentdev() {
    mkdevice "$1" symlink
    cat >"$DEV/reboot.sh" <<EOF
#!/bin/sh
case \$(readlink "$DEV/current") in
*/slot-a) echo "ota.slot=A" >"$DEV/cmdline" ;;
*/slot-b) echo "ota.slot=B" >"$DEV/cmdline" ;;
esac
echo reboot >>"$DEV/reboots"
EOF
    cat >"$DEV/health.sh" <<EOF
#!/bin/sh
# the running slot's version; 1.2.0 is broken
grep -q 'firmware 1.2.0' "$DEV/current/etc/version" && { echo "1.2.0: service down" >&2; exit 1; }
exit 0
EOF
    chmod 755 "$DEV/reboot.sh" "$DEV/health.sh"
    cat >"$DEV/client.conf" <<EOF
# a device of the agent suite
metadata_url = $U/metadata/
state_dir = $DEV/state
system_conf = $DEV/system.conf
device_id = ${2:-$1}
health_check = $DEV/health.sh
health_timeout = 20
reboot_command = $DEV/reboot.sh
EOF
    CC=("$C" --config "$DEV/client.conf")
}
st() { "${CC[@]}" status --json | json "d$1"; }

# ---- 1. the whole life of a device ---------------------------------------------------
PUBPATH=gw-fw-1.0.0.otab mkrel 1.0.0 gw-1 || failed "release 1.0.0 published"
agentdev life gw-0001
expect_rc 2 "check before the product is known: usage (exit 2)" "${CC[@]}" check
"${CC[@]}" check >"$T/out" 2>"$T/out.err"
check "check without a product names the setting" grep -q "product" "$T/out.err"
expect_rc 0 "check --product gw-fw: 1.0.0 is available" "${CC[@]}" --product gw-fw check
"${CC[@]}" --product gw-fw check >"$T/out"
check "... and says so" grep -q "available: 1.0.0" "$T/out"
expect_rc 0 "install 1.0.0 by name" "${CC[@]}" install gw-fw-1.0.0.otab
"$DEV/reboot.sh"
expect_rc 0 "after the reboot: daemon --once (health check, confirm)" "${CC[@]}" daemon --once
check "1.0.0 committed and installed" test "$(st '["state"]')/$(st '["installed_version"]')" = committed/1.0.0
check "the product is now known from the install" test "$(st '["product"]')" = gw-fw
"${CC[@]}" check >"$T/out"
check "check: up to date" grep -q "up to date (1.0.0)" "$T/out"

PUBPATH=gw-fw-1.1.0.otab mkrel 1.1.0 gw-1 || failed "release 1.1.0 published"
expect_rc 0 "update: installs 1.1.0" "${CC[@]}" update
check "1.1.0 waits for a reboot" test "$(st '["state"]')/$(st '["target"]["version"]')" = installed/1.1.0
expect_rc 12 "update again before the reboot: busy (exit 12)" "${CC[@]}" update
"$DEV/reboot.sh"
expect_rc 0 "boot-check after the reboot" "${CC[@]}" boot-check
check "1.1.0 is pending" test "$(st '["state"]')" = pending
expect_rc 0 "confirm 1.1.0" "${CC[@]}" confirm
check "1.1.0 committed" test "$(st '["installed_version"]')" = 1.1.0

PUBPATH=gw-fw-1.2.0.otab mkrel 1.2.0 gw-1 || failed "release 1.2.0 published"
rm -f "$DEV/reboots"
expect_rc 0 "daemon --once: installs 1.2.0 and reboots" "${CC[@]}" daemon --once
check "the reboot command ran once" test "$(wc -l <"$DEV/reboots")" -eq 1
check "1.2.0 booted (slot B)" grep -q "ota.slot=B" "$DEV/cmdline"
"${CC[@]}" daemon --once >"$T/d2.out" 2>"$T/d2.err"
check "daemon --once after the reboot: exit 0" test $? -eq 0
check "the health check failed and the daemon went back" grep -q "health check failed" "$T/d2.err"
check "... and rebooted into the old slot" test "$(wc -l <"$DEV/reboots")" -eq 2
check "slot A boots again" grep -q "ota.slot=A" "$DEV/cmdline"
check "state fell-back, 1.1.0 still installed" test "$(st '["state"]')/$(st '["installed_version"]')" = fell-back/1.1.0
check "1.2.0 is marked bad" test "$(st '["bad_versions"]')" = "['1.2.0']"
expect_rc 0 "daemon --once afterwards: nothing to install" "${CC[@]}" daemon --once
check "no third reboot" test "$(wc -l <"$DEV/reboots")" -eq 2
"${CC[@]}" check --json >"$T/c.json"
check "check --json: 1.2.0 is marked-bad, never offered again" \
    test "$(json '[r["verdict"] for r in d["releases"] if r["version"]=="1.2.0"][0]' <"$T/c.json")" = marked-bad
check "check --json: nothing chosen" test "$(json 'd["chosen"]' <"$T/c.json")" = None
check "status: no report left in the queue" test "$(st '["reports_queued"]')" = 0

admin /v1/devices/gw-0001 >"$T/dev.json"
got=$(json '" ".join(h["result"]+":"+h["installed_version"] for h in reversed(d["history"]))' <"$T/dev.json")
want="none:0.0.0 success:1.0.0 none:1.0.0 success:1.1.0 none:1.1.0 rollback:1.1.0"
check "the server saw each step: $want" test "$got" = "$want"
[ "$got" = "$want" ] || echo "#   got: $got"
check "the rollback report says why" test "$(json 'd["history"][0]["error"]' <"$T/dev.json" | grep -c 'health check failed')" -eq 1
check "the device list shows 1.1.0" \
    test "$(admin /v1/devices | json '[x["installed_version"] for x in d["devices"] if x["device_id"]=="gw-0001"][0]')" = 1.1.0
check "the device key is 0600" test "$(stat -c %a "$DEV/state/device.key")" = 600

# ---- 2. rollout, channels, hardware ------------------------------------------------------
PUBPATH=gw-fw-1.3.0.otab ADD_ARGS="--rollout 0" mkrel 1.3.0 gw-1 || failed "release 1.3.0 published at 0 %"
"${CC[@]}" check --json >"$T/c.json"
b=$(json '[r["bucket"] for r in d["releases"] if r["version"]=="1.3.0"][0]' <"$T/c.json")
check "rollout 0: 1.3.0 is outside the rollout" test "$(json 'd["reason"]' <"$T/c.json")" = rollout
"$S" release -r "$T/repo" "${KEYS[@]}" gw-fw-1.3.0.otab --rollout "$b" >/dev/null
check "rollout = the device's bucket ($b): still outside" \
    test "$("${CC[@]}" check --json | json 'd["chosen"]')" = None
"$S" release -r "$T/repo" "${KEYS[@]}" gw-fw-1.3.0.otab --rollout $((b + 1)) >/dev/null
check "rollout = bucket + 1: chosen" \
    test "$("${CC[@]}" check --json | json 'd["chosen"]["version"]')" = 1.3.0
inside=0
for i in $(seq 1 40); do
    v=$("$C" --config "$DEV/client.conf" --device-id "sim-$i" check --json | json 'd["chosen"] is not None')
    [ "$v" = True ] && inside=$((inside + 1))
done
check "40 other device ids at rollout $((b + 1)) %: $inside inside, a plausible share" \
    python3 -c "import sys; from math import comb; p=$((b + 1))/100; k=$inside; sys.exit(0 if sum(comb(40,j)*p**j*(1-p)**(40-j) for j in range(41) if abs(j-40*p) >= abs(k-40*p)) > 1e-4 else 1)"

PUBPATH=gw-fw-1.4.0.otab ADD_ARGS="--channel beta" mkrel 1.4.0 gw-1 || failed "release 1.4.0 on beta"
check "a stable device does not get the beta 1.4.0" \
    test "$("${CC[@]}" check --json | json '[r["verdict"] for r in d["releases"] if r["version"]=="1.4.0"][0]')" = channel
check "--channel beta (over the file) chooses 1.4.0" \
    test "$("${CC[@]}" --channel beta check --json | json 'd["chosen"]["version"]')" = 1.4.0
check "wrong hardware: every release says hardware" \
    test "$("${CC[@]}" --hardware-id gw-9 check --json | json '",".join(sorted(set(r["verdict"] for r in d["releases"])))')" = hardware
expect_rc 8 "install for the wrong hardware: exit 8" "${CC[@]}" --hardware-id gw-9 install gw-fw-1.3.0.otab

# ---- 3. anti-rollback, signed downgrades, the floor ---------------------------------------
expect_rc 9 "install 1.0.0 over 1.1.0: not newer (exit 9)" "${CC[@]}" install gw-fw-1.0.0.otab
expect_rc 9 "--allow-downgrade without a signed permission: still exit 9" "${CC[@]}" install --allow-downgrade gw-fw-1.0.0.otab
expect_rc 10 "install the bad 1.2.0 again: marked bad (exit 10)" "${CC[@]}" install gw-fw-1.2.0.otab
check "refusals before the first byte are not reported as failed attempts" \
    test "$(admin /v1/devices/gw-0001 | json 'len(d["history"])')" = 6
agentdev down gw-0002
"${CC[@]}" install gw-fw-1.3.0.otab >/dev/null 2>&1
"$DEV/reboot.sh"
"${CC[@]}" daemon --once >/dev/null 2>&1
check "a second device runs 1.3.0" test "$(st '["installed_version"]')" = 1.3.0
# a downgrade permission in an ota_release the client cannot read grants
# nothing (written behind ota-sign's back, then signed with the next change)
for f in "$T/repo/metadata/targets.json" \
    "$T/repo/metadata/$(json 'd["signed"]["version"]' <"$T/repo/metadata/targets.json").targets.json"; do
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
d["signed"]["targets"]["gw-fw-1.1.0.otab"]["custom"]["ota_release"]={"channels":["stable"],"downgrade":True,"rollout":101}
json.dump(d, open(sys.argv[1], "w"))' "$f"
done
"$S" floor -r "$T/repo" "${KEYS[@]}" other-fw 0.0.1 >/dev/null
check "an unreadable ota_release is signed: 1.1.0 is invalid" \
    test "$("${CC[@]}" check --json | json '[r["verdict"] for r in d["releases"] if r["version"]=="1.1.0"][0]')" = invalid
expect_rc 9 "--allow-downgrade with downgrade:true in an unreadable ota_release: still exit 9" \
    "${CC[@]}" install --allow-downgrade gw-fw-1.1.0.otab
"$S" floor -r "$T/repo" "${KEYS[@]}" other-fw --clear >/dev/null
"$S" release -r "$T/repo" "${KEYS[@]}" gw-fw-1.1.0.otab --allow-downgrade >/dev/null
expect_rc 0 "signed downgrade permission + --allow-downgrade: 1.1.0 installs" "${CC[@]}" install --allow-downgrade gw-fw-1.1.0.otab
check "... into the other slot, waiting for a reboot" test "$(st '["state"]')/$(st '["target"]["version"]')" = installed/1.1.0

# a rollback waits for its reboot: the slot it goes back to is never overwritten
agentdev rb gw-0006
"${CC[@]}" --product gw-fw install gw-fw-1.0.0.otab >/dev/null 2>&1
"$DEV/reboot.sh"
"${CC[@]}" confirm >/dev/null 2>&1
"${CC[@]}" install gw-fw-1.1.0.otab >/dev/null 2>&1
"$DEV/reboot.sh"
expect_rc 0 "rollback of the pending 1.1.0 (slot A runs, B primary again)" "${CC[@]}" rollback --reason "operator"
h=$(tree_hash "$DEV/slot-b")
expect_rc 12 "install before that reboot: refused (exit 12), slot B is where the device goes back to" "${CC[@]}" install gw-fw-1.3.0.otab
expect_rc 12 "confirm before that reboot: refused (exit 12), the given-up slot is not marked good" "${CC[@]}" confirm
"${CC[@]}" daemon --once >/dev/null 2>"$T/rb.err"
check "daemon --once then: waits for the reboot, installs nothing" grep -q "waits for the reboot" "$T/rb.err"
check "slot B (1.0.0) untouched" test "$(tree_hash "$DEV/slot-b")" = "$h"

"$S" floor -r "$T/repo" "${KEYS[@]}" gw-fw 1.3.0 >/dev/null
agentdev life gw-0001 >/dev/null 2>&1 # fresh state dir: a device that runs nothing known
"$C" --config "$DEV/client.conf" --product gw-fw check --json >"$T/c.json"
check "the floor: 1.0.0-1.2.0 are below it" \
    test "$(json '",".join(r["verdict"] for r in d["releases"] if r["version"] in ("1.0.0","1.1.0","1.2.0"))' <"$T/c.json")" = floor,floor,floor
expect_rc 10 "install below the signed floor: exit 10" "${CC[@]}" install gw-fw-1.1.0.otab
"${CC[@]}" install gw-fw-1.1.0.otab 2>"$T/out.err"
check "... and the message names the floor" grep -q "below the signed floor 1.3.0" "$T/out.err"
grep -q "below the signed floor 1.3.0" "$T/out.err" || echo "#   $(cat "$T/out.err")"
"$S" floor -r "$T/repo" "${KEYS[@]}" gw-fw --clear >/dev/null

# ---- 4. reports queue while the server is down -------------------------------------------
agentdev rq gw-0003
DEAD=$(free_port)
expect_rc 0 "install while the report URL is down: the report does not fail it" \
    "${CC[@]}" --product gw-fw --report-url "http://127.0.0.1:$DEAD/v1/reports" install gw-fw-1.0.0.otab
check "... it is queued (1)" test "$(st '["reports_queued"]')" = 1
stop_server
expect_rc 3 "report with the server down: network (exit 3)" "${CC[@]}" report
check "the check-in is queued behind it (2)" test "$(st '["reports_queued"]')" = 2
start_server "$T/server2.log" --listen "127.0.0.1:$PORT" "${SRVARGS[@]}" || failed "server back on port $PORT"
expect_rc 0 "report once the server is back: delivered" "${CC[@]}" report
check "the queue is empty" test "$(st '["reports_queued"]')" = 0
got=$(admin /v1/devices/gw-0003 | json '" ".join("%s:%s" % (h["seq"], h["result"]) for h in reversed(d["history"]))')
check "the server has all three, in order ($got)" test "$got" = "1:none 2:none 3:none"

# ---- 5. the daemon: jitter, systemd notify, SIGTERM --------------------------------------
agentdev jit gw-0004
printf 'product = gw-fw\npoll_interval = 2\npoll_jitter = 1\nreboot_command = true\n' >>"$DEV/client.conf"
sed -i '/^reboot_command = .*reboot.sh$/d' "$DEV/client.conf"
python3 - "$T/notify.sock" "$T/notify.log" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a") as log:
    try:
        while True:
            log.write(s.recv(4096).decode() + "\n")
            log.flush()
    except Exception:
        pass
EOF
NPID=$!
wait_for 10 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 "${CC[@]}" daemon >"$T/d.out" 2>"$T/d.err" &
DPID=$!
for _ in $(seq 1 150); do [ "$(grep -c 'next check in' "$T/d.err")" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=
check "SIGTERM: the daemon stops cleanly (exit 0), got $rc" test "$rc" -eq 0
check "... and says so" grep -q "daemon: stopped" "$T/d.err"
check "first check after 0..poll_jitter s" \
    python3 -c "import re,sys; v=[float(x) for x in re.findall(r'first check in ([0-9.]+) s', open('$T/d.err').read())]; sys.exit(0 if len(v)==1 and 0<=v[0]<=1 else 1)"
check "every wait within poll_interval +/- poll_jitter, and not all equal" \
    python3 -c "import re,sys; v=[float(x) for x in re.findall(r'next check in ([0-9.]+) s', open('$T/d.err').read())]; sys.exit(0 if len(v)>=3 and all(1<=x<=3 for x in v) and len(set(v))>1 else 1)"
check "the daemon installed the newest release meanwhile" grep -q "installing gw-fw-1.3.0.otab" "$T/d.err"
# the daemon has exited: its messages are sent, the listener may lag behind
for m in READY=1 WATCHDOG=1 STATUS= STOPPING=1; do
    check "systemd notify: $m" wait_for 10 grep -q "^$m" "$T/notify.log"
done
kill "$NPID" 2>/dev/null
wait "$NPID" 2>/dev/null
NPID=

# SIGTERM mid-download, then the next update resumes
BIG=1 PUBPATH=gw-fw-2.0.0.otab mkrel 2.0.0 gw-1 || failed "a big release 2.0.0"
agentdev resume gw-0005
"${CC[@]}" --product gw-fw --checkpoint-kib 256 install gw-fw-1.0.0.otab >/dev/null 2>&1
"$DEV/reboot.sh"
"${CC[@]}" confirm >/dev/null 2>&1
OC=("${CC[@]}")
slow "${CC[@]}" --checkpoint-kib 256 daemon --once >"$T/r.out" 2>"$T/r.err" &
ipid=$!
wait_journal
for p in "$ipid" $(pgrep -P "$ipid"); do pkill -TERM -x -P "$p" ota-client 2>/dev/null; done
wait $ipid
rc=$?
check "SIGTERM mid-download: the daemon stops (exit 0), got $rc" test "$rc" -eq 0
check "the journal is kept (downloading)" test "$(st '["state"]')" = downloading
"${CC[@]}" --checkpoint-kib 256 update --json >"$T/u.out" 2>"$T/u.err"
check "the next update finishes it (exit $?)" test "$(st '["state"]')/$(st '["target"]["version"]')" = installed/2.0.0
check "... resuming where it stopped" grep -q '"resumed":true' "$T/u.out"
check "... and the tree is exact (slot A: 1.0.0 went to B)" same_tree "$T/src/2.0.0/rootfs" "$DEV/slot-a"

# fetch: SIGTERM keeps the partial file (exit 14), the next fetch resumes it
slow "${CC[@]}" fetch gw-fw-2.0.0.otab -o "$T/dl" >"$T/f.out" 2>&1 &
fpid=$!
for _ in $(seq 1 300); do
    [ "$(stat -c %s "$T"/dl/.ota-part.* 2>/dev/null | head -1)" -gt 1000000 ] 2>/dev/null && break
    sleep 0.05
done
for p in "$fpid" $(pgrep -P "$fpid"); do pkill -TERM -x -P "$p" ota-client 2>/dev/null; done
wait $fpid
rc=$?
check "SIGTERM mid-fetch: interrupted (exit 14), got $rc" test "$rc" -eq 14
check "... the partial file is kept" test -n "$(ls "$T"/dl/.ota-part.* 2>/dev/null)"
"${CC[@]}" fetch --json gw-fw-2.0.0.otab -o "$T/dl" >"$T/f2.out" 2>&1
check "the next fetch completes (exit $?), resuming" grep -q '"resumed":true' "$T/f2.out"
check "... the file is the bundle" cmp -s "$T/gw-fw-2.0.0.otab" "$T/dl/gw-fw-2.0.0.otab"

# ---- 6. configuration ----------------------------------------------------------------------
echo "target_url = http://x/" >>"$DEV/client.conf"
"${CC[@]}" status >/dev/null 2>"$T/out.err"
check "an unknown key: usage (exit 2) with a suggestion" grep -q "unknown key 'target_url' (did you mean 'target_base_url'?)" "$T/out.err"
sed -i '$d' "$DEV/client.conf"
"${CC[@]}" --chanel beta status >/dev/null 2>"$T/out.err"
check "a mistyped flag: a suggestion" grep -q "did you mean --channel" "$T/out.err"
expect_rc 2 "--poll-jitter above --poll-interval: usage" "${CC[@]}" --poll-interval 10 --poll-jitter 20 status
for cmd in init refresh list fetch check update install status confirm rollback boot-check report daemon; do
    out=$("$C" "$cmd" --help 2>&1)
    rc=$?
    check "$cmd --help: exit 0 (got $rc), names the command" \
        test "$rc" -eq 0 -a -n "$(grep "usage: ota-client .*$cmd" <<<"$out")"
done
expect_rc 7 "no trusted root: check says not initialised (exit 7)" "$C" --metadata-url "$U/metadata/" --state-dir "$T/empty" --system-conf "$DEV/system.conf" --device-id x --product gw-fw check
stop_server
expect_rc 3 "server down: check is a network error (exit 3)" "${CC[@]}" check

finish
