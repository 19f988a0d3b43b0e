# fuzzrate.awk passes the output of `go test -fuzz` through and ends it with
# the run's executions per second, the figure that shows whether a fuzz
# target fuzzes (issue 13: thousands per second, not dozens). Go prints a
# progress line every 3 seconds, "fuzz: elapsed: 1m3s, execs: 123456 (…)";
# the last one holds the totals. With -v rates=FILE the summary line is
# also appended to FILE.
#
#   go test ./core/hdf5 -run '^$' -fuzz FuzzOpen -fuzztime 10s 2>&1 | awk -v target="core/hdf5 FuzzOpen" -f tools/fuzzrate.awk

# seconds turns a Go duration rounded to seconds ("1h2m3s", "45s") into a number.
function seconds(d,    total, n, unit) {
	total = 0
	while (match(d, /^[0-9]+[hms]/)) {
		n = substr(d, 1, RLENGTH - 1)
		unit = substr(d, RLENGTH, 1)
		total += n * (unit == "h" ? 3600 : unit == "m" ? 60 : 1)
		d = substr(d, RLENGTH + 1)
	}
	return total
}

{ print; fflush() }

/^fuzz: elapsed: / {
	elapsed = $3
	sub(/,$/, "", elapsed)
	execs = $5
}

END {
	if (execs == "") {
		exit
	}
	s = seconds(elapsed)
	line = sprintf("fuzz rate %s: %.0f executions in %ds = %.0f/s", target, execs, s, s > 0 ? execs / s : execs)
	print line
	if (rates != "") {
		print line >> rates
	}
}
