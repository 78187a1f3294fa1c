// Command fsbench measures fieldsync's sync protocol against stock PocketBase on a generated
// dataset of the four programmes across Haidian's 29 subdistricts, and prints the figures:
//
//  1. the initial sync of one subdistrict inspector through pull, against paging the same
//     records through PocketBase's list endpoints under the same rules: time and bytes;
//  2. creates pushed 100 per request, against the same creates through /api/batch;
//  3. many devices delta-syncing at once while supervisors write: pull latency and the
//     server's peak resident memory;
//  4. (only when asked, --only 4) the capacity curve: the evening burst, every device pushing
//     a day's queue (150 edits, 20 photos) within 30 minutes compressed 30 times, while all
//     delta-sync, at 100, 500, 1,000, 2,000 and 5,000 devices: per point p50/p99 of pulls,
//     pushes and photo uploads, throughput, server CPU and peak RSS;
//  5. (only when asked, --only 5) the JavaScript SDK's first sync of benchmark 1's inspector
//     into IndexedDB in headless chromium, against PocketBase's own JS SDK (getFullList of the
//     same collections into IndexedDB), and its delta syncs of 10 changes; it needs node,
//     `npm ci` in mobile-api/js and chromium.
//
// The server is the real fieldsync binary, built from ./cmd/fieldsync and started as a
// process of its own for each benchmark on the generated data dir, so its HTTP and memory
// are what production sees. Run it from the module:
//
//	go run ./cmd/fsbench                       # 300,000 records, 500 devices
//	go run ./cmd/fsbench --quick               # 30,000 records, 50 devices, a minute or two
//	go run ./cmd/fsbench --dir /tmp/fsb --keep # keep the dataset and reuse it next time
//	go run ./cmd/fsbench --only 4 --max-load 0.5  # the capacity curve, on a quiet machine
//	go run ./cmd/fsbench --only 5 --dir /tmp/fsb --keep  # the JavaScript SDK in chromium
//
// It is a command and not a Go benchmark: the figures are ratios of two ways of doing the same
// work on one dataset in one run, which testing.B does not express.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haidian/fieldsync/internal/benchdata"
)

func main() {
	if os.Getenv(serveEnv) == "1" {
		if err := serveDiagnostic(); err != nil {
			fmt.Fprintln(os.Stderr, "fsbench serve:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fsbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if _, err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fsbench:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	dir         string
	keep        bool
	records     int
	txSize      int
	subdistrict int
	writeSD     int
	limit       int
	reps        int
	creates     int
	perRequest  int
	devices     devicesConfig
	curve       curveConfig
	only        string
	serverBin   string
	chromium    string
	cpuprofile  string
	dbConns     int
	maxLoad     float64
	timeout     time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("fsbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a small run: 30,000 records, 50 devices of 10 rounds, 1 repetition")
	fs.StringVar(&c.dir, "dir", "", "the benchmark dir, which holds the data dir pb_data (default a temp dir)")
	fs.BoolVar(&c.keep, "keep", false, "keep the dir and reuse the dataset it holds on later runs")
	fs.IntVar(&c.records, "records", 300_000, "approximate number of records to generate")
	fs.IntVar(&c.txSize, "tx", 500, "records per transaction while generating")
	fs.IntVar(&c.subdistrict, "subdistrict", 1, "the subdistrict (1-29) of benchmark 1")
	fs.IntVar(&c.writeSD, "write-subdistrict", 29, "the subdistrict (1-29) benchmark 2 writes to, apart from benchmark 1's so a kept dataset does not grow there")
	fs.IntVar(&c.limit, "limit-rows", 5000, "limit_rows of the initial pulls")
	fs.IntVar(&c.reps, "reps", 3, "timed repetitions of benchmarks 1 and 2 (the median is reported)")
	fs.IntVar(&c.creates, "creates", 1000, "creates per way in benchmark 2")
	fs.IntVar(&c.perRequest, "per-request", 100, "creates per request in benchmark 2")
	fs.IntVar(&c.devices.devices, "devices", 500, "simulated devices in benchmark 3")
	fs.IntVar(&c.devices.rounds, "rounds", 20, "paced delta syncs per device in benchmark 3")
	fs.DurationVar(&c.devices.think, "think", time.Second, "mean pause between a device's paced syncs")
	fs.IntVar(&c.devices.burst, "burst", 5, "back-to-back delta syncs per device after the paced ones")
	fs.DurationVar(&c.devices.writeEvery, "write-every", 250*time.Millisecond, "how often a supervisor pushes during benchmark 3")
	fs.IntVar(&c.devices.writeBatch, "write-batch", 5, "findings per supervisor push during benchmark 3")
	fs.StringVar(&c.only, "only", "123", "which benchmarks to run; 4, the capacity curve, and 5, the JavaScript SDK in chromium, run only when named")
	fs.StringVar(&c.chromium, "chromium", "/usr/bin/chromium", "benchmark 5: the chromium binary")
	fs.StringVar(&c.serverBin, "server-bin", "", "a prebuilt fieldsync binary (default: build ./cmd/fieldsync)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "serve with fsbench's own server, wired as fieldsync, and write a CPU profile of each benchmark's timed part to <prefix>-benchN.pprof")
	fs.IntVar(&c.dbConns, "db-conns", 0, "serve with this many SQLite read connections (FIELDSYNC_DB_READERS; default: the server's own, 16)")
	fs.Float64Var(&c.maxLoad, "max-load", 0, "before each benchmark, wait up to 15 minutes for the 1-minute load average to fall below this (0: do not wait)")
	fs.Uint64Var(&c.devices.seed, "seed", uint64(time.Now().UnixNano()), "the seed of the devices' random pauses")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Hour, "give up after this long")
	points := fs.String("curve-points", "100,500,1000,2000,5000", "benchmark 4: the fleet sizes of the capacity curve")
	fs.IntVar(&c.curve.edits, "curve-edits", 150, "benchmark 4: the mutations each device pushes in the burst, its photo records included")
	fs.IntVar(&c.curve.photos, "curve-photos", 20, "benchmark 4: the photos each device uploads in the burst")
	fs.IntVar(&c.curve.pushSize, "curve-push-size", 50, "benchmark 4: mutations per push")
	compress := fs.Float64("curve-compress", 30, "benchmark 4: how much faster than life the 30-minute burst runs")
	pullEvery := fs.Duration("curve-pull-every", 5*time.Minute, "benchmark 4: how often, in life, a device delta-syncs")
	fs.DurationVar(&c.curve.limit, "curve-limit", 0, "benchmark 4: stop each point's burst after this long (0: when every device is done) and report the mutations left unsent")
	photoSize := fs.String("curve-photo", "1280x960", "benchmark 4: the width and height of the photos")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var err error
	if c.curve.points, err = parseCurve(*points); err != nil {
		return c, err
	}
	if _, err := fmt.Sscanf(*photoSize, "%dx%d", &c.curve.photoW, &c.curve.photoH); err != nil || c.curve.photoW < 16 || c.curve.photoH < 16 {
		return c, fmt.Errorf("--curve-photo must be WIDTHxHEIGHT, at least 16x16, got %q", *photoSize)
	}
	if *compress < 1 || c.curve.photos < 0 || c.curve.edits < c.curve.photos || c.curve.pushSize < 1 || c.curve.pushSize > 500 {
		return c, fmt.Errorf("--curve-compress must be at least 1, --curve-edits at least --curve-photos, --curve-push-size 1 to 500")
	}
	c.curve.window = time.Duration(float64(30*time.Minute) / *compress)
	c.curve.pullEvery = time.Duration(float64(*pullEvery) / *compress)
	if *quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]string{"records": "30000", "devices": "50", "rounds": "10", "reps": "1"} {
			if !set[name] {
				_ = fs.Set(name, v)
			}
		}
	}
	c.devices.limit = 1000
	switch {
	case c.subdistrict < 1 || c.subdistrict > benchdata.Subdistricts || c.writeSD < 1 || c.writeSD > benchdata.Subdistricts:
		return c, fmt.Errorf("--subdistrict and --write-subdistrict must be 1 to %d", benchdata.Subdistricts)
	case c.reps < 1, c.creates < 1, c.perRequest < 1 || c.perRequest > 100, c.devices.devices < 1:
		return c, fmt.Errorf("--reps, --creates and --devices must be positive, --per-request 1 to 100")
	}
	return c, nil
}

// run generates or reuses the dataset, runs the benchmarks each on a server of its own, and
// prints the figures and the summary.
func run(ctx context.Context, cfg config, out io.Writer) (*report, error) {
	rep := &report{cfg: cfg, machine: describeMachine()}
	fmt.Fprintf(out, "fsbench on %s\n", rep.machine)
	dir := cfg.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "fsbench-")
		if err != nil {
			return nil, err
		}
		dir = tmp
		if !cfg.keep {
			defer os.RemoveAll(tmp)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ds, err := prepareDataset(dir, cfg.records, cfg.txSize, cfg.keep, out)
	if err != nil {
		return nil, err
	}
	rep.dataset = ds
	if err := exemptLoopback(ds.dataDir); err != nil {
		return nil, err
	}
	bin := cfg.serverBin
	if bin == "" {
		fmt.Fprintln(out, "building ./cmd/fieldsync")
		if bin, err = buildServer(ctx, dir); err != nil {
			return nil, err
		}
	}
	plan := benchdata.NewPlan(cfg.records)
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, b := range []struct {
		n   string
		run func(*server) error
	}{
		{"1", func(srv *server) (err error) {
			fmt.Fprintf(out, "\n1. initial sync of an inspector of subdistrict %d: pull against stock list pages\n", cfg.subdistrict)
			rep.initial, err = benchInitial(ctx, srv, cfg.subdistrict, cfg.limit, cfg.reps, nonce, out)
			return err
		}},
		{"2", func(srv *server) (err error) {
			fmt.Fprintf(out, "\n2. %d creates, %d per request, by an inspector of subdistrict %d: sync push against stock /api/batch\n",
				cfg.creates, cfg.perRequest, cfg.writeSD)
			rep.writes, err = benchWrites(ctx, srv, plan, cfg.writeSD, cfg.creates, cfg.perRequest, cfg.reps, nonce, out)
			return err
		}},
		{"3", func(srv *server) (err error) {
			fmt.Fprintf(out, "\n3. %d devices delta-syncing while supervisors write (--seed %d)\n", cfg.devices.devices,
				cfg.devices.seed)
			rep.devices, err = benchDevices(ctx, srv, plan, rep.head, cfg.devices, nonce, out)
			return err
		}},
		{"5", func(srv *server) error {
			fmt.Fprintf(out, "\n5. the JavaScript SDK's first sync of an inspector of subdistrict %d into IndexedDB in chromium, against PocketBase's JS SDK (%d rounds)\n",
				cfg.subdistrict, cfg.reps)
			return benchSDK(ctx, srv, cfg.subdistrict, cfg.reps, cfg.chromium, out)
		}},
	} {
		if !strings.Contains(cfg.only, b.n) {
			continue
		}
		if b.n == "3" {
			// The devices start at the head of history, read while no server runs.
			if rep.head, err = headSeq(ds.dataDir); err != nil {
				return nil, err
			}
		}
		if err := runOnServer(ctx, cfg, bin, ds, b.n, rep, b.run, out); err != nil {
			return nil, fmt.Errorf("benchmark %s: %w", b.n, err)
		}
	}
	if strings.Contains(cfg.only, "4") {
		if rep.head, err = headSeq(ds.dataDir); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "\n4. capacity curve: the evening burst, 30 minutes in %s, at %v devices (--seed %d)\n",
			cfg.curve.window, cfg.curve.points, cfg.devices.seed)
		if rep.curve, err = benchCurve(ctx, cfg, bin, ds, plan, rep.head, nonce, out); err != nil {
			if len(rep.curve) > 0 {
				// The points done before a later one failed or was stopped are results.
				rep.print(out)
			}
			return nil, fmt.Errorf("benchmark 4: %w", err)
		}
	}
	rep.print(out)
	if cfg.keep {
		fmt.Fprintf(out, "\nthe dataset stays in %s (--keep)\n", dir)
	}
	return rep, nil
}

// serverFor returns how to serve benchmark n: with the fieldsync binary, or with fsbench's
// diagnostic server when a profile is asked for.
func serverFor(cfg config, bin string, ds *dataset, n string) (serverSpec, error) {
	spec := serverSpec{bin: bin, dir: ds.dir, dataDir: ds.dataDir}
	if cfg.dbConns > 0 {
		spec.env = append(spec.env, fmt.Sprintf("FIELDSYNC_DB_READERS=%d", cfg.dbConns))
	}
	if cfg.cpuprofile == "" {
		return spec, nil
	}
	self, err := os.Executable()
	if err != nil {
		return spec, err
	}
	spec.bin, spec.env = self, append(spec.env, serveEnv+"=1")
	if cfg.cpuprofile != "" {
		if spec.profile, err = filepath.Abs(fmt.Sprintf("%s-bench%s.pprof", cfg.cpuprofile, n)); err != nil {
			return spec, err
		}
		spec.env = append(spec.env, profileEnv+"="+spec.profile)
		spec.profiling = true
	}
	return spec, nil
}

// runOnServer starts a server of its own for benchmark n, runs it, and records the server's
// peak memory and the load of the machine around it.
func runOnServer(ctx context.Context, cfg config, bin string, ds *dataset, n string, rep *report,
	f func(*server) error, out io.Writer) error {
	if cfg.maxLoad > 0 {
		waitQuiet(ctx, cfg.maxLoad, 15*time.Minute, out)
	}
	spec, err := serverFor(cfg, bin, ds, n)
	if err != nil {
		return err
	}
	if spec.profiling {
		defer fmt.Fprintf(out, "  server CPU profile: %s\n", spec.profile)
	}
	srv, err := startServer(ctx, spec, "bench"+n)
	if err != nil {
		return err
	}
	load, cpu0 := loadAverage(), sampleCPU(srv.cmd.Process.Pid)
	err = f(srv)
	use := cpuUse(cpu0, sampleCPU(srv.cmd.Process.Pid))
	mem, merr := srv.memory()
	serr := srv.stop()
	rep.load = append(rep.load, fmt.Sprintf("bench %s: %s → %s", n, load, loadAverage()))
	rep.cpu = append(rep.cpu, "bench "+n+": "+use)
	if err != nil {
		return err
	}
	if merr != nil {
		return merr
	}
	fmt.Fprintf(out, "  server memory: peak %s, at the end %s (%s of it file pages: the mapped database's, the binary's); anonymous peak %s\n  %s\n",
		megabytes(mem.peak), megabytes(mem.rss), megabytes(mem.file), megabytes(mem.anonPeak), use)
	rep.peaks = append(rep.peaks, fmt.Sprintf("bench %s: %s (anonymous %s)", n, megabytes(mem.peak), megabytes(mem.anonPeak)))
	if serr != nil {
		return fmt.Errorf("stop server: %w", serr)
	}
	return nil
}
