package main

import (
	"context"
	"encoding/json"
	"fmt"
	fsconfig "github.com/haidian/fieldsync/internal/config"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sqlite"
)

// writesResult is benchmark 2: the same creates pushed through sync and sent through stock
// batch requests, by the same inspector.
type writesResult struct {
	creates, perRequest int
	push, batch         time.Duration // the median of the repetitions
	// The repetitions: push, batch, and raw SQLite inserts of as many rows (see rawInserts).
	pushes, batches, raws []time.Duration
}

func (r *writesResult) pushRate() float64  { return float64(r.creates) / r.push.Seconds() }
func (r *writesResult) batchRate() float64 { return float64(r.creates) / r.batch.Seconds() }

// rates returns the median, lowest and highest rate of count items done in the times ds.
func rates(count int, ds []time.Duration) (med, lo, hi float64) {
	s := slices.Clone(ds)
	slices.Sort(s)
	rate := func(d time.Duration) float64 { return float64(count) / d.Seconds() }
	return rate(s[len(s)/2]), rate(s[len(s)-1]), rate(s[0])
}

// batchSettings turns PocketBase's batch API on (it is off by default) with room for the
// benchmark's requests; the timeout is raised from 3 s so that a slow machine measures a
// slow batch instead of failing it.
var batchSettings = map[string]any{"batch": map[string]any{"enabled": true, "maxRequests": 100, "timeout": 30}}

// benchWrites creates findings in subdistrict sd as its inspector 1: creates of them per
// way, perRequest per request, reps times each way, after one untimed request each way.
func benchWrites(ctx context.Context, srv *server, plan *benchdata.Plan, sd, creates, perRequest, reps int,
	nonce string, out io.Writer) (*writesResult, error) {
	a := newAPI(srv.url)
	admin, err := a.login(ctx, "_superusers", benchdata.SuperuserEmail, benchdata.Password)
	if err != nil {
		return nil, err
	}
	if _, err := a.call(ctx, http.MethodPatch, "/api/settings", admin, "", batchSettings, nil); err != nil {
		return nil, fmt.Errorf("enable batch: %w", err)
	}
	token, err := a.login(ctx, "users", benchdata.InspectorEmail(sd, 1), benchdata.Password)
	if err != nil {
		return nil, err
	}
	d := &device{api: a, token: token, id: "fsbench-" + nonce + "-writes"}
	reg, err := a.register(ctx, token, d.id)
	if err != nil {
		return nil, err
	}
	d.mid = reg.LastMID
	w := &writer{plan: plan, sd: sd, dev: d}
	if err := w.push(ctx, perRequest, perRequest); err != nil {
		return nil, fmt.Errorf("warm-up push: %w", err)
	}
	if err := w.batch(ctx, perRequest, perRequest); err != nil {
		return nil, fmt.Errorf("warm-up batch: %w", err)
	}
	var pushes, batches, raws []time.Duration
	rawDir, err := os.MkdirTemp("", "fsbench-raw-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(rawDir)
	srv.profile(true)
	defer srv.profile(false)
	for i := range reps {
		raw, err := rawInserts(filepath.Join(rawDir, fmt.Sprintf("raw%d.db", i)), plan, sd, creates, perRequest)
		if err != nil {
			return nil, fmt.Errorf("raw inserts: %w", err)
		}
		raws = append(raws, raw)
		// Alternate which way goes first, so neither always writes into the other's WAL.
		for j := range 2 {
			start := time.Now()
			if (i+j)%2 == 0 {
				if err := w.push(ctx, creates, perRequest); err != nil {
					return nil, err
				}
				pushes = append(pushes, time.Since(start))
			} else {
				if err := w.batch(ctx, creates, perRequest); err != nil {
					return nil, err
				}
				batches = append(batches, time.Since(start))
			}
		}
		fmt.Fprintf(out, "  rep %d: push %s (%.0f/s), batch %s (%.0f/s), raw SQLite %.0f/s; load average %s\n", i+1,
			pushes[i].Round(time.Millisecond), float64(creates)/pushes[i].Seconds(),
			batches[i].Round(time.Millisecond), float64(creates)/batches[i].Seconds(),
			float64(creates)/raw.Seconds(), loadAverage())
	}
	return &writesResult{creates: creates, perRequest: perRequest, push: median(pushes), batch: median(batches),
		pushes: pushes, batches: batches, raws: raws}, nil
}

// rawInserts measures SQLite's own limit on this machine, in the same run: count rows of the
// findings' data inserted into a table of their own in a fresh database file at path, perTx
// rows per transaction, through the server's driver and settings (WAL, the synchronous setting
// of FIELDSYNC_SYNCHRONOUS, the statement cache and the background checkpoint). No hooks,
// rules, change log or HTTP: what remains of push's cost above it is fieldsync's and
// PocketBase's.
func rawInserts(path string, plan *benchdata.Plan, sd, count, perTx int) (time.Duration, error) {
	cfg, err := fsconfig.FromEnv()
	if err != nil {
		return 0, err
	}
	db, err := sqlite.DBConnect(cfg.Synchronous)(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.NewQuery("CREATE TABLE raw_findings (id TEXT PRIMARY KEY NOT NULL, data JSON NOT NULL)").Execute(); err != nil {
		return 0, err
	}
	rows := make([]string, count)
	for i := range rows {
		raw, err := json.Marshal(plan.NewFinding(sd, i))
		if err != nil {
			return 0, err
		}
		rows[i] = string(raw)
	}
	start := time.Now()
	for done := 0; done < count; done += perTx {
		err := db.Transactional(func(tx *dbx.Tx) error {
			for _, row := range rows[done:min(done+perTx, count)] {
				if _, err := tx.NewQuery("INSERT INTO raw_findings (id, data) VALUES ({:id}, {:data})").
					Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "data": row}).Execute(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// writer makes new findings of one subdistrict, each with fresh data.
type writer struct {
	plan *benchdata.Plan
	sd   int
	dev  *device
	n    int
}

func (w *writer) next(count int) ([]string, []map[string]any) {
	ids := make([]string, count)
	data := make([]map[string]any, count)
	for i := range ids {
		ids[i] = core.GenerateDefaultRandomId()
		data[i] = w.plan.NewFinding(w.sd, w.n)
		w.n++
	}
	return ids, data
}

// push creates count findings through /api/sync/v1/push, perRequest at a time.
func (w *writer) push(ctx context.Context, count, perRequest int) error {
	for done := 0; done < count; done += perRequest {
		ids, data := w.next(min(perRequest, count-done))
		if err := w.dev.push(ctx, schema.Findings, ids, data); err != nil {
			return err
		}
	}
	return nil
}

// batchRequest is one request of PocketBase's /api/batch.
type batchRequest struct {
	Method string         `json:"method"`
	URL    string         `json:"url"`
	Body   map[string]any `json:"body"`
}

// batch creates count findings through stock /api/batch, perRequest creates per batch,
// with the same ids a phone would choose and the same data.
func (w *writer) batch(ctx context.Context, count, perRequest int) error {
	for done := 0; done < count; done += perRequest {
		ids, data := w.next(min(perRequest, count-done))
		reqs := make([]batchRequest, len(ids))
		for i := range ids {
			data[i]["id"] = ids[i]
			reqs[i] = batchRequest{Method: http.MethodPost, URL: "/api/collections/" + schema.Findings + "/records", Body: data[i]}
		}
		var res []struct {
			Status int `json:"status"`
		}
		_, err := w.dev.api.call(ctx, http.MethodPost, "/api/batch", w.dev.token, "",
			map[string]any{"requests": reqs}, &res)
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		if len(res) != len(ids) {
			return fmt.Errorf("batch: %d results for %d requests", len(res), len(ids))
		}
		for i, r := range res {
			if r.Status != http.StatusOK {
				return fmt.Errorf("batch request %d: status %d", i, r.Status)
			}
		}
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
