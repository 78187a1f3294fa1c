package sqlite_test

import (
	"os"
	"path/filepath"
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

func TestSynchronousFromEnv(t *testing.T) {
	for env, want := range map[string]sqlite.Synchronous{"": sqlite.SyncFull, "normal": sqlite.SyncNormal, "FULL": sqlite.SyncFull} {
		t.Setenv("FIELDSYNC_SYNCHRONOUS", env)
		if got, err := sqlite.SynchronousFromEnv(); err != nil || got != want {
			t.Errorf("%q: %v %v", env, got, err)
		}
	}
	t.Setenv("FIELDSYNC_SYNCHRONOUS", "OFF")
	if _, err := sqlite.SynchronousFromEnv(); err == nil {
		t.Error("OFF accepted")
	}
}

func TestReadersFromEnv(t *testing.T) {
	for env, want := range map[string]int{"": sqlite.DefaultReaders, "4": 4, "64": 64} {
		t.Setenv("FIELDSYNC_DB_READERS", env)
		if got, err := sqlite.ReadersFromEnv(); err != nil || got != want {
			t.Errorf("%q: %d %v", env, got, err)
		}
	}
	for _, bad := range []string{"0", "-3", "many", "5000"} {
		t.Setenv("FIELDSYNC_DB_READERS", bad)
		if _, err := sqlite.ReadersFromEnv(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
