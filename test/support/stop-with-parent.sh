#!/bin/sh
# Runs a server so that it cannot outlive the process that started it.
#
#   sh stop-with-parent.sh [--rm DIR] -- COMMAND [ARGS...]
#
# The parent keeps this script's stdin open (a pipe). When that pipe reaches EOF -- the parent exited,
# crashed or was SIGKILLed -- the server gets SIGTERM and, with --rm, DIR is removed once it has exited.
# SIGTERM/SIGINT/SIGHUP sent to this script are forwarded to the server (the parent's normal stop()).
# Exits with the server's exit status. (`setpriv --pdeathsig` was tried first: it did not work here.)
set -u
rm_dir=
if [ "${1-}" = --rm ]; then rm_dir=$2; shift 2; fi
if [ "${1-}" = -- ]; then shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--rm DIR] -- COMMAND [ARGS...]" >&2; exit 2; }

orphaned=0
exec 3<&0 </dev/null
"$@" 3<&- &
child=$!

trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
trap 'orphaned=1; kill -TERM "$child" 2>/dev/null' USR1

# Watcher: builtins only (no child process to leak); returns when the parent's end of stdin closes.
( trap - TERM INT HUP USR1; while read -r _ <&3; do :; done; kill -USR1 $$ 2>/dev/null ) &
watcher=$!
exec 3<&-

# `wait` returns early (status > 128) whenever a trapped signal arrives: loop until the server is gone.
while :; do
  wait "$child"; status=$?
  [ "$status" -eq 127 ] && break            # already reaped
  kill -0 "$child" 2>/dev/null || break     # reaped now: $status is the server's
done

[ "$orphaned" -eq 1 ] || kill "$watcher" 2>/dev/null
if [ "$orphaned" -eq 1 ] && [ -n "$rm_dir" ]; then rm -rf -- "$rm_dir"; fi
exit "$status"
