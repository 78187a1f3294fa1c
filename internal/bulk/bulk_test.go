package bulk_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/bulk"
	"github.com/haidian/fieldsync/internal/sqlite"
)

func open(t *testing.T) *dbx.DB {
	t.Helper()
	db, err := sqlite.DBConnect(sqlite.SyncNormal)(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.NewQuery("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL, s TEXT NOT NULL)").Execute(); err != nil {
		t.Fatal(err)
	}
	return db
}

// Every count of rows arrives whole and in order, values bound as given (quotes and
// placeholders-lookalikes in values are data), with an ON CONFLICT tail applied row by row,
// and with seven statements for a hundred rows.
func TestInsert_WritesEveryRowInOrder(t *testing.T) {
	for _, count := range []int{0, 1, 3, 4, 5, 17, 64, 65, 100, 150} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			db := open(t)
			var stmts int
			db.ExecLogFunc = func(context.Context, time.Duration, string, sql.Result, error) { stmts++ }
			rows := make([][]any, count)
			for i := range rows {
				rows[i] = []any{fmt.Sprintf("k%03d", i), int64(i) - 1<<62, fmt.Sprintf("it's {:p0_0} %d", i)}
			}
			if err := bulk.Insert(db, "INSERT INTO t (k, n, s)", "", rows); err != nil {
				t.Fatal(err)
			}
			if count == 100 && stmts != 7 {
				t.Errorf("100 rows in %d statements, want 7 (6 × 16 + 4)", stmts)
			}
			var got []struct {
				K string `db:"k"`
				N int64  `db:"n"`
				S string `db:"s"`
			}
			if err := db.Select("k", "n", "s").From("t").OrderBy("rowid").All(&got); err != nil {
				t.Fatal(err)
			}
			if len(got) != count {
				t.Fatalf("%d rows stored, want %d", len(got), count)
			}
			for i, r := range got {
				if r.K != rows[i][0] || r.N != rows[i][1] || r.S != rows[i][2] {
					t.Errorf("row %d stored as %+v, sent %v", i, r, rows[i])
				}
			}
		})
	}
}

func TestInsert_ConflictTail(t *testing.T) {
	db := open(t)
	upsert := "ON CONFLICT (k) DO UPDATE SET n = excluded.n"
	if err := bulk.Insert(db, "INSERT INTO t (k, n, s)", upsert, [][]any{{"a", 1, "x"}, {"b", 2, "y"}}); err != nil {
		t.Fatal(err)
	}
	if err := bulk.Insert(db, "INSERT INTO t (k, n, s)", upsert, [][]any{{"b", 20, "z"}, {"c", 3, "w"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := db.NewQuery("SELECT k || n || s FROM t ORDER BY k").Column(&got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "a1x b20y c3w" {
		t.Errorf("rows %v, want a1x b20y c3w", got)
	}
}

func TestInsert_RefusesRowsOfUnequalWidth(t *testing.T) {
	db := open(t)
	err := bulk.Insert(db, "INSERT INTO t (k, n, s)", "", [][]any{{"a", 1, "x"}, {"b", 2}})
	if err == nil {
		t.Fatal("rows of 3 and 2 values were accepted")
	}
	var n int
	db.NewQuery("SELECT COUNT(*) FROM t").Row(&n)
	if n != 0 {
		t.Errorf("%d rows stored of a refused chunk", n)
	}
}
