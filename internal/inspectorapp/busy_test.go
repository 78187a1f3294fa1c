package inspectorapp_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestApp_SaysWhenTheServerIsBusy: in an evening burst the server turns the phone's push away
// (503 sync_busy with the wait to observe, as push admission does past the knee). The status
// line says the server is busy and that the phone retries by itself, not that the sync
// failed; the edit stays queued, and once the server has room the SDK sends it again without
// a tap, and the busy note goes.
func TestApp_SaysWhenTheServerIsBusy(t *testing.T) {
	s := testkit.Serve(t, testkit.NewAppWith(t, func(a core.App) {
		o := app.DefaultOptions()
		o.Settings.PushMaxWait = time.Nanosecond // busy as soon as one push waits before it
		app.BindWith(a, o)
	}))
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, s.URL, "inspectora@fieldsync.test")
	finding := testkit.Side("finding", "a")
	goTo(t, ctx, "#/finding/"+finding)
	waitScreen(t, ctx, "finding")

	// Another phone's push waits behind a long transaction of another door.
	token := s.Token("users", testkit.InspectorA)
	const other = "busy-other-phone"
	if res := s.Do(http.MethodPost, "/api/sync/v1/clients", token, sync.ClientRequest{
		ClientID: other, AppVersion: "test", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	release := testkit.HoldWriter(t, s.App)
	queued := make(chan testkit.Response, 1)
	go func() {
		queued <- s.Do(http.MethodPost, "/api/sync/v1/push", token, sync.PushRequest{ClientID: other,
			Mutations: []sync.Mutation{{MID: 1, Op: sync.OpCreate, Coll: "places", ID: "busyotherplace1",
				Data: map[string]any{"kind": "venue", "name": "排队小店", "subdistrict": testkit.SubdistrictA, "address": "先来路 1 号"}}}})
	}()
	admin := s.Token("_superusers", testkit.Superuser)
	for deadline := time.Now().Add(20 * time.Second); s.Metric(t, admin, `fieldsync_sync_push_queue{what="pushes"}`) != 1; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other phone's push never queued")
		}
	}

	const text = "配电箱已加锁，电线仍外露"
	edit(t, ctx, text)
	step(t, ctx, chromedp.WaitVisible(`#sync #sync-busy`))
	if txt := value(t, ctx, chromedp.Text(`#sync #sync-busy`)); !strings.Contains(txt, "服务器繁忙") || !strings.Contains(txt, "自动重试") {
		t.Fatalf("the status line says %q", txt)
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#sync #sync-error").length`)); n != 0 {
		t.Fatalf("a busy server is shown as a failed sync: %s", value(t, ctx, chromedp.Text(`#sync`)))
	}
	waitQueued(t, ctx, 1, 0)
	tap(t, ctx, "#lang")
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#sync #sync-busy")?.textContent.includes("The server is busy")`))
	tap(t, ctx, "#lang")

	release()
	if res := <-queued; res.Status != http.StatusOK {
		t.Fatalf("the other phone's push: %d %s", res.Status, res.Body)
	}
	waitQueued(t, ctx, 0, 0)
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#sync #sync-busy") === null`))
	got := s.Do(http.MethodGet, "/api/collections/findings/records/"+finding, s.Token("users", testkit.SupervisorA), nil).JSON(t)
	if got["description"] != text {
		t.Fatalf("the server holds %q", got["description"])
	}
}
