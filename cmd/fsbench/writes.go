package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// writesResult is benchmark 2: the same creates pushed through sync and sent through stock
// batch requests, by the same inspector.
type writesResult struct {
	creates, perRequest int
	push, batch         time.Duration // the median of the repetitions
}

func (r *writesResult) pushRate() float64  { return float64(r.creates) / r.push.Seconds() }
func (r *writesResult) batchRate() float64 { return float64(r.creates) / r.batch.Seconds() }

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
	var pushes, batches []time.Duration
	srv.profile(true)
	defer srv.profile(false)
	for i := range reps {
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
		fmt.Fprintf(out, "  rep %d: push %s (%.0f/s), batch %s (%.0f/s)\n", i+1,
			pushes[i].Round(time.Millisecond), float64(creates)/pushes[i].Seconds(),
			batches[i].Round(time.Millisecond), float64(creates)/batches[i].Seconds())
	}
	return &writesResult{creates: creates, perRequest: perRequest, push: median(pushes), batch: median(batches)}, nil
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
