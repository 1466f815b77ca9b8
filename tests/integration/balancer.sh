# SPDX-License-Identifier: Apache-2.0
# balancer.sh — a load balancer in front of several ota-servers, for the
# cluster test and bench/reports.sh (sourced after lib.sh): Debian's
# haproxy, or nginx when that is what is installed; round robin, HTTP/1.1
# keep-alive to the servers.
#
#   balancer_available      haproxy or nginx is there (else: skip, never pass)
#   start_balancer DIR PORT... start it on a free port of 127.0.0.1 in front
#                           of 127.0.0.1:PORT...; sets LB_URL, LB_NAME;
#                           fails with its log on stderr
#   stop_balancer           stop it (from the EXIT trap too)
LB_PID=
LB_URL=
LB_NAME=

_lb_cmd() {
    local c
    for c in haproxy nginx; do
        command -v "$c" >/dev/null && { echo "$c"; return 0; }
        [ -x "/usr/sbin/$c" ] && { echo "/usr/sbin/$c"; return 0; }
    done
    return 1
}

balancer_available() { _lb_cmd >/dev/null; }

# (a port free_port found can be taken before the balancer binds it: a
# busy test's client connections use the same range; then another port)
start_balancer() {
    local try
    for try in 1 2 3 4 5; do
        _start_balancer "$@" && return 0
        grep -qE "Address already in use|\(98:" "$1/balancer.log" 2>/dev/null || break
        echo "# balancer: its port was taken meanwhile; another one (try $try)" >&2
    done
    cat "$1/balancer.log" >&2
    return 1
}

_start_balancer() {
    local dir=$1 cmd port p i=0
    shift
    cmd=$(_lb_cmd) || return 1
    port=$(free_port) || return 1
    mkdir -p "$dir"
    case $cmd in
    *haproxy)
        LB_NAME=haproxy
        {
            printf 'global\n    maxconn 4096\n'
            printf 'defaults\n    mode http\n    option http-keep-alive\n'
            printf '    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n'
            printf 'frontend fleet\n    bind 127.0.0.1:%s\n    default_backend servers\n' "$port"
            printf 'backend servers\n    balance roundrobin\n'
            for p in "$@"; do i=$((i + 1)); printf '    server s%s 127.0.0.1:%s\n' "$i" "$p"; done
        } >"$dir/haproxy.cfg"
        "$cmd" -db -f "$dir/haproxy.cfg" >"$dir/balancer.log" 2>&1 &
        ;;
    *nginx)
        LB_NAME=nginx
        {
            printf 'daemon off;\nworker_processes 2;\npid %s/nginx.pid;\nerror_log %s/error.log;\n' "$dir" "$dir"
            printf 'events { worker_connections 4096; }\nhttp {\n    access_log off;\n'
            for t in client_body proxy fastcgi uwsgi scgi; do printf '    %s_temp_path %s/%s;\n' "$t" "$dir" "$t"; done
            printf '    upstream servers {\n'
            for p in "$@"; do printf '        server 127.0.0.1:%s;\n' "$p"; done
            printf '        keepalive 64;\n    }\n'
            printf '    server {\n        listen 127.0.0.1:%s;\n        location / {\n' "$port"
            printf '            proxy_pass http://servers;\n            proxy_http_version 1.1;\n'
            printf '            proxy_set_header Connection "";\n        }\n    }\n}\n'
        } >"$dir/nginx.conf"
        "$cmd" -c "$dir/nginx.conf" -p "$dir" >"$dir/balancer.log" 2>&1 &
        ;;
    esac
    LB_PID=$!
    LB_URL=http://127.0.0.1:$port
    # up when it answers (any HTTP status); gone at once when it cannot bind
    if ! wait_for 10 bash -c 'kill -0 "$2" 2>/dev/null || exit 0
        [ "$(curl -s -o /dev/null -w "%{http_code}" "$1/metrics")" != 000 ]' _ "$LB_URL" "$LB_PID" ||
        ! kill -0 "$LB_PID" 2>/dev/null; then
        stop_balancer
        return 1
    fi
}

stop_balancer() {
    [ -n "$LB_PID" ] || return 0
    kill -TERM "$LB_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$LB_PID" 2>/dev/null
    wait "$LB_PID" 2>/dev/null
    LB_PID=
    return 0
}
