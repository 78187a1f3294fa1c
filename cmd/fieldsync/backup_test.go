package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/demo"
)

// TestBackup_ScheduledBackupToS3Restores: PocketBase's own backups, kept in S3, bring a lost
// data dir back. The district administrator sets the backup schedule with S3 storage; a
// backup is made (the same code the schedule runs); the machine is lost; a fresh install
// pointed at the same bucket lists the backup and restores it through PocketBase's API, and
// the server comes back with every record of the backup.
func TestBackup_ScheduledBackupToS3Restores(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fieldsync and an S3 server and runs them")
	}
	root := t.TempDir()
	bin := buildBinary(t)
	dataDir := filepath.Join(root, "pb_data")
	runDemo(t, bin, root, dataDir)
	gw, bucket := startBucket(t, root)
	backups := map[string]any{"backups": map[string]any{"cron": "0 3 * * *", "cronMaxKeep": 7, "s3": gw.Config(bucket)}}

	srv := startServer(t, bin, root, dataDir)
	admin := superuserToken(t, srv, demo.AdminEmail, demo.Password)
	if status, body := call(t, srv, "PATCH", "/api/settings", admin, backups); status != 200 {
		t.Fatalf("backup settings: %d %s", status, body)
	}
	if status, body := call(t, srv, "POST", "/api/backups", admin, map[string]any{"name": "drill.zip"}); status != 204 {
		t.Fatalf("backup: %d %s", status, body)
	}
	srv.stop(t)
	want := countPlaces(t, dataDir)

	// The machine is lost. A new one starts empty, with a superuser of its own.
	if err := os.RemoveAll(dataDir); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "superuser", "upsert", "new@example.org", "a-long-password", "--dir", dataDir, prodMode).CombinedOutput(); err != nil {
		t.Fatalf("superuser: %v\n%s", err, out)
	}
	srv = startServer(t, bin, root, dataDir)
	t.Cleanup(func() { srv.stop(t) })
	admin = superuserToken(t, srv, "new@example.org", "a-long-password")
	if status, body := call(t, srv, "PATCH", "/api/settings", admin, backups); status != 200 {
		t.Fatalf("backup settings on the new machine: %d %s", status, body)
	}
	status, body := call(t, srv, "GET", "/api/backups", admin, nil)
	var listed []struct{ Key string }
	json.Unmarshal(body, &listed)
	if status != 200 || !slices.ContainsFunc(listed, func(b struct{ Key string }) bool { return b.Key == "drill.zip" }) {
		t.Fatalf("the new machine does not list the backup in S3: %d %s", status, body)
	}
	if status, body := call(t, srv, "POST", "/api/backups/drill.zip/restore", admin, nil); status != 204 {
		t.Fatalf("restore: %d %s", status, body)
	}
	// PocketBase restarts itself on the restored dir (same process id); the demo accounts,
	// which only the backup holds, then sign in.
	deadline := time.Now().Add(90 * time.Second)
	for !signsIn(srv, demo.InspectorEmail) {
		if time.Now().After(deadline) {
			t.Fatalf("the restored server never let the demo inspector sign in\n%s", srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	srv.stop(t)
	if got := countPlaces(t, dataDir); got != want {
		t.Errorf("restored %d places; the backup had %d", got, want)
	}
}

func superuserToken(t *testing.T, s *server, email, password string) string {
	t.Helper()
	status, body := call(t, s, "POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": email, "password": password})
	var out struct{ Token string }
	if json.Unmarshal(body, &out); status != 200 || out.Token == "" {
		t.Fatalf("superuser sign-in: %d %s", status, body)
	}
	return out.Token
}

func signsIn(s *server, email string) bool {
	body, _ := json.Marshal(map[string]any{"identity": email, "password": demo.Password})
	res, err := http.Post(s.url+"/api/collections/users/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == 200
}

func call(t *testing.T, s *server, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

func countPlaces(t *testing.T, dataDir string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM places").Scan(&n); err != nil || n == 0 {
		t.Fatalf("places: %d %v", n, err)
	}
	return n
}
