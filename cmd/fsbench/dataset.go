package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"

	fsapp "github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/sqlite"
)

// markerFile, beside the data dir, describes the dataset a previous run generated there.
const markerFile = "fsbench.json"

// dataset is a generated data dir and how it was made.
type dataset struct {
	Records    int             `json:"records"` // the --records it was generated for
	Stats      benchdata.Stats `json:"stats"`
	CPU        time.Duration   `json:"cpu"` // the CPU time generating took: the machine may be shared
	Generated  time.Time       `json:"generated"`
	Reused     bool            `json:"-"`
	dir        string          // the benchmark's own dir: the server runs here
	dataDir    string          // dir/pb_data
	markerPath string
}

// prepareDataset generates the dataset into dir, or, with keep, reuses the one a previous
// run left there. A dir holding a dataset is never regenerated or removed without keep:
// it may be somebody's.
func prepareDataset(dir string, records, txSize int, keep bool, out io.Writer) (*dataset, error) {
	ds := &dataset{dir: dir, dataDir: filepath.Join(dir, "pb_data"), markerPath: filepath.Join(dir, markerFile)}
	raw, err := os.ReadFile(ds.markerPath)
	switch {
	case err == nil:
		if !keep {
			return nil, fmt.Errorf("%s holds a dataset; pass --keep to reuse it, or remove it", dir)
		}
		if err := json.Unmarshal(raw, ds); err != nil {
			return nil, fmt.Errorf("read %s: %w", markerFile, err)
		}
		if ds.Records != records {
			return nil, fmt.Errorf("%s holds a dataset of %d records, not %d", dir, ds.Records, records)
		}
		ds.Reused = true
		fmt.Fprintf(out, "reusing the dataset of %d records generated %s in %s\n",
			ds.Stats.Records, ds.Generated.Format(time.RFC3339), dir)
		return ds, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read %s: %w", markerFile, err)
	}
	if entries, _ := os.ReadDir(ds.dataDir); len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty and holds no dataset of fsbench", ds.dataDir)
	}
	if err := generate(ds, records, txSize, out); err != nil {
		return nil, err
	}
	return ds, nil
}

// generate writes the dataset through an in-process app bound exactly as the server binds
// itself, so the audit trail and the sync change log are the production ones.
func generate(ds *dataset, records, txSize int, out io.Writer) error {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: ds.dataDir, DBConnect: sqlite.DBConnect(sqlite.SyncNormal)})
	if err := app.Bootstrap(); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer app.ClearBootstrap()
	fsapp.Bind(app)
	if err := app.RunAllMigrations(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(out, "generating about %d records into %s, %d per transaction\n", records, ds.dataDir, txSize)
	next, start, cpu0 := 0.1, time.Now(), processCPU()
	stats, err := benchdata.Generate(app, benchdata.Options{Records: records, TxSize: txSize,
		Progress: func(done, total int) {
			if float64(done) >= next*float64(total) {
				fmt.Fprintf(out, "  %3.0f%%  %7d records  %6s\n", 100*float64(done)/float64(total), done,
					time.Since(start).Round(time.Second))
				next += 0.1
			}
		}})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	ds.Records, ds.Stats, ds.CPU, ds.Generated = records, stats, processCPU()-cpu0, time.Now().UTC()
	if err := optimize(app, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "generated %d records in %d transactions in %s (%s of CPU): %.0f records/s\n",
		stats.Records, stats.Transactions, stats.Elapsed.Round(time.Second), ds.CPU.Round(time.Second), stats.Rate())
	for _, c := range slices.Sorted(maps.Keys(stats.ByColl)) {
		n, d := stats.ByColl[c], stats.TimeByColl[c]
		fmt.Fprintf(out, "  %-22s %7d records in %7s: %5.0f/s\n", c, n, d.Round(time.Second), float64(n)/d.Seconds())
	}
	raw, err := json.MarshalIndent(ds, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", markerFile, err)
	}
	return os.WriteFile(ds.markerPath, raw, 0o644)
}

// optimize runs PRAGMA optimize on the connection that wrote the dataset, as PocketBase's
// nightly job does on a running server. Without it the query planner has no statistics of the
// tables the dataset filled, and picks indexes a server past its first night would not: the
// benchmarks would measure a server's first day with 300,000 records.
func optimize(app core.App, out io.Writer) error {
	start := time.Now()
	if _, err := app.NonconcurrentDB().NewQuery("PRAGMA optimize").Execute(); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	var tables int
	if err := app.DB().NewQuery("SELECT count(DISTINCT tbl) FROM sqlite_stat1").Row(&tables); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	fmt.Fprintf(out, "ran PRAGMA optimize, as PocketBase does nightly, in %s: %d tables have statistics\n",
		time.Since(start).Round(time.Second), tables)
	return nil
}

// exemptLoopback exempts the benchmark's clients, all on loopback, from the server's rate
// limits, which count per address: benchmark 3 alone signs in hundreds of inspectors within
// seconds, which the limits refuse from one address (a real office's staff sign in over many
// minutes, and phones come from many addresses). It writes the settings while no server runs;
// the migration that turns the limits on leaves the exemption in place.
func exemptLoopback(dataDir string) error {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer app.ClearBootstrap()
	s := app.Settings()
	s.RateLimits.ExcludedIPs = []string{"127.0.0.1", "::1"}
	if err := app.Save(s); err != nil {
		return fmt.Errorf("exempt loopback from the rate limits: %w", err)
	}
	return nil
}

// headSeq returns the sync head of the data dir: the seq a device at the head of every scope
// has as its cursor. It opens the database while no server runs.
func headSeq(dataDir string) (int64, error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		return 0, fmt.Errorf("bootstrap: %w", err)
	}
	defer app.ClearBootstrap()
	var seq int64
	if err := app.DB().NewQuery("SELECT seq FROM fs_sync_head").Row(&seq); err != nil {
		return 0, fmt.Errorf("sync head: %w", err)
	}
	return seq, nil
}
