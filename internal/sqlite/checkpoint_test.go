package sqlite_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/sqlite"
)

// The data database never checkpoints inside a commit: its connections have the automatic
// checkpoint off, and a background checkpoint copies the WAL into the database file soon
// after. Closing both of PocketBase's pools stops it.
func TestDBConnect_CheckpointsInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	connect := sqlite.DBConnect(sqlite.SyncFull)
	concurrent, err := connect(path)
	if err != nil {
		t.Fatal(err)
	}
	nonconcurrent, err := connect(path) // PocketBase opens the file twice: one checkpointer
	if err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := nonconcurrent.NewQuery("PRAGMA wal_autocheckpoint").Row(&auto); err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint = %d (%v), want 0", auto, err)
	}
	if _, err := nonconcurrent.NewQuery("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)
	// 3 MB in small transactions: well past the 1,000 pages at which SQLite would checkpoint.
	for range 300 {
		if _, err := nonconcurrent.NewQuery("INSERT INTO t (v) VALUES ({:v})").
			Bind(map[string]any{"v": strings.Repeat("x", 10000)}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for fileSize(t, path) < before+3_000_000 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: no checkpoint ran", fileSize(t, path))
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := concurrent.NewQuery("SELECT count(*) FROM t").Row(&n); err != nil || n != 300 {
		t.Fatalf("count %d (%v)", n, err)
	}
	concurrent.Close()
	nonconcurrent.Close()
	if got := sqlite.Checkpointers(); got != 0 {
		t.Fatalf("%d checkpointers still run after both pools closed", got)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
