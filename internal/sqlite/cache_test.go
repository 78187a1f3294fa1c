package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

func openTest(t testing.TB, size int) (*sql.DB, *Connector) {
	t.Helper()
	c, err := NewConnector(filepath.Join(t.TempDir(), "t.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)", size)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	return db, c
}

func TestCache_ReusesStatements(t *testing.T) {
	db, c := openTest(t, 8)
	db.SetMaxOpenConns(1)
	for i := range 10 {
		if _, err := db.Exec("INSERT INTO t (name) VALUES (?)", fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		var name string
		if err := db.QueryRow("SELECT name FROM t WHERE id = ?", i+1).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("n", i); name != want {
			t.Fatalf("row %d: got %q, want %q", i+1, name, want)
		}
	}
	prepares, hits := c.Stats()
	// CREATE, INSERT and SELECT are prepared once each; the other 18 uses hit the cache.
	if prepares != 3 || hits != 18 {
		t.Fatalf("prepares %d hits %d, want 3 and 18", prepares, hits)
	}
}

// A statement whose rows are still open is not handed out again: the same query, nested on
// the same connection, runs on a statement of its own.
func TestCache_NestedSameQuery(t *testing.T) {
	db, _ := openTest(t, 8)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, n := range []string{"a", "b", "c"} {
		if _, err := tx.Exec("INSERT INTO t (name) VALUES (?)", n); err != nil {
			t.Fatal(err)
		}
	}
	const q = "SELECT name FROM t WHERE id >= ? ORDER BY id"
	outer, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var name string
		if err := outer.Scan(&name); err != nil {
			t.Fatal(err)
		}
		var inner []string
		rows, err := tx.Query(q, 2)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			inner = append(inner, n)
		}
		rows.Close()
		got = append(got, name+fmt.Sprint(inner))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	want := "[a[b c] b[b c] c[b c]]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

// Evicted statements are finalized, and the cache keeps working past its size.
func TestCache_Evicts(t *testing.T) {
	db, c := openTest(t, 2)
	db.SetMaxOpenConns(1)
	for round := range 3 {
		for i := range 5 {
			q := fmt.Sprintf("SELECT count(*) + %d FROM t", i)
			var n int
			if err := db.QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != i {
				t.Fatalf("round %d: %s = %d", round, q, n)
			}
		}
	}
	if prepares, _ := c.Stats(); prepares != 16 { // CREATE + 5 queries × 3 rounds (LRU of 2 over a cycle of 5)
		t.Fatalf("prepares %d, want 16", prepares)
	}
}

// A cached "SELECT *" sees a column added after it was prepared: SQLite re-prepares a
// statement whose schema changed.
func TestCache_SchemaChange(t *testing.T) {
	db, _ := openTest(t, 8)
	db.SetMaxOpenConns(1)
	db.Exec("INSERT INTO t (name) VALUES ('a')")
	cols := func() []string {
		rows, err := db.Query("SELECT * FROM t")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return c
	}
	if got := fmt.Sprint(cols()); got != "[id name]" {
		t.Fatalf("before: %s", got)
	}
	if _, err := db.Exec("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cols()); got != "[id name extra]" {
		t.Fatalf("after: %s", got)
	}
}

// A failed statement stays usable, errors are not cached, and a bad query says so.
func TestCache_Errors(t *testing.T) {
	db, _ := openTest(t, 8)
	db.SetMaxOpenConns(1)
	const ins = "INSERT INTO t (name) VALUES (?)"
	if _, err := db.Exec(ins, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ins, "a"); err == nil {
		t.Fatal("duplicate name inserted")
	}
	if _, err := db.Exec(ins, "b"); err != nil {
		t.Fatalf("statement unusable after a constraint error: %v", err)
	}
	if _, err := db.Query("SELEC nonsense"); err == nil {
		t.Fatal("bad SQL accepted")
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}
	// A transaction rolled back after a cached write leaves nothing behind.
	tx, _ := db.BeginTx(context.Background(), nil)
	tx.Exec(ins, "c")
	tx.Rollback()
	db.QueryRow("SELECT count(*) FROM t").Scan(&n)
	if n != 2 {
		t.Fatalf("count after rollback %d, want 2", n)
	}
}

// BenchmarkQuery compares a typical indexed lookup with and without the cache.
func BenchmarkQuery(b *testing.B) {
	for _, size := range []int{0, DefaultCacheSize} {
		b.Run(fmt.Sprintf("cache=%d", size), func(b *testing.B) {
			var db *sql.DB
			if size == 0 {
				var err error
				db, err = sql.Open("sqlite", filepath.Join(b.TempDir(), "t.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
			} else {
				db, _ = openTest(b, size)
			}
			for i := range 1000 {
				db.Exec("INSERT INTO t (name) VALUES (?)", fmt.Sprint("n", i))
			}
			const q = "SELECT id, name FROM t WHERE name = ? AND id > ? ORDER BY id LIMIT 5"
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				var id int
				var name string
				if err := db.QueryRow(q, fmt.Sprint("n", i%1000), 0).Scan(&id, &name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
