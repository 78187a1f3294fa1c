package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/sqlite"
)

func TestDBConnect_SynchronousPerDatabase(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode sqlite.Synchronous
		file string
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{
		{sqlite.SyncFull, "data.db", 2},
		{sqlite.SyncNormal, "data.db", 1},
		{sqlite.SyncFull, "auxiliary.db", 1},
	} {
		sub := filepath.Join(dir, string(tc.mode)+"-"+tc.file)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.DBConnect(tc.mode)(filepath.Join(sub, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.NewQuery("PRAGMA synchronous").Row(&got); err != nil {
			t.Fatal(err)
		}
		var journal string
		db.NewQuery("PRAGMA journal_mode").Row(&journal)
		db.Close()
		if got != tc.want || journal != "wal" {
			t.Errorf("%s %s: synchronous=%d journal=%s, want %d wal", tc.mode, tc.file, got, journal, tc.want)
		}
	}
}

// TestDBConnect_WritesAreNotDoomedByAnotherWriter: a transaction that reads and then writes
// while another process tries to commit in between (Litestream writes its own table after
// every checkpoint) must not fail. Begun deferred, the other process would commit and the
// server's write would fail with SQLITE_BUSY_SNAPSHOT ("database is locked") however long it
// waited; begun immediate, the server holds the write lock from its BEGIN and the other
// process waits for it (here it gives up at once, having a short busy timeout, and tries again
// after the commit).
func TestDBConnect_WritesAreNotDoomedByAnotherWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	server, err := sqlite.DBConnect(sqlite.SyncNormal)(path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	for _, q := range []string{"CREATE TABLE t (x)", "CREATE TABLE seq (x)"} {
		if _, err := server.NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	other, err := sqlite.Open(path + "?_pragma=busy_timeout(20)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherWrites := func() error {
		_, err := other.NewQuery("INSERT INTO seq VALUES (1)").Execute()
		return err
	}

	tx, err := server.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.NewQuery("SELECT COUNT(*) FROM t").Row(&n); err != nil {
		t.Fatal(err)
	}
	if err := otherWrites(); err == nil {
		t.Error("another process committed inside the server's transaction: it did not hold the write lock")
	}
	if _, err := tx.NewQuery("INSERT INTO t VALUES (1)").Execute(); err != nil {
		t.Fatalf("the server's write: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := otherWrites(); err != nil {
		t.Fatalf("the other process, after the server's transaction: %v", err)
	}

	// A read-only transaction (the sync pull's snapshot) takes no write lock: another writer
	// commits while it is open, and it goes on reading its snapshot.
	ro, err := server.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Rollback()
	if err := ro.NewQuery("SELECT COUNT(*) FROM t").Row(&n); err != nil || n != 1 {
		t.Fatalf("snapshot: %d rows, %v", n, err)
	}
	if _, err := other.NewQuery("INSERT INTO t VALUES (2)").Execute(); err != nil {
		t.Fatalf("a write beside a read-only transaction: %v", err)
	}
	if err := ro.NewQuery("SELECT COUNT(*) FROM t").Row(&n); err != nil || n != 1 {
		t.Errorf("the snapshot saw the other's write: %d rows, %v", n, err)
	}
}

// TestDBConnect_DataReadThroughAMap: the data database's connections read it through a memory
// map of MmapSize, and the driver really maps the file (a driver that ignored the pragma
// would answer 0, or leave no mapping of the file in the process); the auxiliary database
// keeps SQLite's default, reads by system call.
func TestDBConnect_DataReadThroughAMap(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		file string
		want int64
	}{{"data.db", sqlite.MmapSize}, {"auxiliary.db", 0}} {
		path := filepath.Join(dir, tc.file)
		writer, err := sqlite.DBConnect(sqlite.SyncNormal)(path)
		if err != nil {
			t.Fatal(err)
		}
		// The record is copied into the database file, where a fresh connection reads it.
		for _, q := range []string{"CREATE TABLE t (x)", "INSERT INTO t VALUES (randomblob(100000))", "PRAGMA wal_checkpoint(TRUNCATE)"} {
			if _, err := writer.NewQuery(q).Execute(); err != nil {
				t.Fatal(err)
			}
		}
		writer.Close()
		db, err := sqlite.DBConnect(sqlite.SyncNormal)(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var got int64
		var n int
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.NewQuery("PRAGMA mmap_size").Row(&got); err != nil {
			t.Fatal(err)
		}
		if err := tx.NewQuery("SELECT length(x) FROM t").Row(&n); err != nil || n != 100000 {
			t.Fatalf("%s: read %d bytes: %v", tc.file, n, err)
		}
		maps, err := os.ReadFile("/proc/self/maps")
		tx.Rollback()
		if got != tc.want {
			t.Errorf("%s: mmap_size %d, want %d", tc.file, got, tc.want)
		}
		if err != nil {
			t.Logf("no /proc/self/maps (%v): the mapping itself is not checked", err)
			continue
		}
		if mapped := strings.Contains(string(maps), path+"\n"); mapped != (tc.want > 0) {
			t.Errorf("%s: mapped=%v, want %v", tc.file, mapped, tc.want > 0)
		}
	}
}
