#!/bin/sh
# The demo's service manager: restart|stop|status <root>. A pid file stands in for systemd.
set -eu
action=$1
root=$2
pidfile="$root/shared/run/demo.pid"
mkdir -p "$root/shared/run" "$root/shared/logs"

# A stopped server whose parent never reaps it stays a zombie; that counts as gone.
alive() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

stop() {
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	i=0
	while alive "$pid" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

start() {
	cd "$root/current"
	# Detached, with every stream redirected: the deploy's connection must not wait for it.
	if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=; fi
	$detach nohup node server.mjs >>"$root/shared/logs/service.log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	echo "demo service started (pid $!) from $(pwd -P)"
}

case $action in
	restart) stop; start ;;
	stop) stop; echo "demo service stopped" ;;
	status) if [ -f "$pidfile" ] && alive "$(cat "$pidfile")"; then echo running; else echo stopped; exit 3; fi ;;
	*) echo "usage: service.sh restart|stop|status <root>" >&2; exit 2 ;;
esac
