package sync_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	stdatomic "sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// statements counts the SQL statements an app's databases run, split into reads and writes.
type statements struct{ reads, writes, groups stdatomic.Int64 }

// countStatements hooks a counter into both of app's connections to its data database.
func countStatements(app core.App) *statements {
	s := &statements{}
	for _, b := range []dbx.Builder{app.ConcurrentDB(), app.NonconcurrentDB()} {
		db := b.(*dbx.DB)
		db.QueryLogFunc = func(context.Context, time.Duration, string, *sql.Rows, error) { s.reads.Add(1) }
		db.ExecLogFunc = func(_ context.Context, _ time.Duration, stmt string, _ sql.Result, _ error) {
			// SAVEPOINT and RELEASE are bookkeeping of nested transactions, not work.
			if verb := strings.ToUpper(strings.TrimSpace(stmt)); !strings.HasPrefix(verb, "SAVEPOINT") &&
				!strings.HasPrefix(verb, "RELEASE") {
				s.writes.Add(1)
			}
			if strings.HasPrefix(strings.TrimSpace(stmt), "INSERT INTO fs_sync_outcomes") {
				s.groups.Add(1) // one per transaction of a push (see storeOutcomes)
			}
		}
	}
	return s
}

// BenchmarkPush_CreateFindings pushes findings in groups of 100 creates, as a day's queue
// arrives, and reports besides the time the SQL statements each created finding costs:
// stmts/create (reads + writes), reads/create and writes/create. Issue 19's target is set in
// those terms; `go test ./internal/sync -run XXX -bench Push_CreateFindings -benchtime 20x`.
// A push commits a transaction at most every 100 ms of work, so on a loaded machine a push
// of 100 takes more transactions, each with its few statements of bookkeeping: txs/push
// says how many it took.
func BenchmarkPush_CreateFindings(b *testing.B) {
	srv := testkit.Serve(b, testkit.NewApp(b))
	token := srv.Token("users", testkit.InspectorA)
	const client, group = "bench-push", 100
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token,
		sync.ClientRequest{ClientID: client, AppVersion: "bench", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
		b.Fatalf("register: %d %s", res.Status, res.Body)
	}
	counter := countStatements(srv.App)
	mid := int64(0)
	var reads, writes int64
	b.ResetTimer()
	for i := range b.N {
		req := sync.PushRequest{ClientID: client, SentAt: time.Now().UTC().Format(time.RFC3339)}
		for k := range group {
			mid++
			req.Mutations = append(req.Mutations, sync.Mutation{MID: mid, Op: sync.OpCreate, Coll: "findings",
				ID: fmt.Sprintf("bf%06d%07d", i, k), Data: map[string]any{
					"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
					"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线 " + fmt.Sprint(k)}})
		}
		r0, w0 := counter.reads.Load(), counter.writes.Load()
		res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, req)
		reads += counter.reads.Load() - r0
		writes += counter.writes.Load() - w0
		var body struct {
			Results []sync.Result `json:"results"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || res.Status != http.StatusOK || len(body.Results) != group {
			b.Fatalf("push: %d %s", res.Status, res.Body)
		}
		for _, r := range body.Results {
			if r.Outcome != sync.Applied {
				b.Fatalf("mid %d: %+v", r.MID, r)
			}
		}
	}
	b.StopTimer()
	n := float64(b.N * group)
	b.ReportMetric(float64(reads+writes)/n, "stmts/create")
	b.ReportMetric(float64(reads)/n, "reads/create")
	b.ReportMetric(float64(writes)/n, "writes/create")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/n, "µs/create")
	b.ReportMetric(float64(counter.groups.Load())/float64(b.N), "txs/push")
}
