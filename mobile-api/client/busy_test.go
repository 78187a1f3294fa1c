package client_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

// A push the server answers 503 sync_busy (its writer's queue is full; here, any push queued
// behind another) stays queued; the client waits the server's retry_after, sends the same mid
// again, and the edit is applied once.
func TestPush_BusyServerIsAskedAgain(t *testing.T) {
	busy := testkit.NewAppWith(t, func(a core.App) {
		o := app.DefaultOptions()
		o.Settings.PushMaxWait = time.Nanosecond
		app.BindWith(a, o)
	})
	e := &env{t: t, srv: testkit.Serve(t, busy), dir: t.TempDir()}
	admin := e.srv.Token("_superusers", testkit.Superuser)
	ctx := t.Context()
	first, second := e.open(testkit.InspectorA, "first"), e.open(testkit.InspectorA, "second")
	sync(t, first)
	sync(t, second)
	must[string](t)(first.Create(ctx, "findings", newFinding("先到的推送")))
	id := must[string](t)(second.Create(ctx, "findings", newFinding("繁忙时的推送")))

	release := testkit.HoldWriter(t, busy)
	pushed := make(chan error, 2)
	go func() { _, err := first.Push(ctx); pushed <- err }() // admitted: waits for the writer
	waitFor(t, func() bool { return e.srv.Metric(t, admin, `fieldsync_sync_push_queue{what="pushes"}`) == 1 })
	var rep client.PushReport
	go func() { var err error; rep, err = second.Push(ctx); pushed <- err }()
	waitFor(t, func() bool {
		return e.srv.Metric(t, admin, `fieldsync_sync_requests_total{op="push",outcome="busy"}`) >= 1
	})
	if n := e.count("SELECT COUNT(*) FROM findings WHERE id = {:p0}", id); n != 0 {
		t.Errorf("a refused push stored its finding")
	}
	release()
	for range 2 {
		if err := <-pushed; err != nil {
			t.Fatal(err)
		}
	}
	if len(rep.Results) != 1 || rep.Results[0].MID != 1 || rep.Results[0].Outcome != client.Applied {
		t.Errorf("the push sent again: %+v", rep.Results)
	}
	if n := e.count("SELECT COUNT(*) FROM findings WHERE id = {:p0}", id); n != 1 {
		t.Errorf("%d findings %s", n, id)
	}
	if r := must[client.Record](t)(second.Get(ctx, "findings", id)); r.Dirty {
		t.Errorf("the edit is still queued: %+v", r)
	}
}

// waitFor polls cond until it holds, failing the test after 20 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the condition never held")
		}
	}
}
