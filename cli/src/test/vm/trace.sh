# Sourced by the VM's guest scripts. trace NAME WORKLOAD ARGS...: starts ctxswitch (CTXSWITCH_JAR) with
# --format=json ARGS, runs WORKLOAD once it says it is tracing, waits for it to end (ARGS has a
# --duration). Leaves NAME.json (stdout), NAME.err (stderr), NAME.exit (exit status) in $out.
trace() {
	name=$1 workload=$2
	shift 2
	java -jar "$CTXSWITCH_JAR" --format=json "$@" >"$out/$name.json" 2>"$out/$name.err" &
	pid=$!
	i=0
	while ! grep -q '^ctxswitch: tracing' "$out/$name.err" && kill -0 $pid 2>/dev/null && [ $i -lt 1800 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sh -c "$workload" >"$out/$name.workload" 2>&1
	wait $pid
	echo $? >"$out/$name.exit"
}

# Wakes every 50 ms and does nothing else, so that the CPU idles in between (a sleep process each time).
sleeper='i=0; while [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done'
# One task that sleeps 50 ms at a time for 4 s (mixed-load prints "sleep-50ms PID" first).
sleeper_task='"$CTXSWITCH_LOAD" -t 4 sleep-50ms'
