#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-server, serving the repository: command line and exit codes, GET/HEAD,
# Content-Type, Cache-Control per name kind, ETag/Last-Modified and 304s,
# Range (206/416) edge cases, the metadata cache following a publish by
# rename, path safety (.., %2e%2e, %00, backslash, hidden files, symlinks out
# of the root, directories), method and body refusals, keep-alive, access
# log, /metrics, IPv6 and TLS.  Real server processes on loopback, real curl.
source "$(dirname "$0")/lib.sh"
SRV="$BUILD/ota-server"
T=$(mktemp -d /tmp/ota-srv-files.XXXXXX)
cleanup() {
    kill_servers
    rm -rf "$T"
}
trap cleanup EXIT

C() { curl -s --max-time 10 "$@"; }
code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
hdr() { # hdr NAME CURL-ARGS... : value of response header NAME
    local name=$1
    shift
    curl -s --max-time 10 -o /dev/null -D - "$@" | tr -d '\r' |
        awk -v n="$name" 'BEGIN{IGNORECASE=1} index(tolower($0), tolower(n) ":")==1 {sub(/^[^:]*: */, ""); print}'
}

# ---- a repository ------------------------------------------------------------
R=$T/repo
mkdir -p "$R/metadata" "$R/targets/sub" "$R/.git" "$R/keys"
printf '{"signed":{"_type":"timestamp","version":1}}' >"$R/metadata/timestamp.json"
printf '{"signed":{"_type":"root","version":2}}' >"$R/metadata/root.json"
printf '{"signed":{"_type":"root","version":1}}' >"$R/metadata/1.root.json"
printf '{"signed":{"_type":"snapshot","version":7}}' >"$R/metadata/7.snapshot.json"
head -c 200000 /dev/urandom >"$R/targets/fw.bundle"
H=$(sha256sum "$R/targets/fw.bundle" | cut -d' ' -f1)
cp "$R/targets/fw.bundle" "$R/targets/$H.fw.bundle"
head -c 3000000 /dev/urandom >"$R/targets/big.bundle"
: >"$R/metadata/empty.json"
printf 'digits' >"$R/targets/sub/r.bin"
echo "[core]" >"$R/.git/config"
echo "SECRET=1" >"$R/metadata/.env"
echo "secret-outside" >"$T/outside.txt"
ln -s "$T/outside.txt" "$R/metadata/escape.txt"
ln -s "$T" "$R/metadata/escape-dir"
ln -s timestamp.json "$R/metadata/alias.json"
mkfifo "$R/metadata/fifo.json"
# what an operator's repository directory may hold next to metadata/ and
# targets/: none of it is ever served
printf '%s\n' '-----BEGIN PRIVATE KEY-----' 'MC4CAQAwBQYDK2VwBCIEIA' '-----END PRIVATE KEY-----' >"$R/keys/root1.key"
printf 'correct horse battery staple\n' >"$R/passphrase"
printf '{"signed":{}}' >"$R/top.json"
cp "$R/keys/root1.key" "$R/targets/oops.bin" # a key inside the served tree

# ---- command line ------------------------------------------------------------
out=$("$SRV" --help 2>&1)
check "--help exits 0 and documents exit codes" \
    bash -c '[[ "$1" == *"usage: ota-server"* && "$1" == *"Exit codes"* ]]' _ "$out"
expect_rc 2 "no --root: usage error (2)" "$SRV"
expect_rc 2 "unknown option: usage error (2)" "$SRV" --root "$R" --bogus
expect_rc 2 "bad --listen: usage error (2)" "$SRV" --root "$R" --listen localhost:80
expect_rc 2 "bad --threads: usage error (2)" "$SRV" --root "$R" --threads 0
expect_rc 2 "--tls-cert without --tls-key: usage error (2)" "$SRV" --root "$R" --tls-cert x
expect_rc 7 "missing --root directory: exit 7" "$SRV" --root "$T/nope" --listen 127.0.0.1:0
expect_rc 7 "--root is a file: exit 7" "$SRV" --root "$R/metadata/root.json" --listen 127.0.0.1:0
err=$("$SRV" --root "$T/nope" --listen 127.0.0.1:0 2>&1)
check "errors are one clear line naming the problem" \
    bash -c '[ "$(printf "%s\n" "$1" | wc -l)" -eq 1 ] && [[ "$1" == "ota-server: --root "*"No such file"* ]]' _ "$err"

start_server "$T/a.log" --root "$R" || failed "server starts" "$(cat "$T/a.log")"
A=$PORT APID=$SERVER_PID
U=http://127.0.0.1:$A
expect_rc 3 "port in use: exit 3" "$SRV" --root "$R" --listen 127.0.0.1:$A

# ---- only metadata/ and targets/ are served --------------------------------------
check "a key file next to metadata/ -> 404" [ "$(code "$U/keys/root1.key")" = 404 ]
check "... and its bytes never appear" bash -c '! curl -s --max-time 10 "$1/keys/root1.key" | grep -q PRIVATE' _ "$U"
check "a passphrase file next to metadata/ -> 404" [ "$(code "$U/passphrase")" = 404 ]
check "any other file at the top of the root -> 404" [ "$(code "$U/top.json")" = 404 ]
check "HEAD outside metadata/ and targets/ -> 404" [ "$(code -I "$U/keys/root1.key")" = 404 ]
check "metadata/ still served" [ "$(code "$U/metadata/timestamp.json")" = 200 ]
check "targets/ still served" [ "$(code "$U/targets/fw.bundle")" = 200 ]
check "startup warns about the key file, one line naming it" \
    grep -q "^ota-server: warning: --root $R holds a key-like file: keys/root1.key (not served" "$T/a.log"
check "startup warns about the passphrase file" grep -q "key-like file: passphrase (" "$T/a.log"
check "startup warns loudly about a key inside targets/ (found by content)" \
    grep -q "key-like file: targets/oops.bin (SERVED" "$T/a.log"
check "no timestamp warning for a repository that has one" bash -c '! grep -q "has no metadata/timestamp.json" "$1"' _ "$T/a.log"
check "ordinary files are not flagged" bash -c '! grep -Eq "key-like file: (metadata/|targets/fw|top.json)" "$1"' _ "$T/a.log"
start_server "$T/p.log" --root "$T" --access-log off || failed "server starts on the repository's parent"
check "root at the repository's parent: warns that metadata/timestamp.json is missing" \
    grep -q "^ota-server: warning: --root $T has no metadata/timestamp.json" "$T/p.log"
check "root at the repository's parent: repo/keys/root1.key -> 404" \
    [ "$(code "http://127.0.0.1:$PORT/repo/keys/root1.key")" = 404 ]
check "root at the repository's parent: repo/metadata/timestamp.json -> 404" \
    [ "$(code "http://127.0.0.1:$PORT/repo/metadata/timestamp.json")" = 404 ]
stop_server "$SERVER_PID"
U=http://127.0.0.1:$A

# ---- GET / HEAD / types / cache headers --------------------------------------
check "GET timestamp.json returns the file" \
    bash -c '[ "$(curl -s --max-time 10 "$1/metadata/timestamp.json")" = "$(cat "$2/metadata/timestamp.json")" ]' _ "$U" "$R"
check "Content-Type of .json is application/json" \
    [ "$(hdr Content-Type "$U/metadata/timestamp.json")" = "application/json" ]
check "Content-Type of a bundle is application/octet-stream" \
    [ "$(hdr Content-Type "$U/targets/fw.bundle")" = "application/octet-stream" ]
check "nosniff on files" [ "$(hdr X-Content-Type-Options "$U/metadata/root.json")" = "nosniff" ]
check "timestamp.json: Cache-Control no-cache" [ "$(hdr Cache-Control "$U/metadata/timestamp.json")" = "no-cache" ]
check "root.json (unversioned): no-cache" [ "$(hdr Cache-Control "$U/metadata/root.json")" = "no-cache" ]
check "unprefixed target: no-cache" [ "$(hdr Cache-Control "$U/targets/fw.bundle")" = "no-cache" ]
check "1.root.json (versioned): immutable" \
    [ "$(hdr Cache-Control "$U/metadata/1.root.json")" = "public, max-age=31536000, immutable" ]
check "7.snapshot.json (versioned): immutable" \
    [ "$(hdr Cache-Control "$U/metadata/7.snapshot.json")" = "public, max-age=31536000, immutable" ]
check "hash-prefixed target: immutable" \
    [ "$(hdr Cache-Control "$U/targets/$H.fw.bundle")" = "public, max-age=31536000, immutable" ]
check "HEAD: headers with Content-Length, no body" \
    bash -c 'out=$(curl -s --max-time 10 -I "$1/targets/fw.bundle" | tr -d "\r"); [[ "$out" == *"Content-Length: 200000"* ]] && [ "$(curl -s --max-time 10 --head "$1/targets/fw.bundle" -o /dev/null -w "%{size_download}")" = 0 ]' _ "$U"
check "Accept-Ranges: bytes" [ "$(hdr Accept-Ranges "$U/targets/fw.bundle")" = "bytes" ]
check "large file (sendfile) arrives intact" \
    [ "$(C "$U/targets/big.bundle" | sha256sum | cut -d' ' -f1)" = "$(sha256sum <"$R/targets/big.bundle" | cut -d' ' -f1)" ]
check "small cached file arrives intact" \
    [ "$(C "$U/targets/fw.bundle" | sha256sum | cut -d' ' -f1)" = "$H" ]
check "empty file: 200, zero bytes" bash -c '[ "$(curl -s --max-time 10 -o /dev/null -w "%{http_code} %{size_download}" "$1/metadata/empty.json")" = "200 0" ]' _ "$U"
check "Date and Last-Modified present" \
    bash -c '[ -n "$(curl -s --max-time 10 -I "$1/metadata/root.json" | grep -i "^Last-Modified: ")" ] && [ -n "$(curl -s --max-time 10 -I "$1/metadata/root.json" | grep -i "^Date: ")" ]' _ "$U"

# ---- conditional requests ----------------------------------------------------
for f in metadata/timestamp.json targets/big.bundle; do
    E=$(hdr ETag "$U/$f")
    LM=$(hdr Last-Modified "$U/$f")
    check "$f: ETag is a quoted strong tag" bash -c '[[ "$1" =~ ^\"[0-9a-f-]+\"$ ]]' _ "$E"
    check "$f: If-None-Match (same ETag) -> 304" [ "$(code -H "If-None-Match: $E" "$U/$f")" = 304 ]
    check "$f: If-None-Match in a list, weak form -> 304" [ "$(code -H "If-None-Match: \"zz\", W/$E" "$U/$f")" = 304 ]
    check "$f: If-None-Match other ETag -> 200" [ "$(code -H 'If-None-Match: "other"' "$U/$f")" = 200 ]
    check "$f: If-Modified-Since (Last-Modified) -> 304" [ "$(code -H "If-Modified-Since: $LM" "$U/$f")" = 304 ]
    check "$f: If-Modified-Since in the past -> 200" \
        [ "$(code -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT' "$U/$f")" = 200 ]
    check "$f: If-None-Match wins over If-Modified-Since" \
        [ "$(code -H 'If-None-Match: "other"' -H "If-Modified-Since: $LM" "$U/$f")" = 200 ]
    check "$f: 304 carries ETag and Cache-Control, no body" \
        bash -c 'h=$(curl -s --max-time 10 -D - -o /dev/null -H "If-None-Match: $2" "$1" | tr -d "\r"); [[ "$h" == *"ETag: $2"* && "$h" == *"Cache-Control: "* ]]' _ "$U/$f" "$E"
done

# ---- Range --------------------------------------------------------------------
for f in targets/fw.bundle targets/big.bundle; do # cached and sendfile paths
    size=$(stat -c %s "$R/$f")
    check "$f: bytes=0-0 -> 206, 1 byte, Content-Range" \
        bash -c '[ "$(curl -s --max-time 10 -r 0-0 -o /dev/null -w "%{http_code} %{size_download}" "$1")" = "206 1" ] && [ "$(curl -s --max-time 10 -r 0-0 -D - -o /dev/null "$1" | tr -d "\r" | grep -i "^Content-Range:")" = "Content-Range: bytes 0-0/$2" ]' _ "$U/$f" "$size"
    check "$f: middle range has the right bytes" \
        [ "$(C -r 1000-1999 "$U/$f" | sha256sum)" = "$(tail -c +1001 "$R/$f" | head -c 1000 | sha256sum)" ]
    check "$f: open range bytes=N- to the end" \
        [ "$(C -H "Range: bytes=$((size - 10))-" "$U/$f" | sha256sum)" = "$(tail -c 10 "$R/$f" | sha256sum)" ]
    check "$f: suffix range bytes=-10" \
        [ "$(C -H 'Range: bytes=-10' "$U/$f" | sha256sum)" = "$(tail -c 10 "$R/$f" | sha256sum)" ]
    check "$f: end past the size is clamped" \
        bash -c '[ "$(curl -s --max-time 10 -H "Range: bytes=$(($2 - 5))-$(($2 + 100))" -o /dev/null -w "%{http_code} %{size_download}" "$1")" = "206 5" ]' _ "$U/$f" "$size"
    check "$f: start at the size -> 416 with bytes */size" \
        bash -c 'h=$(curl -s --max-time 10 -D - -o /dev/null -H "Range: bytes=$2-" "$1" | tr -d "\r"); [[ "$h" == "HTTP/1.1 416"* && "$h" == *"Content-Range: bytes */$2"* ]]' _ "$U/$f" "$size"
    check "$f: bytes=-0 -> 416" [ "$(code -H 'Range: bytes=-0' "$U/$f")" = 416 ]
    check "$f: multiple ranges are ignored -> 200 whole" \
        bash -c '[ "$(curl -s --max-time 10 -H "Range: bytes=0-1,5-6" -o /dev/null -w "%{http_code} %{size_download}" "$1")" = "200 $2" ]' _ "$U/$f" "$size"
    check "$f: malformed range (5-1) ignored -> 200" [ "$(code -H 'Range: bytes=5-1' "$U/$f")" = 200 ]
    E=$(hdr ETag "$U/$f")
    check "$f: If-Range with the current ETag -> 206" [ "$(code -r 0-9 -H "If-Range: $E" "$U/$f")" = 206 ]
    check "$f: If-Range with an old ETag -> 200 whole" [ "$(code -r 0-9 -H 'If-Range: "old"' "$U/$f")" = 200 ]
    check "$f: HEAD with Range -> 206, no body" \
        bash -c '[ "$(curl -s --max-time 10 --head -r 0-9 -o /dev/null -w "%{http_code} %{size_download}" "$1")" = "206 0" ]' _ "$U/$f"
done
check "empty file: any range -> 416" [ "$(code -r 0-0 "$U/metadata/empty.json")" = 416 ]

# ---- the metadata cache follows a publish (write temp + rename) ---------------
C "$U/metadata/timestamp.json" >/dev/null
E1=$(hdr ETag "$U/metadata/timestamp.json")
printf '{"signed":{"_type":"timestamp","version":2}}' >"$R/metadata/.ts.tmp"
mv "$R/metadata/.ts.tmp" "$R/metadata/timestamp.json"
check "after rename the new timestamp.json is served" \
    [ "$(C "$U/metadata/timestamp.json")" = '{"signed":{"_type":"timestamp","version":2}}' ]
check "and its ETag changed" [ "$(hdr ETag "$U/metadata/timestamp.json")" != "$E1" ]
check "the old ETag no longer gets 304" [ "$(code -H "If-None-Match: $E1" "$U/metadata/timestamp.json")" = 200 ]
printf '{"signed":{"_type":"timestamp","version":3}}' >"$R/metadata/timestamp.json" # in place, same size
check "an in-place rewrite is seen too" \
    [ "$(C "$U/metadata/timestamp.json")" = '{"signed":{"_type":"timestamp","version":3}}' ]
rm "$R/metadata/7.snapshot.json"
check "a deleted file is 404 even after being cached" [ "$(code "$U/metadata/7.snapshot.json")" = 404 ]
check "cache hits are counted in /metrics" \
    bash -c 'curl -s --max-time 10 "$1/metrics" | grep -Eq "^ota_file_cache_lookups_total\{result=\"hit\"\} [1-9]"' _ "$U"

# ---- path safety ----------------------------------------------------------------
check ".. segment -> 400" [ "$(code --path-as-is "$U/../etc/passwd")" = 400 ]
check "targets/../root.json -> 400" [ "$(code --path-as-is "$U/targets/../root.json")" = 400 ]
check "%2e%2e -> 400" [ "$(code --path-as-is "$U/%2e%2e/%2e%2e/etc/passwd")" = 400 ]
check "%2E%2e mixed case -> 400" [ "$(code --path-as-is "$U/targets/%2E%2e/root.json")" = 400 ]
check "..%2f (encoded slash) -> 400" [ "$(code --path-as-is "$U/targets/..%2froot.json")" = 400 ]
check "%00 after a real name -> 400, not the file" [ "$(code "$U/metadata/timestamp.json%00.png")" = 400 ]
check "%00 alone -> 400" [ "$(code "$U/%00")" = 400 ]
check "backslash -> 400" [ "$(code --path-as-is "$U/targets%5c..%5croot.json")" = 400 ]
check "double-encoded %252e%252e is a literal name -> 404" [ "$(code --path-as-is "$U/%252e%252e/root.json")" = 404 ]
check "hidden file .env -> 404" [ "$(code "$U/metadata/.env")" = 404 ]
check "hidden directory .git -> 404" [ "$(code "$U/.git/config")" = 404 ]
check "encoded hidden %2egit -> 404" [ "$(code --path-as-is "$U/%2egit/config")" = 404 ]
check "symlink to a file outside the root -> 404" [ "$(code "$U/metadata/escape.txt")" = 404 ]
check "the outside file's bytes never appear" bash -c '! curl -s --max-time 10 "$1/metadata/escape.txt" | grep -q secret-outside' _ "$U"
check "through a symlinked directory out of the root -> 404" [ "$(code "$U/metadata/escape-dir/outside.txt")" = 404 ]
check "symlink inside the root is not followed either -> 404" [ "$(code "$U/metadata/alias.json")" = 404 ]
check "FIFO -> 404 (and the server does not block)" [ "$(code "$U/metadata/fifo.json")" = 404 ]
check "directory -> 404, never a listing" [ "$(code "$U/targets/")" = 404 ]
check "directory without slash -> 404" [ "$(code "$U/targets")" = 404 ]
check "root / -> 404" [ "$(code "$U/")" = 404 ]
check "missing file -> 404" [ "$(code "$U/metadata/nope.json")" = 404 ]
long=$(printf 'a%.0s' $(seq 1 300))
check "over-long name -> 414" [ "$(code "$U/$long")" = 414 ]
check "server still serves after all that" [ "$(code "$U/metadata/root.json")" = 200 ]

# ---- methods and bodies -----------------------------------------------------------
check "POST to a file -> 405 with Allow" \
    bash -c 'h=$(curl -s --max-time 10 -D - -o /dev/null -X POST -d x "$1/metadata/root.json" | tr -d "\r"); [[ "$h" == "HTTP/1.1 405"* && "$h" == *"Allow: GET, HEAD"* ]]' _ "$U"
check "PUT -> 405" [ "$(code -X PUT -d x "$U/metadata/root.json")" = 405 ]
check "DELETE on a file -> 405" [ "$(code -X DELETE "$U/metadata/root.json")" = 405 ]
check "OPTIONS -> 405" [ "$(code -X OPTIONS "$U/metadata/root.json")" = 405 ]
check "GET with a body -> 400" [ "$(code -X GET -H 'Content-Type: text/plain' --data-binary hello "$U/metadata/root.json")" = 400 ]
check "unknown /v1/ endpoint -> 404" [ "$(code "$U/v1/nothing")" = 404 ]
check "reports disabled without --db -> 404" \
    [ "$(code -H 'Content-Type: application/json' -d '{}' "$U/v1/reports")" = 404 ]

# ---- keep-alive, access log, metrics -------------------------------------------------
out=$(curl -sv --max-time 10 "$U/metadata/root.json" "$U/metadata/timestamp.json" "$U/targets/fw.bundle" -o /dev/null -o /dev/null -o /dev/null 2>&1)
check "keep-alive: three requests on one connection" \
    bash -c '[ "$(printf "%s\n" "$1" | grep -c "Re-using existing connection")" -eq 2 ]' _ "$out"
# the access log line is written after the response: poll for it (bounded)
check "access log: common log format line per request" \
    wait_for 10 grep -Eq '^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "GET /metadata/root\.json HTTP/1\.1" 200 [0-9]+$' "$T/a.log.access"
check "access log: refusals are logged with their status" \
    wait_for 10 grep -Eq '"GET /\.\./etc/passwd HTTP/1\.1" 400 ' "$T/a.log.access"
check "access log: raw bytes are escaped" wait_for 10 grep -q 'GET /%00 HTTP/1.1' "$T/a.log.access"
curl -s --max-time 10 --path-as-is "$U/a\"b" -o /dev/null
check "access log: a quote in the path cannot break the line" wait_for 10 grep -q '"GET /a\\x22b HTTP/1.1" 404' "$T/a.log.access"
M=$(C "$U/metrics")
check "/metrics: Prometheus text" bash -c '[[ "$1" == *"# TYPE ota_http_requests_total counter"* ]]' _ "$M"
check "/metrics: requests by status" bash -c 'printf "%s\n" "$1" | grep -Eq "^ota_http_requests_total\{code=\"404\"\} [1-9]"' _ "$M"
check "/metrics: bytes sent" bash -c 'printf "%s\n" "$1" | grep -Eq "^ota_http_response_bytes_total [1-9][0-9]{6,}"' _ "$M"
check "/metrics: active connections gauge" bash -c 'printf "%s\n" "$1" | grep -Eq "^ota_http_connections_active [1-9]"' _ "$M"
check "/metrics: reports received" bash -c 'printf "%s\n" "$1" | grep -q "^ota_reports_received_total{result=\"accepted\"} 0"' _ "$M"
check "/metrics content type" [ "$(hdr Content-Type "$U/metrics")" = "text/plain; version=0.0.4; charset=utf-8" ]

stop_server "$APID"
check "SIGTERM: exit 0" [ $? -eq 0 ]
check "SIGTERM: 'stopped' logged" grep -q "ota-server: stopped" "$T/a.log"

# ---- cache off: same answers from the fd path -------------------------------------------
start_server "$T/b.log" --root "$R" --cache-size 0 --access-log off || failed "server starts (cache off)"
U=http://127.0.0.1:$PORT
check "cache off: timestamp.json served" [ "$(code "$U/metadata/timestamp.json")" = 200 ]
E=$(hdr ETag "$U/metadata/timestamp.json")
check "cache off: 304 by ETag" [ "$(code -H "If-None-Match: $E" "$U/metadata/timestamp.json")" = 304 ]
check "cache off: range on a small file" [ "$(C -r 0-1 "$U/targets/sub/r.bin")" = "di" ]
check "access log off: nothing written to stdout" [ ! -s "$T/b.log.access" ]
stop_server "$SERVER_PID"

# ---- SIGHUP reopens the access log (rotation) --------------------------------------
start_server "$T/r.log" --root "$R" --access-log "$T/rot.log" || failed "server starts (log rotation)"
code "$U/metadata/root.json" >/dev/null
wait_for 10 test -s "$T/rot.log"
mv "$T/rot.log" "$T/rot.log.1"
kill -HUP "$SERVER_PID"
wait_for 10 grep -q "SIGHUP: access log" "$T/r.log"
code "$U/metadata/timestamp.json" >/dev/null
check "SIGHUP: a new access log file is created" wait_for 10 test -s "$T/rot.log"
check "SIGHUP: new lines go to the new file" wait_for 10 grep -q '"GET /metadata/timestamp.json HTTP/1.1" 200' "$T/rot.log"
check "SIGHUP: ... and not to the rotated one" \
    bash -c 'grep -q "GET /metadata/root.json" "$1" && ! grep -q "GET /metadata/timestamp.json" "$1"' _ "$T/rot.log.1"
check "SIGHUP: reopening logged" grep -q "^ota-server: SIGHUP: access log $T/rot.log reopened$" "$T/r.log"
check "SIGHUP: no TLS line without TLS" bash -c '! grep -q "SIGHUP: TLS" "$1"' _ "$T/r.log"
stop_server "$SERVER_PID"
check "SIGHUP: the server still stops on SIGTERM afterwards" grep -q "ota-server: stopped" "$T/r.log"

# ---- IPv6 -----------------------------------------------------------------------
if start_server "$T/c.log" --root "$R" --listen '[::1]:0' 2>/dev/null; then
    check "IPv6 [::1]: GET works" [ "$(code -g "http://[::1]:$PORT/metadata/root.json")" = 200 ]
    check "IPv6: access log shows ::1" wait_for 10 grep -q "^::1 - - " "$T/c.log.access"
    stop_server "$SERVER_PID"
else
    skip "IPv6" "no IPv6 loopback on this machine"
fi

# ---- TLS ----------------------------------------------------------------------------
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
        -keyout "$T/key2.pem" -out "$T/cert2.pem" 2>/dev/null
    cp "$T/cert.pem" "$T/live-cert.pem" && cp "$T/key.pem" "$T/live-key.pem"
    if start_server "$T/d.log" --root "$R" --tls-cert "$T/live-cert.pem" --tls-key "$T/live-key.pem"; then
        check "TLS: https GET verifies against the certificate" \
            [ "$(curl -s --max-time 10 --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/metadata/root.json")" = 200 ]
        check "TLS: large file intact" \
            [ "$(curl -s --max-time 20 --cacert "$T/cert.pem" "https://127.0.0.1:$PORT/targets/big.bundle" | sha256sum | cut -d' ' -f1)" = "$(sha256sum <"$R/targets/big.bundle" | cut -d' ' -f1)" ]
        check "TLS: range" \
            [ "$(curl -s --max-time 10 --cacert "$T/cert.pem" -r 0-1 "https://127.0.0.1:$PORT/targets/sub/r.bin")" = di ]
        check "TLS: plain HTTP to the TLS port gets no file" \
            bash -c '! curl -s --max-time 5 "http://127.0.0.1:$1/metadata/root.json" | grep -q root' _ "$PORT"
        # certificate renewal: new files, SIGHUP, new connections get the new pair
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=renewed \
            -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key3.pem" -out "$T/cert3.pem" 2>/dev/null
        tls_code() { curl -s --max-time 10 --cacert "$1" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/metadata/root.json"; }
        hup_wait() { # hup_wait N: SIGHUP, then wait for the Nth SIGHUP TLS line
            kill -HUP "$SERVER_PID"
            for _ in $(seq 1 50); do [ "$(grep -c "SIGHUP: TLS" "$T/d.log")" -ge "$1" ] && return 0; sleep 0.1; done
            return 1
        }
        cp "$T/cert3.pem" "$T/live-cert.pem" && cp "$T/key3.pem" "$T/live-key.pem"
        hup_wait 1
        check "SIGHUP: the renewed certificate is served to a new connection" [ "$(tls_code "$T/cert3.pem")" = 200 ]
        check "SIGHUP: ... and the old one no longer" [ "$(tls_code "$T/cert.pem")" != 200 ]
        check "SIGHUP: reload logged" grep -q "ota-server: SIGHUP: TLS certificate $T/live-cert.pem reloaded" "$T/d.log"
        echo "not a certificate" >"$T/live-cert.pem"
        hup_wait 2
        check "SIGHUP with a garbage certificate: the previous one is still served" [ "$(tls_code "$T/cert3.pem")" = 200 ]
        check "... and the log says why, on one line" \
            grep -q "^ota-server: SIGHUP: TLS certificate not reloaded, still serving the previous one: no PEM certificate in --tls-cert$" "$T/d.log"
        cp "$T/cert.pem" "$T/live-cert.pem" # key3 stays: the pair does not match
        hup_wait 3
        check "SIGHUP with a key not matching the certificate: previous pair kept" [ "$(tls_code "$T/cert3.pem")" = 200 ]
        check "... and the log says so" grep -q "not reloaded.*--tls-key does not match --tls-cert" "$T/d.log"
        check "SIGHUP: the server kept running through all three" kill -0 "$SERVER_PID"
        stop_server "$SERVER_PID"
    else
        failed "TLS server starts" "$(cat "$T/d.log")"
    fi
    expect_rc 16 "TLS: key not matching the certificate: exit 16" \
        "$SRV" --root "$R" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key2.pem"
    expect_rc 16 "TLS: certificate file is not PEM: exit 16" \
        "$SRV" --root "$R" --listen 127.0.0.1:0 --tls-cert "$R/metadata/root.json" --tls-key "$T/key.pem"
    expect_rc 16 "TLS: missing key file: exit 16" \
        "$SRV" --root "$R" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/none.pem"
else
    skip "TLS" "openssl command not installed"
fi

finish
