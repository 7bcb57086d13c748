#!/bin/sh
# A check command that replays a tape: each run takes the next line of TAPE.
#   a number  exit with that status
#   sleep     sleep past any timeout (the check must be killed)
#   term      send SIGTERM to the healthcheck (its pid is in PIDFILE), then wait to be killed
# Usage: tape-check.sh DIR   (DIR holds tape, counter and pid)
dir=$1
n=$(cat "$dir/counter" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/counter"
step=$(sed -n "${n}p" "$dir/tape")
case "$step" in
  sleep) exec sleep 30 ;;
  term) kill -TERM "$(cat "$dir/pid")"; exec sleep 30 ;;
  '') echo "tape exhausted at step $n"; exit 99 ;;
  *) echo "step $n: exit $step"; exit "$step" ;;
esac
