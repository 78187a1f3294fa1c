package ops_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/core"

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
	if res := srv.DoRaw(http.MethodHead, "/api/fs/ready", "", nil, nil); res.Status != http.StatusOK {
		t.Errorf("HEAD while ready: %d", res.Status)
	}

	storage := filepath.Join(srv.App.DataDir(), "storage")
	if err := os.RemoveAll(storage); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(storage, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantReady(t, srv, http.StatusServiceUnavailable, map[string]string{"database": "ok", "blob_store": "failed"})
	if res := srv.DoRaw(http.MethodHead, "/api/fs/ready", "", nil, nil); res.Status != http.StatusServiceUnavailable {
		t.Errorf("HEAD while not ready: %d", res.Status)
	}
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
