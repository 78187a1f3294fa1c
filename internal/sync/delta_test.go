package sync_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A delta pull costs the same whatever the size of the data: it runs the same statements
// with ten times more records in its scope, and every one of them reads a bounded number of
// rows by an index (a record by its id, the change log after the cursor; no scan of a table,
// of the change log or of a scope's rows), its changes from the change log's covering index
// alone. So its work grows with the changes it sends, not with the data.
func TestPull_DeltaCostIndependentOfSize(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	writer := newDevice(t, srv, testkit.InspectorA, "delta-writer")
	reader := newDevice(t, srv, testkit.InspectorA, "delta-reader")
	pullAll(reader, 0)
	places := 0
	create := func(n int) {
		t.Helper()
		var ms []sync.Mutation
		for range n {
			places++
			ms = append(ms, sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: fmt.Sprintf("deltaplace%05d", places),
				Data: map[string]any{"kind": "venue", "name": fmt.Sprintf("小商店 %d", places),
					"subdistrict": testkit.SubdistrictA, "address": "测试街"}})
		}
		for chunk := range slices.Chunk(ms, 100) {
			for _, r := range results(t, writer.push(chunk...)) {
				if r.Outcome != sync.Applied {
					t.Fatalf("create: %+v", r)
				}
			}
		}
	}
	// delta makes three changes and returns the statements of the delta pull that reads them.
	delta := func() []string {
		t.Helper()
		create(3)
		db := srv.App.ConcurrentDB().(*dbx.DB)
		var mu stdsync.Mutex
		var stmts []string
		db.QueryLogFunc = func(_ context.Context, _ time.Duration, q string, _ *sql.Rows, _ error) {
			mu.Lock()
			defer mu.Unlock()
			stmts = append(stmts, q)
		}
		out := reader.pull(1000)
		db.QueryLogFunc = nil
		if n := len(out.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)].Changes); n != 3 {
			t.Fatalf("the delta pull got %d changes of %s, want 3", n, testkit.SubdistrictA)
		}
		return stmts
	}
	small := delta()
	create(400) // the fixture's subdistrict holds some 30 records: now more than ten times that
	pullAll(reader, 0)
	big := delta()
	t.Logf("a delta pull's statements:\n%s", strings.Join(big, "\n"))

	if a, b := shapes(small), shapes(big); !slices.Equal(a, b) {
		t.Errorf("the delta pull runs other statements with more data:\nsmall: %q\nbig:   %q", a, b)
	}
	for _, q := range big {
		plan := queryPlan(t, srv, q)
		for _, step := range plan {
			if !bounded(step) {
				t.Errorf("%s\nreads rows without bound: %q in %q", q, step, plan)
			}
		}
		if strings.Contains(q, "FROM fs_sync_changes") && !slices.ContainsFunc(plan, func(s string) bool {
			return strings.Contains(s, "USING COVERING INDEX") || strings.Contains(s, "USING PRIMARY KEY")
		}) {
			t.Errorf("%s\nreads the change log through the table: %q", q, plan)
		}
	}
}

// oneRow are the scans of a single row: the head and the horizon of history hold one each,
// and the ids a pull loads come as one JSON array.
var oneRow = []string{"SCAN CONSTANT ROW", "SCAN fs_sync_head", "SCAN fs_sync_horizon"}

var search = regexp.MustCompile(`^SEARCH (\S+) USING .*\((.+)\)$`)

// uniqueKeys are the keys of the tables a pull searches by a value, besides the records' id.
var uniqueKeys = map[string]string{"fs_sync_scopes": "scope=?", "sync_clients": "client_id=?"}

// bounded reports whether a step of a query plan reads a number of rows that does not grow
// with the data: one row by a unique key, the change log after a cursor, or one of oneRow.
func bounded(step string) bool {
	switch {
	case slices.Contains(oneRow, step), strings.HasPrefix(step, "SCAN json_each"),
		strings.HasPrefix(step, "SCALAR SUBQUERY"), strings.HasPrefix(step, "LIST SUBQUERY"):
		return true
	}
	m := search.FindStringSubmatch(step)
	switch {
	case m == nil:
		return false
	case m[1] == "fs_sync_changes":
		return strings.Contains(m[2], "seq>?") || strings.Contains(m[2], "seq=?")
	case uniqueKeys[m[1]] != "":
		return m[2] == uniqueKeys[m[1]]
	}
	return m[2] == "id=?"
}

var literals = regexp.MustCompile(`'(?:[^']|'')*'|\b\d+\b`)

// shapes are the statements with their literals taken out, sorted.
func shapes(stmts []string) []string {
	out := make([]string, len(stmts))
	for i, q := range stmts {
		out[i] = literals.ReplaceAllString(q, "?")
	}
	slices.Sort(out)
	return out
}

// queryPlan returns the steps SQLite's planner chooses for q.
func queryPlan(t *testing.T, srv *testkit.Server, q string) []string {
	t.Helper()
	var rows []struct {
		ID     int    `db:"id"`
		Parent int    `db:"parent"`
		Unused int    `db:"notused"`
		Detail string `db:"detail"`
	}
	if err := srv.App.ConcurrentDB().NewQuery("EXPLAIN QUERY PLAN " + q).All(&rows); err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Detail
	}
	return out
}
