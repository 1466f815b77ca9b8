#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh — `make bench`: every benchmark under bench/, each with its
# baseline in the same run (see each script's header), then bench/RESULTS.md
# rewritten: the machine, the commit, and per benchmark the command line and
# what it printed (its tables and ratios).  Not part of `make test` (minutes,
# and timings on a shared machine are only comparable within one run).
#
#   bench/run.sh                 every benchmark with its defaults
#   QUICK=1 bench/run.sh         smaller inputs (a smoke run: ratios noisier)
#   ONLY="server bundle" bench/run.sh   a subset; the other sections keep
#                                their previous text
#   BUILD=build  OUT=bench/RESULTS.md
#
# The earlier hand-written analysis lives in bench/HISTORY.md.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export BUILD=${BUILD:-build}
OUT=${OUT:-bench/RESULTS.md}
ALL="bundle install download delta delta-tree metadata refresh server reports advisories size sign"
ONLY=${ONLY:-$ALL}

# name -> command line (QUICK: smaller inputs, same comparisons)
cmd_of() {
    if [ -n "${QUICK:-}" ]; then
        case $1 in
        bundle) echo "REPEAT=1 bench/bundle.sh /usr/include /usr/share/perl5" ;;
        install) echo "SIZES=16 REPEAT=1 bench/install.sh" ;;
        download) echo "SIZES=\"16 64\" REPEAT=3 bench/download.sh" ;;
        delta) echo "SIZE=64 REPEAT=1 CHUNKS=256k bench/delta.sh" ;;
        delta-tree) echo "SIZE=64 REPEAT=1 bench/delta_tree.sh" ;;
        metadata) echo "bench/metadata.sh 2000 1" ;;
        refresh) echo "TUFJS_RUNS=1 bench/refresh.sh 2000 5" ;;
        server) echo "DUR=3 ROUNDS=1 bench/server.sh" ;;
        reports) echo "DUR=5 bench/reports.sh" ;;
        advisories) echo "REL=6 PKGS=1000 ADV=300 DEV=60 N=5 bench/advisories.sh" ;;
        size) echo "bench/size.sh" ;;
        sign) echo "SIZES='1000 2000' ONE=2000 bench/sign.sh" ;;
        esac
    else
        case $1 in
        bundle) echo "bench/bundle.sh" ;;
        install) echo "bench/install.sh" ;;
        download) echo "bench/download.sh" ;;
        delta) echo "bench/delta.sh" ;;
        delta-tree) echo "TMPDIR=/dev/shm bench/delta_tree.sh" ;;
        metadata) echo "bench/metadata.sh" ;;
        refresh) echo "TUFJS_RUNS=1 bench/refresh.sh" ;;
        server) echo "bench/server.sh" ;;
        reports) echo "bench/reports.sh" ;;
        advisories) echo "bench/advisories.sh" ;;
        size) echo "bench/size.sh" ;;
        sign) echo "REPEAT=3 bench/sign.sh" ;;
        esac
    fi
}
title_of() {
    case $1 in
    bundle) echo "Bundles: ota-sign bundle / verify-bundle vs tar -czf, gzip, sha256sum" ;;
    install) echo "Install engine: ota-client install vs curl | tar -xz" ;;
    download) echo "Verified download: ota-client fetch vs curl -o" ;;
    delta) echo "Delta updates of an image: ota-client install vs --no-delta vs zsync" ;;
    delta-tree) echo "Delta updates of a file tree: ota-client install vs --no-delta vs casync, zchunk, zsync" ;;
    metadata) echo "Metadata verification: formats library vs tuf-js" ;;
    refresh) echo "A refresh with nothing new: ota-client vs tuf-js" ;;
    server) echo "ota-server vs nginx (wrk on loopback)" ;;
    reports) echo "Reports: two ota-servers on PostgreSQL behind a balancer vs one on SQLite" ;;
    advisories) echo "Advisories and package queries: GET /v1/advisories, /v1/packages vs GET /v1/fleet" ;;
    size) echo "Code size of the device side (goal: libotaclient .text <= 150 KiB)" ;;
    sign) echo "Signer: ota-sign add of many files vs cp -r + sync of the same files" ;;
    esac
}

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# previous sections, to keep the ones not run now; and what was written by
# hand after a section's end marker (analysis, a section of its own without
# a marker), kept after that section: everything up to the next section's
# "## title" heading
if [ -f "$OUT" ]; then
    awk -v dir="$W" '
        function flush_after(upto,   i) {
            if (prev != "") for (i = 1; i <= upto; i++) print buf[i] > (dir "/after-" prev)
            n = 0
        }
        /^<!-- bench:[a-z][a-z-]* -->$/ {
            # drop the next section own heading (and the blank lines around it)
            k = n
            while (k > 0 && buf[k] == "") k--
            if (k > 0 && buf[k] ~ /^## /) k--
            while (k > 0 && buf[k] == "") k--
            flush_after(k)
            name = substr($0, 12); sub(/ -->$/, "", name); f = dir "/old-" name; after = 0; next
        }
        /^<!-- end -->$/ { f = ""; prev = name; after = 1; n = 0; next }
        f != "" { print > f; next }
        after { buf[++n] = $0 }
        END { k = n; while (k > 0 && buf[k] == "") k--; flush_after(k) }' "$OUT"
fi

rc=0
for b in $ALL; do
    case " $ONLY " in *" $b "*) ;; *) continue ;; esac
    c=$(cmd_of "$b")
    echo "== bench: $c" >&2
    start=$(date +%s)
    if bash -c "$c" >"$W/$b.out" 2>"$W/$b.err"; then
        status="ok"
    else
        status="FAILED (exit $?)"
        rc=1
        tail -5 "$W/$b.err" >&2
    fi
    secs=$(($(date +%s) - start))
    {
        echo "Command: \`$c\` — $status, ${secs} s, run $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')${QUICK:+ (QUICK: smaller inputs)}."
        echo
        # markdown tables as they are; plain text in a code block
        if grep -q '^|' "$W/$b.out"; then cat "$W/$b.out"; else echo '```'; cat "$W/$b.out"; echo '```'; fi
    } >"$W/new-$b"
    cat "$W/$b.out" >&2
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
distro=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
libs=""
for p in libcurl libsodium libarchive zlib libcrypto jansson libmicrohttpd; do
    v=$(pkg-config --modversion "$p" 2>/dev/null) && libs="$libs $p $v,"
done
{
    echo "# Benchmark results"
    echo
    echo "Written by \`make bench\` (bench/run.sh): each benchmark runs its baseline"
    echo "in the same invocation and prints the ratios; timings are comparable"
    echo "within one run only. Earlier runs and their analysis: bench/HISTORY.md."
    echo
    echo "Machine: $(nproc) CPUs ($cpu), $mem RAM, $distro, Linux $(uname -r)."
    echo "Libraries:${libs%,}."
    for b in $ALL; do
        echo
        echo "## $(title_of "$b")"
        echo
        echo "<!-- bench:$b -->"
        if [ -f "$W/new-$b" ]; then cat "$W/new-$b"
        elif [ -f "$W/old-$b" ]; then cat "$W/old-$b"
        else echo "Not run yet: \`make bench ONLY=$b\`."
        fi
        echo "<!-- end -->"
        if [ -f "$W/after-$b" ]; then cat "$W/after-$b"; fi
    done
} >"$W/results.md"
mv "$W/results.md" "$OUT"
echo "bench: wrote $OUT" >&2
exit $rc
