package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/sync"
)

// devicesConfig is benchmark 3's load.
type devicesConfig struct {
	devices int
	// rounds is how many delta syncs each device makes in the paced phase, with a pause of
	// think (±50%, at random) between them; burst rounds follow back to back, no pause.
	rounds, burst int
	think         time.Duration
	limit         int
	// Every writeEvery, a supervisor pushes writeBatch new findings to one subdistrict, the
	// next each time, so every device has changes to pull.
	writeEvery time.Duration
	writeBatch int
	seed       uint64
}

// devicesResult is benchmark 3: many devices delta-syncing at once while changes arrive.
type devicesResult struct {
	devices, users int
	register       time.Duration
	phases         []phaseResult
	writes         dist // the latency of the supervisors' pushes, both phases
	written        int
	writeFailures  int
	mem            memory
}

// phaseResult is one phase of benchmark 3.
type phaseResult struct {
	name     string
	elapsed  time.Duration
	pulls    dist
	changes  int64
	failures int64
}

// benchDevices registers cfg.devices devices of the subdistricts' inspectors, each starting
// at the sync head (cursors seeded with head, as if they had synced before), then runs the
// paced phase and the burst phase while supervisors write.
func benchDevices(ctx context.Context, srv *server, plan *benchdata.Plan, head int64, cfg devicesConfig,
	nonce string, out io.Writer) (*devicesResult, error) {
	a := newAPI(srv.url)
	res := &devicesResult{devices: cfg.devices}
	start := time.Now()
	devs, err := registerDevices(ctx, a, cfg.devices, head, nonce, res)
	if err != nil {
		return nil, err
	}
	writers, err := registerWriters(ctx, a, plan, nonce)
	if err != nil {
		return nil, err
	}
	res.register = time.Since(start)
	fmt.Fprintf(out, "  signed in %d users and registered %d devices in %s\n", res.users, len(devs),
		res.register.Round(time.Millisecond))
	var writeLat []time.Duration
	srv.profile(true)
	defer srv.profile(false)
	for _, ph := range []struct {
		name   string
		rounds int
		think  time.Duration
	}{
		{fmt.Sprintf("paced: %d rounds, %s apart", cfg.rounds, cfg.think), cfg.rounds, cfg.think},
		{fmt.Sprintf("burst: %d rounds, back to back", cfg.burst), cfg.burst, 0},
	} {
		if ph.rounds == 0 {
			continue
		}
		stop := make(chan struct{})
		wdone := make(chan writeLog)
		go func() { wdone <- writeWhile(ctx, writers, cfg, stop, out) }()
		pr := runPhase(ctx, devs, ph.rounds, ph.think, cfg, ph.name)
		close(stop)
		wl := <-wdone
		writeLat = append(writeLat, wl.lat...)
		res.written += len(wl.lat) * cfg.writeBatch
		res.writeFailures += wl.failures
		res.phases = append(res.phases, pr)
		fmt.Fprintf(out, "  %s: %d pulls in %s (%.0f/s), %d changes, %d failed; p50 %s p99 %s\n", pr.name,
			pr.pulls.n, pr.elapsed.Round(time.Millisecond), float64(pr.pulls.n)/pr.elapsed.Seconds(), pr.changes,
			pr.failures, ms(pr.pulls.p50), ms(pr.pulls.p99))
		if pr.failures > 0 {
			return nil, fmt.Errorf("%s: %d pulls failed", pr.name, pr.failures)
		}
	}
	res.writes = summarize(writeLat)
	if res.mem, err = srv.memory(); err != nil {
		return nil, err
	}
	return res, nil
}

// deviceOwner returns the subdistrict and the inspector's email of device i: devices are dealt
// to the 29 subdistricts in turn, and within one to its inspectors in turn.
func deviceOwner(i int) (int, string) {
	sd := i%benchdata.Subdistricts + 1
	return sd, benchdata.InspectorEmail(sd, (i/benchdata.Subdistricts)%benchdata.InspectorsPerSubdistrict+1)
}

// registerDevices signs in the inspectors the devices belong to and registers the devices,
// with their cursors at head in their subdistrict's scope and the reference scope.
func registerDevices(ctx context.Context, a *api, n int, head int64, nonce string, res *devicesResult) ([]*device, error) {
	tokens := map[string]string{}
	devs := make([]*device, n)
	for i := range devs {
		sd, email := deviceOwner(i)
		tokens[email] = ""
		devs[i] = &device{api: a, id: fmt.Sprintf("fsbench-%s-device-%03d", nonce, i), cursors: map[sync.Scope]sync.ScopeRequest{
			sync.Ref: {Cursor: head}, sync.SubdistrictScope(refdata.SubdistrictID(sd)): {Cursor: head},
		}}
	}
	if err := signIn(ctx, a, tokens); err != nil {
		return nil, err
	}
	res.users = len(tokens)
	err := parallel(ctx, 8, n, func(i int) error {
		_, email := deviceOwner(i)
		devs[i].token = tokens[email]
		_, err := a.register(ctx, devs[i].token, devs[i].id)
		return err
	})
	return devs, err
}

// signIn fills tokens (keyed by email) a few at a time: each sign-in is a bcrypt check on the
// server.
func signIn(ctx context.Context, a *api, tokens map[string]string) error {
	emails := make([]string, 0, len(tokens))
	for e := range tokens {
		emails = append(emails, e)
	}
	got := make([]string, len(emails))
	err := parallel(ctx, 4, len(emails), func(i int) error {
		tok, err := a.login(ctx, "users", emails[i], benchdata.Password)
		got[i] = tok
		return err
	})
	for i, e := range emails {
		tokens[e] = got[i]
	}
	return err
}

// registerWriters signs in every subdistrict's supervisor and registers a device for each,
// which pushes new findings of the subdistrict.
func registerWriters(ctx context.Context, a *api, plan *benchdata.Plan, nonce string) ([]*writer, error) {
	ws := make([]*writer, benchdata.Subdistricts)
	err := parallel(ctx, 4, len(ws), func(i int) error {
		sd := i + 1
		tok, err := a.login(ctx, "users", benchdata.SupervisorEmail(sd), benchdata.Password)
		if err != nil {
			return err
		}
		d := &device{api: a, token: tok, id: fmt.Sprintf("fsbench-%s-writer-%02d", nonce, sd)}
		reg, err := a.register(ctx, tok, d.id)
		if err != nil {
			return err
		}
		d.mid = reg.LastMID
		ws[i] = &writer{plan: plan, sd: sd, dev: d, n: 1_000_000}
		return nil
	})
	return ws, err
}

// writeLog is what the writers did in a phase: the latency of each push that succeeded,
// and how many failed.
type writeLog struct {
	lat      []time.Duration
	failures int
}

// writeWhile pushes cfg.writeBatch findings every cfg.writeEvery, to each subdistrict in
// turn, until stop closes.
func writeWhile(ctx context.Context, ws []*writer, cfg devicesConfig, stop <-chan struct{}, out io.Writer) (wl writeLog) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(out, "  writer panicked: %v\n", r)
			wl.failures++
		}
	}()
	tick := time.NewTicker(cfg.writeEvery)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return wl
		case <-ctx.Done():
			return wl
		case <-tick.C:
		}
		start := time.Now()
		if err := ws[i%len(ws)].push(ctx, cfg.writeBatch, cfg.writeBatch); err != nil {
			fmt.Fprintf(out, "  writer: %v\n", err)
			wl.failures++
			continue
		}
		wl.lat = append(wl.lat, time.Since(start))
	}
}

// runPhase makes every device pull rounds times, think apart (±50%), each round pulling until
// no scope has more, and collects the latency of every pull request.
func runPhase(ctx context.Context, devs []*device, rounds int, think time.Duration, cfg devicesConfig, name string) phaseResult {
	lat := make([][]time.Duration, len(devs))
	var changes, failures atomic.Int64
	var wg stdsync.WaitGroup
	start := time.Now()
	for i, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					failures.Add(1)
				}
			}()
			rng := rand.New(rand.NewPCG(cfg.seed, uint64(i)))
			// Devices do not all wake at once: each starts somewhere in the first pause.
			if !pause(ctx, time.Duration(rng.Float64()*float64(think))) {
				return
			}
			for r := range rounds {
				if r > 0 && !pause(ctx, time.Duration((0.5+rng.Float64())*float64(think))) {
					return
				}
				for {
					t0 := time.Now()
					res, _, more, err := d.pull(ctx, cfg.limit)
					lat[i] = append(lat[i], time.Since(t0))
					if err != nil {
						failures.Add(1)
						break
					}
					for _, sr := range res.Scopes {
						changes.Add(int64(len(sr.Changes)))
					}
					if !more {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return phaseResult{name: name, elapsed: time.Since(start), pulls: summarize(all),
		changes: changes.Load(), failures: failures.Load()}
}

// pause sleeps for d, or returns false if ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// parallel runs f(0..n-1) on at most width goroutines and returns the first error.
func parallel(ctx context.Context, width, n int, f func(i int) error) error {
	var next atomic.Int64
	errs := make(chan error, width)
	for range width {
		go func() {
			defer func() {
				if r := recover(); r != nil {
					errs <- fmt.Errorf("panic: %v", r)
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					errs <- ctx.Err()
					return
				}
				if err := f(i); err != nil {
					next.Store(int64(n)) // stop the others
					errs <- err
					return
				}
			}
		}()
	}
	var first error
	for range width {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
