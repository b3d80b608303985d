#!/bin/sh
# clickhouse/cluster.sh - a two-shard ClickHouse cluster on loopback, as
# ordinary processes of the calling user (root or not), for tests and demos.
#
#   cluster.sh start  DIR [N]  start both nodes (or node N: 1 or 2), wait
#                              until they answer, create the schema on both
#   cluster.sh stop   DIR [N]  stop both nodes (or node N), by their pids
#   cluster.sh status DIR      say, for each node, its ports and whether it
#                              answers (exit 0 only when both do)
#   cluster.sh url    DIR [N]  print node N's HTTP URL (default 1)
#
# DIR holds everything: DIR/cluster.env (the ports, chosen free at the
# first start and kept, so a restarted node comes back where the other
# expects it), and per node DIR/nodeN/{config.xml,users.xml,data/,log/,
# server.pid}. Nodes listen on 127.0.0.1 only; both name each other as the
# two shards of cluster tally_cluster (remote_servers). The schema is
# clickhouse/schema.sql beside this script.
#
# Needs clickhouse-server (Debian's 18.16 is enough), curl and python3
# (to find free ports). Environment: CLICKHOUSE_SERVER (the server
# command, default: clickhouse-server, else `clickhouse server`),
# CLUSTER_WAIT (seconds to wait for a node to answer, default 60).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
dir=${2:-}
only=${3:-}
wait_s=${CLUSTER_WAIT:-60}

die() { echo "cluster.sh: $*" >&2; exit 2; }

if [ -z "$cmd" ] || [ -z "$dir" ]; then
	die "usage: cluster.sh start|stop|status|url DIR [NODE]"
fi
case "$only" in ''|1|2) ;; *) die "NODE is 1 or 2, not '$only'" ;; esac

server_cmd() {
	if [ -n "${CLICKHOUSE_SERVER:-}" ]; then
		echo "$CLICKHOUSE_SERVER"
	elif command -v clickhouse-server >/dev/null 2>&1; then
		echo clickhouse-server
	elif [ -x /usr/sbin/clickhouse-server ]; then
		echo /usr/sbin/clickhouse-server
	elif command -v clickhouse >/dev/null 2>&1; then
		echo "clickhouse server"
	else
		return 1
	fi
}

nodes() { if [ -n "$only" ]; then echo "$only"; else echo 1 2; fi; }

# Six free loopback ports: HTTP, TCP and interserver for each node.
pick_ports() {
	python3 - <<'EOF'
import socket
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
names = ["HTTP1", "TCP1", "INTER1", "HTTP2", "TCP2", "INTER2"]
for n, s in zip(names, socks):
    print("%s=%d" % (n, s.getsockname()[1]))
for s in socks:
    s.close()
EOF
}

load_env() {
	[ -f "$dir/cluster.env" ] || die "$dir/cluster.env: no cluster there"
	# shellcheck disable=SC1091
	. "$dir/cluster.env"
}

port_of() { eval "echo \$$1$2"; }

answers() { # node
	curl -sf --max-time 2 "http://127.0.0.1:$(port_of HTTP "$1")/ping" \
	    >/dev/null 2>&1
}

pid_of() { # node: the pid when that process is alive
	f="$dir/node$1/server.pid"
	[ -f "$f" ] || return 1
	p=$(cat "$f")
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	echo "$p"
}

write_config() { # node
	n=$1 d="$dir/node$1"
	mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" "$d/log"
	cat >"$d/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>10000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
	cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$d/log/server.log</log>
        <errorlog>$d/log/server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$(port_of HTTP "$n")</http_port>
    <tcp_port>$(port_of TCP "$n")</tcp_port>
    <interserver_http_port>$(port_of INTER "$n")</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>536870912</mark_cache_size>
    <mlock_executable>false</mlock_executable>
    <remote_servers>
        <tally_cluster>
            <shard>
                <replica><host>127.0.0.1</host><port>$TCP1</port></replica>
            </shard>
            <shard>
                <replica><host>127.0.0.1</host><port>$TCP2</port></replica>
            </shard>
        </tally_cluster>
    </remote_servers>
</yandex>
EOF
}

# Run the statements of schema.sql, one POST each (the HTTP interface
# takes one statement a request).
create_schema() { # node
	url="http://127.0.0.1:$(port_of HTTP "$1")/"
	python3 - "$here/schema.sql" <<'EOF' | while IFS= read -r stmt; do
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"--[^\n]*", "", text)
for s in text.split(";"):
    s = " ".join(s.split())
    if s:
        print(s)
EOF
		out=$(curl -sS --max-time 30 --data-binary "$stmt" "$url" 2>&1) ||
			die "node $1: schema: $out"
		case "$out" in *Exception*) die "node $1: schema: $out" ;; esac
	done
}

start() {
	srv=$(server_cmd) || die "clickhouse-server is not installed"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -f "$dir/cluster.env" ] || pick_ports >"$dir/cluster.env"
	load_env
	for n in $(nodes); do
		if pid_of "$n" >/dev/null; then
			continue
		fi
		write_config "$n"
		d="$dir/node$n"
		# The server stays in the foreground of its own process; its
		# stdout and stderr go to its log directory.
		( cd "$d" && exec $srv --config-file="$d/config.xml" \
		    >>"$d/log/stdout.log" 2>&1 ) &
		echo $! >"$d/server.pid"
	done
	for n in $(nodes); do
		t=0
		until answers "$n"; do
			if ! pid_of "$n" >/dev/null; then
				tail -n 20 "$dir/node$n/log/stdout.log" \
				    "$dir/node$n/log/server.err.log" >&2 2>/dev/null || :
				die "node $n exited at start (logs in $dir/node$n/log)"
			fi
			t=$((t + 1))
			[ "$t" -le $((wait_s * 5)) ] ||
				die "node $n does not answer after ${wait_s}s"
			sleep 0.2
		done
	done
	for n in $(nodes); do
		create_schema "$n"
	done
	for n in $(nodes); do
		echo "node $n: http://127.0.0.1:$(port_of HTTP "$n")/" \
		    "(tcp $(port_of TCP "$n"), pid $(pid_of "$n"))"
	done
}

stop() {
	[ -f "$dir/cluster.env" ] || return 0
	load_env
	for n in $(nodes); do
		p=$(pid_of "$n") || continue
		kill "$p" 2>/dev/null || :
		t=0
		while kill -0 "$p" 2>/dev/null; do
			t=$((t + 1))
			if [ "$t" -gt 150 ]; then
				kill -9 "$p" 2>/dev/null || :
				break
			fi
			sleep 0.2
		done
		rm -f "$dir/node$n/server.pid"
	done
}

status() {
	load_env
	rc=0
	for n in 1 2; do
		if answers "$n"; then
			s=up
		else
			s=down
			rc=1
		fi
		echo "node $n: $s http://127.0.0.1:$(port_of HTTP "$n")/" \
		    "tcp $(port_of TCP "$n") pid $(pid_of "$n" || echo -)"
	done
	return $rc
}

case "$cmd" in
start) start ;;
stop) stop ;;
status) status ;;
url) load_env; echo "http://127.0.0.1:$(port_of HTTP "${only:-1}")/" ;;
*) die "unknown command '$cmd' (start, stop, status, url)" ;;
esac
