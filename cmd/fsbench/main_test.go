package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/benchdata"
)

// TestRun_TinyDataset runs the quick path end to end, so the command cannot rot: it generates
// the records, builds and starts the real server, and runs the three benchmarks, whose own
// checks (both downloads get the same records, every push is applied, every batch request
// succeeds, no pull fails) must pass. The dataset, 30,000 records, is large enough to hold
// every kind of record the full one has (dust re-inspections included), so a rule change that
// breaks the generator fails here and not in a benchmark run weeks later.
func TestRun_TinyDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a dataset and builds and runs the fieldsync binary")
	}
	only, sdk := "1234", sdkBenchReady(t)
	if sdk {
		only += "5"
	}
	cfg, err := parseFlags([]string{"--quick", "--dir", t.TempDir(), "--records", "30000", "--devices", "5",
		"--rounds", "2", "--burst", "1", "--think", "50ms", "--write-every", "20ms", "--creates", "200",
		"--per-request", "50", "--only", only, "--curve-points", "2,3", "--curve-edits", "7",
		"--curve-photos", "2", "--curve-push-size", "4", "--curve-compress", "600", "--curve-photo", "320x240"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep, err := run(ctx, cfg, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if rep.dataset.Stats.Records < 30000 {
		t.Errorf("dataset has %d records, want at least 30000", rep.dataset.Stats.Records)
	}
	// Every kind of record of the full dataset (benchdata's plan has each in every
	// subdistrict at any size) was saved through the hooks.
	for _, coll := range benchdata.NewPlan(300_000).Collections() {
		if rep.dataset.Stats.ByColl[coll] < 29 {
			t.Errorf("dataset has %d records of %s, want one per subdistrict at least", rep.dataset.Stats.ByColl[coll], coll)
		}
	}
	i := rep.initial
	// A collection the list endpoint could not page in time (on a loaded machine) is left out
	// of the stock figures, as the benchmark says it does.
	if i == nil || i.pull.records < 100 || i.stock[i.best].records != i.pull.records-i.unlistedRecords() {
		t.Errorf("initial sync: %+v", i)
	}
	for _, coding := range codings {
		if i == nil {
			break
		}
		if c := i.coded[coding]; c.records != i.pull.records || c.bytes <= 0 || c.bytes*2 > i.pull.bytes {
			t.Errorf("initial sync asking for %s: %d records in %d bytes, against %d in %d", coding, c.records, c.bytes,
				i.pull.records, i.pull.bytes)
		}
	}
	if w := rep.writes; w == nil || w.creates != 200 || w.push <= 0 || w.batch <= 0 || len(w.raws) != 1 || w.raws[0] <= 0 {
		t.Errorf("writes: %+v", w)
	}
	d := rep.devices
	if d == nil || len(d.phases) != 2 || d.phases[0].pulls.n < 5*2 || d.mem.peak <= 0 || d.mem.anonPeak <= 0 {
		t.Fatalf("devices: %+v", d)
	}
	if len(rep.curve) != 2 {
		t.Fatalf("capacity curve: %d points, want 2", len(rep.curve))
	}
	for _, p := range rep.curve {
		if len(p.failures) > 0 || p.mutations != p.devices*7 || p.photos.n != p.devices*2 || p.pulls.n < p.devices ||
			p.pushes.n != p.devices*2 || p.mem.peak <= 0 || p.mem.anonPeak <= 0 || p.unsent != 0 || p.pushBusy != 0 || p.clientPeak <= 0 {
			t.Errorf("capacity curve at %d devices: %+v", p.devices, p)
		}
	}
	want := []string{"== Summary ==", "1 initial sync", "2 200 creates", "raw SQLite inserts", "3 5 devices", "VmHWM",
		"4 capacity curve", "knee:"}
	if sdk {
		// Benchmark 5's driver checks that every contender got the same records and that
		// the delta syncs left nothing unsent, the phone's edits in a push and a pull, and exits
		// non-zero otherwise (run fails).
		want = append(want, "every contender got the same", "first sync, median (range) of 1", "delta sync of 10 edits made on this phone",
			"exact counts: SDK first sync ")
	}
	for _, want := range want {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// sdkBenchReady says whether benchmark 5 can run here: node, the SDK's npm packages and
// chromium. Outside CI the tiny run leaves it out when they are missing; under CI=true (make
// test installs them) it fails.
func sdkBenchReady(t *testing.T) bool {
	_, errNode := exec.LookPath("node")
	_, errPkgs := os.Stat("../../mobile-api/js/node_modules/pocketbase")
	_, errChromium := os.Stat("/usr/bin/chromium")
	if err := errors.Join(errNode, errPkgs, errChromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("benchmark 5 needs node, npm ci in mobile-api/js and chromium: %v", err)
		}
		t.Logf("benchmark 5 left out: %v", err)
		return false
	}
	return true
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	want := dist{n: 100, p50: 50 * time.Millisecond, p90: 90 * time.Millisecond, p99: 99 * time.Millisecond,
		max: 100 * time.Millisecond, mean: 50500 * time.Microsecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != dist{}) {
		t.Error("summarize(nil) is not empty")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 300431: "300,431", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
