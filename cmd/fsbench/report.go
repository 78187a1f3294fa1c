package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// report gathers a run's figures for the summary.
type report struct {
	cfg     config
	machine string
	dataset *dataset
	head    int64
	initial *initialResult
	writes  *writesResult
	devices *devicesResult
	curve   []curvePoint
	load    []string // the load average around each benchmark: the machine may be shared
	cpu     []string // who used the CPU during each benchmark
	peaks   []string // each benchmark server's peak resident memory
}

// The targets.
const (
	targetPullSpeedup = 6.0 // issue 19
	targetPushRatio   = 1.0
	targetP99         = 100 * time.Millisecond
	targetRSS         = 300 << 20
)

// haidianFieldUsers is about how many field users Haidian District has (issue 18).
const haidianFieldUsers = 3000

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// print writes the summary table.
func (r *report) print(out io.Writer) {
	fmt.Fprintf(out, "\n== Summary ==\n")
	ds := r.dataset
	how := fmt.Sprintf("generated at %.0f records/s (%s, %d per transaction)", ds.Stats.Rate(),
		ds.Stats.Elapsed.Round(time.Second), r.cfg.txSize)
	if ds.Reused {
		how = fmt.Sprintf("reused; generated %s at %.0f records/s", ds.Generated.Format("2006-01-02"), ds.Stats.Rate())
	}
	fmt.Fprintf(out, "machine: %s\ndataset: %s records over 29 subdistricts, %s\n", r.machine,
		thousands(ds.Stats.Records), how)
	if r.curve != nil {
		r.printCurve(out)
	}
	if r.initial == nil && r.writes == nil && r.devices == nil {
		return
	}
	fmt.Fprintf(out, "load average (1, 5, 15 min) before → after: %s\n\n", strings.Join(r.load, "; "))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tfieldsync\tstock PocketBase\tratio\ttarget\tverdict")
	if i := r.initial; i != nil {
		best := i.stock[i.best]
		speedup := best.time.Seconds() / i.pull.time.Seconds()
		wall := func(t transfer) time.Duration { return t.time }
		cpu := func(t transfer) time.Duration { return t.cpu }
		pl, ph := timeRange(i.pulls, wall)
		sl, sh := timeRange(i.stocks[i.best], wall)
		fmt.Fprintf(tw, "1 initial sync, %s inspector: time\t%s (%d pulls; %s-%s)\t%s (%s, %d pages; %s-%s)\t%.1fx faster\t>= %.0fx\t%s\n",
			i.subdistrict, seconds(i.pull.time), i.pull.requests, seconds(pl), seconds(ph), seconds(best.time), i.best,
			best.requests, seconds(sl), seconds(sh), speedup, targetPullSpeedup, verdict(speedup >= targetPullSpeedup))
		pc, sc := medianOf(i.pulls, cpu), medianOf(i.stocks[i.best], cpu)
		pl, ph = timeRange(i.pulls, cpu)
		sl, sh = timeRange(i.stocks[i.best], cpu)
		fmt.Fprintf(tw, "  server CPU per download\t%s (%s-%s)\t%s (%s-%s)\t%.1fx less\t\t\n",
			seconds(pc), seconds(pl), seconds(ph), seconds(sc), seconds(sl), seconds(sh), sc.Seconds()/max(pc.Seconds(), 0.01))
		other := stockOffset
		if i.best == stockOffset {
			other = stockKeyset
		}
		fmt.Fprintf(tw, "  (other stock paging)\t\t%s (%s, %d pages)\t%.1fx\t\t\n", seconds(i.stock[other].time), other,
			i.stock[other].requests, i.stock[other].time.Seconds()/i.pull.time.Seconds())
		fmt.Fprintf(tw, "  bytes\t%s (%s records)\t%s (%s records)\t%.2fx fewer\t\t\n",
			megabytes(int64(i.pull.bytes)), thousands(i.pull.records), megabytes(int64(best.bytes)),
			thousands(best.records), float64(best.bytes)/float64(i.pull.bytes))
		for _, coding := range codings {
			c := i.coded[coding]
			fmt.Fprintf(tw, "  bytes, pull asking for %s\t%s (%s, server CPU %s)\t%s (not compressed)\t%.1fx fewer\t\t\n",
				coding, megabytes(int64(c.bytes)), seconds(c.time), seconds(c.cpu), megabytes(int64(best.bytes)),
				float64(best.bytes)/float64(c.bytes))
		}
		for _, coll := range slices.Sorted(maps.Keys(i.unlisted)) {
			u := i.unlisted[coll]
			fmt.Fprintf(tw, "  %s: stock cannot list them\t%s pulled\tfailed after %s (left out above)\t\t\t\n",
				coll, thousands(u.records), u.took.Round(100*time.Millisecond))
		}
	}
	if w := r.writes; w != nil {
		ratio := w.pushRate() / w.batchRate()
		pm, pl, ph := rates(w.creates, w.pushes)
		bm, bl, bh := rates(w.creates, w.batches)
		rm, rl, rh := rates(w.creates, w.raws)
		fmt.Fprintf(tw, "2 %s creates, %d per request\t%.0f/s (push; %.0f-%.0f)\t%.0f/s (batch; %.0f-%.0f)\t%.2fx\t>= %.0fx\t%s\n",
			thousands(w.creates), w.perRequest, pm, pl, ph, bm, bl, bh, ratio, targetPushRatio,
			verdict(ratio >= targetPushRatio))
		fmt.Fprintf(tw, "  raw SQLite inserts, %d per transaction\t%.0f/s (%.0f-%.0f)\tpush at %.1f%% of it\t\t\t\n",
			w.perRequest, rm, rl, rh, 100*pm/rm)
	}
	if d := r.devices; d != nil {
		for i, ph := range d.phases {
			target, v := "", "(information)"
			if i == 0 {
				target, v = "p99 < 100 ms", verdict(ph.pulls.p99 < targetP99)
			}
			fmt.Fprintf(tw, "3 %d devices, %s\tp50 %s, p90 %s, p99 %s, max %s (%.0f pulls/s)\t\t\t%s\t%s\n",
				d.devices, ph.name, ms(ph.pulls.p50), ms(ph.pulls.p90), ms(ph.pulls.p99), ms(ph.pulls.max),
				float64(ph.pulls.n)/ph.elapsed.Seconds(), target, v)
		}
		fmt.Fprintf(tw, "  supervisors' pushes meanwhile\t%d findings, p50 %s, p99 %s, %d failed\t\t\t\t\n",
			d.written, ms(d.writes.p50), ms(d.writes.p99), d.writeFailures)
		fmt.Fprintf(tw, "  server peak anonymous RSS\t%s (VmHWM %s with the mapped database's pages; %s at the end)\t\t\t< 300 MB\t%s\n",
			megabytes(d.mem.anonPeak), megabytes(d.mem.peak), megabytes(d.mem.rss), verdict(d.mem.anonPeak < targetRSS))
	}
	tw.Flush()
	fmt.Fprintf(out, "\nserver peak RSS per benchmark: %s\n", strings.Join(r.peaks, "; "))
	for _, c := range r.cpu {
		fmt.Fprintln(out, c)
	}
}

// describeMachine names the CPU, its cores and the memory, from /proc.
func describeMachine() string {
	model, mem := "unknown CPU", "unknown memory"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(raw), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d × %s, %s RAM, %s %s/%s", runtime.NumCPU(), model, mem, runtime.Version(),
		runtime.GOOS, runtime.GOARCH)
}

// loadAverage returns the first three fields of /proc/loadavg.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// firstField is the 1-minute figure of a loadAverage.
func firstField(load string) string {
	f, _, _ := strings.Cut(load, " ")
	return f
}

// waitQuiet waits until the 1-minute load average is below max, or for at most limit: on a
// shared machine, other people's builds and tests take the cores the benchmark measures.
func waitQuiet(ctx context.Context, max float64, limit time.Duration, out io.Writer) {
	deadline := time.Now().Add(limit)
	for first := true; ; first = false {
		f := strings.Fields(loadAverage())
		load, err := strconv.ParseFloat(f[0], 64)
		if err != nil || load < max {
			return
		}
		if first {
			fmt.Fprintf(out, "  waiting for the load average (%.2f) to fall below %.2f\n", load, max)
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(out, "  the load average is still %.2f after %s; going on\n", load, limit)
			return
		}
		if !pause(ctx, 5*time.Second) {
			return
		}
	}
}

// printCurve writes benchmark 4's table and names the knee: the largest fleet whose pulls
// kept p99 under the target with nothing failed.
func (r *report) printCurve(out io.Writer) {
	fmt.Fprintf(out, "\n4 capacity curve (the evening burst, 30 minutes in %s)\n", r.cfg.curve.window)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "devices\tpull p50/p99\tpush p50/p99\tphoto p50/p99\tmutations/s\tphotos/s\tpulls/s\tserver CPU\tpeak RSS (anonymous)\t"+
		"busy uploads/pushes\tfailed (timed out)\tunsent\tload 1 min before → after")
	knee := 0
	for _, p := range r.curve {
		secs := p.elapsed.Seconds()
		fmt.Fprintf(tw, "%s\t%s / %s\t%s / %s\t%s / %s\t%.0f\t%.1f\t%.0f\t%.2f cores\t%s (%s)\t%d / %d\t%d (%d)\t%d\t%s → %s\n",
			thousands(p.devices), ms(p.pulls.p50), ms(p.pulls.p99), ms(p.pushes.p50), ms(p.pushes.p99),
			ms(p.photos.p50), ms(p.photos.p99), float64(p.mutations)/secs, float64(p.photos.n)/secs,
			float64(p.pulls.n)/secs, p.cores, megabytes(p.mem.peak), megabytes(p.mem.anonPeak), p.busy, p.pushBusy, len(p.failures), p.timeouts,
			p.unsent, firstField(p.loadBefore), firstField(p.loadAfter))
		if p.pulls.p99 < targetP99 && len(p.failures) == 0 && p.unsent == 0 {
			knee = max(knee, p.devices)
		}
	}
	tw.Flush()
	if knee == 0 {
		fmt.Fprintf(out, "knee: no point kept pull p99 under %s\n", ms(targetP99))
	} else {
		// The burst ran compress times faster than life: knee devices asked what compress×knee
		// devices ask in a real evening.
		compress := float64(30*time.Minute) / float64(r.cfg.curve.window)
		real := float64(knee) * compress
		fmt.Fprintf(out, "knee: %s devices kept pull p99 under %s with nothing failed; %.0f times faster than life, they "+
			"asked what %s devices ask in a real evening: at one device per field user, %.2f districts of Haidian's "+
			"size (%s field users) on this machine\n", thousands(knee), ms(targetP99), compress, thousands(int(real)),
			real/haidianFieldUsers, thousands(haidianFieldUsers))
	}
	for _, p := range r.curve {
		fmt.Fprintf(out, "%s devices: %s\n", thousands(p.devices), p.cpu)
	}
}
