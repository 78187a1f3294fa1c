package ops_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestMetrics_WriterWait: a write that waits for a held writer is counted once, with its
// wait, under pool="writer".
func TestMetrics_WriterWait(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	const waits, waited = `fieldsync_sqlite_pool_waits_total{pool="writer"}`, `fieldsync_sqlite_pool_wait_seconds_total{pool="writer"}`
	before, _ := scrape(t, srv)
	release := holdWriter(t, srv.App)
	wrote := make(chan error, 1)
	go func() {
		_, err := srv.App.NonconcurrentDB().NewQuery("UPDATE fs_sync_horizon SET seq = seq WHERE id = 1").Execute()
		wrote <- err
	}()
	// The write is counted as waiting once it queues for the writer: watch for it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		during, _ := scrape(t, srv)
		if delta(before, during, waits) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the write never waited: %v waits", delta(before, during, waits))
		}
		time.Sleep(10 * time.Millisecond)
	}
	release()
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	after, _ := scrape(t, srv)
	if got := delta(before, after, waits); got != 1 {
		t.Errorf("writer waits moved by %v, want 1", got)
	}
	if got := delta(before, after, waited); got <= 0 {
		t.Errorf("writer wait time moved by %v, want more than 0", got)
	}
}

// TestMetrics_SilentPhonesAndOverduePhotos: an installation counts as silent once its last
// push (or its registration) is older than the label's age, and no longer once it pushes or
// is revoked; a pending photo counts as overdue a day after its record.
func TestMetrics_SilentPhonesAndOverduePhotos(t *testing.T) {
	t.Cleanup(func() { offset.Store(0) })
	srv := testkit.Serve(t, testkit.NewApp(t))
	token := srv.Token(schema.Users, testkit.InspectorA)
	register := func(id string) {
		if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token, sync.ClientRequest{ClientID: id,
			AppVersion: "test", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
			t.Fatalf("register %s: %d %s", id, res.Status, res.Body)
		}
	}
	push := func(id string) {
		if res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, sync.PushRequest{ClientID: id,
			Mutations: []sync.Mutation{}}); res.Status != http.StatusOK {
			t.Fatalf("push %s: %d %s", id, res.Status, res.Body)
		}
	}
	silent := func(over string) float64 {
		got, _ := scrape(t, srv)
		return got[`fieldsync_sync_clients_silent{over="`+over+`"}`]
	}
	register("phone-silent-001")
	register("phone-silent-002")
	push("phone-silent-001")
	start, _ := scrape(t, srv)
	pending := start["fieldsync_photos_pending"]
	if silent("1d") != 0 || pending == 0 || start["fieldsync_photos_pending_over_1d"] != 0 {
		t.Fatalf("at the start: %v silent, %v pending, %v overdue", silent("1d"), pending, start["fieldsync_photos_pending_over_1d"])
	}

	offset.Store(int64(50 * time.Hour))
	if got := silent("1d"); got != 2 {
		t.Errorf("two days on: %v silent over a day, want 2", got)
	}
	if got := silent("3d"); got != 0 {
		t.Errorf("two days on: %v silent over three days, want 0", got)
	}
	if got, _ := scrape(t, srv); got["fieldsync_photos_pending_over_1d"] != pending {
		t.Errorf("two days on: %v photos overdue, want all %v pending", got["fieldsync_photos_pending_over_1d"], pending)
	}
	push("phone-silent-001")
	if got := silent("1d"); got != 1 {
		t.Errorf("after one pushed again: %v silent, want 1", got)
	}
	client, err := srv.App.FindFirstRecordByData(schema.SyncClients, "client_id", "phone-silent-002")
	if err != nil {
		t.Fatal(err)
	}
	client.Set("revoked", true)
	access.AsSystem(client)
	if err := srv.App.Save(client); err != nil {
		t.Fatal(err)
	}
	if got := silent("1d"); got != 0 {
		t.Errorf("after the silent one was revoked: %v silent, want 0", got)
	}
	if got, _ := scrape(t, srv); got["fieldsync_sync_clients"] != start["fieldsync_sync_clients"]-1 || start["fieldsync_sync_clients"] < 2 {
		t.Errorf("installations not revoked: %v at the start, %v after one was revoked", start["fieldsync_sync_clients"], got["fieldsync_sync_clients"])
	}
}
