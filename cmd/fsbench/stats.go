package main

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// dist is a distribution of latencies.
type dist struct {
	n                        int
	p50, p90, p99, max, mean time.Duration
}

// summarize returns the distribution of ds; a percentile is the smallest sample that at
// least that share of the samples do not exceed.
func summarize(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	pct := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return dist{n: len(s), p50: pct(0.50), p90: pct(0.90), p99: pct(0.99), max: s[len(s)-1],
		mean: sum / time.Duration(len(s))}
}

// ms formats a duration in milliseconds, with a decimal below 10 ms.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// thousands formats n with thousands separators: 300,431.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
