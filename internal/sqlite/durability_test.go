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
