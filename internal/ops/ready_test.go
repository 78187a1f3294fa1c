package ops_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// readiness asks /api/fs/ready as a load balancer would (no credentials) and returns the
// status and each check's verdict.
func readiness(t *testing.T, srv *testkit.Server) (int, map[string]string) {
	t.Helper()
	res := get(t, srv, "/api/fs/ready", "")
	var body struct {
		Status any               `json:"status"` // "ready", or the number of fault's body
		Code   string            `json:"code"`
		Checks map[string]string `json:"checks"`
		Data   struct {
			Checks map[string]string `json:"checks"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatalf("ready: %d %s", res.Status, res.Body)
	}
	switch {
	case res.Status == http.StatusOK && body.Status == "ready":
		return res.Status, body.Checks
	case res.Status == http.StatusServiceUnavailable && body.Code == "not_ready":
		return res.Status, body.Data.Checks
	}
	t.Fatalf("ready: %d %s", res.Status, res.Body)
	return 0, nil
}

func wantReady(t *testing.T, srv *testkit.Server, status int, checks map[string]string) {
	t.Helper()
	got, verdicts := readiness(t, srv)
	if got != status || len(verdicts) != len(checks) {
		t.Fatalf("ready: %d %v, want %d %v", got, verdicts, status, checks)
	}
	for k, v := range checks {
		if verdicts[k] != v {
			t.Errorf("ready: check %s %q, want %q", k, verdicts[k], v)
		}
	}
}

// TestReady_FailsWhileTheBlobStoreTakesNoWrite: the blob store's directory replaced by a
// file (a lost mount does the same) fails readiness until it is back; /api/health, the
// liveness check, stays 200 all along.
func TestReady_FailsWhileTheBlobStoreTakesNoWrite(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	wantReady(t, srv, http.StatusOK, map[string]string{"database": "ok", "blob_store": "ok"})

	storage := filepath.Join(srv.App.DataDir(), "storage")
	if err := os.RemoveAll(storage); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(storage, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantReady(t, srv, http.StatusServiceUnavailable, map[string]string{"database": "ok", "blob_store": "failed"})
	if res := get(t, srv, "/api/health", ""); res.Status != http.StatusOK {
		t.Errorf("health while not ready: %d", res.Status)
	}

	if err := os.Remove(storage); err != nil {
		t.Fatal(err)
	}
	wantReady(t, srv, http.StatusOK, map[string]string{"database": "ok", "blob_store": "ok"})
}

// TestReady_FailsWhileTheWriterIsHeld: a write transaction that does not end (a stuck job)
// leaves no writer for pushes; readiness fails until it ends.
func TestReady_FailsWhileTheWriterIsHeld(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	release := holdWriter(t, srv.App)
	wantReady(t, srv, http.StatusServiceUnavailable, map[string]string{"database": "failed", "blob_store": "ok"})
	release()
	wantReady(t, srv, http.StatusOK, map[string]string{"database": "ok", "blob_store": "ok"})
}

// holdWriter opens a write transaction and keeps it until the returned function is called.
func holdWriter(t *testing.T, app core.App) (release func()) {
	t.Helper()
	held, done, over := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		over <- app.RunInTransaction(func(tx core.App) error {
			close(held)
			<-done
			return nil
		})
	}()
	<-held
	return func() {
		close(done)
		if err := <-over; err != nil {
			t.Errorf("held transaction: %v", err)
		}
	}
}

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
}
