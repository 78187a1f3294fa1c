package sync_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	stdatomic "sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
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
				ID: fmt.Sprintf("bf%06d%07d", i, k), Data: pushData(k)})
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

// BenchmarkCreate_Ways creates the same findings, 100 per transaction, by five ways, in one
// run, for issue 19's question of how fast push can get while every create keeps to
// PocketBase's save path:
//   - push: /api/sync/v1/push, 100 mutations per request (the inspector's token);
//   - batch: PocketBase's /api/batch, 100 creates per request, same token, same hooks
//     (issue 19's baseline);
//   - fieldsync-save: app.Save in Go, every fieldsync hook bound (rules, field policies,
//     change log, audit; the bookkeeping not deferred to a group's end as a push defers it),
//     attributed to the inspector, no HTTP;
//   - pocketbase-save: the same app.Save with none of fieldsync's hooks bound: PocketBase's
//     validation (three relation count(*)), its event chain and the insert. No door that keeps
//     the programmes' rules as record hooks creates a finding for less;
//   - raw-insert: the same row by one INSERT through dbx, nothing else.
//
// Besides wall time per create it reports the process's CPU per create (cpu-µs/create, user
// and system, GC and the background checkpointer included), which a loaded machine distorts
// less. `go test ./internal/sync -run XXX -bench Create_Ways -benchtime 20x -count 5`.
func BenchmarkCreate_Ways(b *testing.B) {
	template := pushedFinding(b)
	for _, way := range []struct {
		name string
		bind func(core.App)
		run  func(b *testing.B, a *tests.TestApp) func(i int) error
	}{
		{"push", boundAsInTests, createByPush},
		{"batch", boundAsInTests, createByBatch},
		{"fieldsync-save", boundAsInTests, createInTx(template, saveFinding)},
		{"pocketbase-save", nil, createInTx(template, saveFinding)},
		{"raw-insert", nil, createInTx(template, insertFinding)},
	} {
		b.Run(way.name, func(b *testing.B) {
			a := testkit.NewAppWith(b, way.bind)
			create := way.run(b, a)
			cpu0 := processCPU()
			b.ResetTimer()
			for i := range b.N {
				if err := create(i); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			n := float64(b.N * createGroup)
			b.ReportMetric(float64(b.Elapsed().Microseconds())/n, "µs/create")
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/n, "cpu-µs/create")
		})
	}
}

// createGroup is how many findings each way creates per request or transaction.
const createGroup = 100

func boundAsInTests(a core.App) { app.BindWith(a, options()) }

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchID is the id of finding k of round i of a way.
func benchID(i, k int) string { return fmt.Sprintf("bw%06d%07d", i, k) }

// createByPush pushes each round's findings as one push of createGroup creates.
func createByPush(b *testing.B, a *tests.TestApp) func(int) error {
	srv := testkit.Serve(b, a)
	token := srv.Token("users", testkit.InspectorA)
	const client = "bench-ways"
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token,
		sync.ClientRequest{ClientID: client, AppVersion: "bench", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
		b.Fatalf("register: %d %s", res.Status, res.Body)
	}
	mid := int64(0)
	return func(i int) error {
		req := sync.PushRequest{ClientID: client, SentAt: time.Now().UTC().Format(time.RFC3339)}
		for k := range createGroup {
			mid++
			req.Mutations = append(req.Mutations, sync.Mutation{MID: mid, Op: sync.OpCreate, Coll: "findings",
				ID: benchID(i, k), Data: pushData(k)})
		}
		res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, req)
		var body struct {
			Results []sync.Result `json:"results"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || res.Status != http.StatusOK || len(body.Results) != createGroup {
			return fmt.Errorf("push: %d %s", res.Status, res.Body)
		}
		for _, r := range body.Results {
			if r.Outcome != sync.Applied {
				return fmt.Errorf("mid %d: %+v", r.MID, r)
			}
		}
		return nil
	}
}

// createByBatch sends each round's findings as one /api/batch of createGroup creates.
func createByBatch(b *testing.B, a *tests.TestApp) func(int) error {
	// Batch is off by default; fsbench turns it on the same way.
	settings := a.Settings()
	settings.Batch.Enabled, settings.Batch.MaxRequests, settings.Batch.Timeout = true, createGroup, 30
	if err := a.Save(settings); err != nil {
		b.Fatal(err)
	}
	srv := testkit.Serve(b, a)
	token := srv.Token("users", testkit.InspectorA)
	return func(i int) error {
		reqs := make([]map[string]any, createGroup)
		for k := range reqs {
			body := pushData(k)
			body["id"] = benchID(i, k)
			reqs[k] = map[string]any{"method": http.MethodPost, "url": "/api/collections/findings/records", "body": body}
		}
		res := srv.Do(http.MethodPost, "/api/batch", token, map[string]any{"requests": reqs})
		var body []struct {
			Status int `json:"status"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || res.Status != http.StatusOK || len(body) != createGroup {
			return fmt.Errorf("batch: %d %s", res.Status, res.Body)
		}
		for k, r := range body {
			if r.Status != http.StatusOK {
				return fmt.Errorf("batch request %d: status %d", k, r.Status)
			}
		}
		return nil
	}
}

// pushData is what the inspector's phone sends for finding k.
func pushData(k int) map[string]any {
	return map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线 " + fmt.Sprint(k)}
}

// createInTx makes each round one transaction of createGroup writes by write.
func createInTx(template map[string]any, write func(tx core.App, coll *core.Collection, row map[string]any, id string) error) func(*testing.B, *tests.TestApp) func(int) error {
	return func(b *testing.B, a *tests.TestApp) func(int) error {
		coll, err := a.FindCollectionByNameOrId("findings")
		if err != nil {
			b.Fatal(err)
		}
		return func(i int) error {
			return a.RunInTransaction(func(tx core.App) error {
				for k := range createGroup {
					if err := write(tx, coll, template, benchID(i, k)); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
}

// saveFinding saves the finding through app.Save, on the inspector's behalf as a push does
// (without fieldsync's hooks nothing reads the attribution).
func saveFinding(tx core.App, coll *core.Collection, row map[string]any, id string) error {
	rec := core.NewRecord(coll)
	rec.Load(row)
	rec.Id = id
	inspector, err := tx.FindRecordById("users", testkit.InspectorA)
	if err != nil {
		return err
	}
	access.Attribute(rec, access.Attribution{Actor: access.ActorFromAuth(inspector), Door: access.DoorSync})
	return tx.Save(rec)
}

// insertFinding writes the finding's row with one INSERT and nothing else.
func insertFinding(tx core.App, coll *core.Collection, row map[string]any, id string) error {
	rec := core.NewRecord(coll)
	rec.Load(row)
	rec.Id = id
	cols, err := rec.DBExport(tx)
	if err != nil {
		return err
	}
	_, err = tx.DB().Insert(coll.Name, cols).Execute()
	return err
}

// pushedFinding pushes one finding as the benchmark push does and returns its stored columns
// (id and timestamps left out), so that the ways of BenchmarkCreate_Ways that write in Go
// write the row a push writes.
func pushedFinding(b *testing.B) map[string]any {
	srv := testkit.Serve(b, testkit.NewApp(b))
	token := srv.Token("users", testkit.InspectorA)
	const client = "bench-template"
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token,
		sync.ClientRequest{ClientID: client, AppVersion: "bench", SchemaVersion: sync.SchemaVersion}); res.Status != http.StatusOK {
		b.Fatalf("register: %d %s", res.Status, res.Body)
	}
	id := "btemplate000001"
	res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, sync.PushRequest{ClientID: client,
		SentAt: time.Now().UTC().Format(time.RFC3339), Mutations: []sync.Mutation{{MID: 1, Op: sync.OpCreate,
			Coll: "findings", ID: id, Data: pushData(0)}}})
	if res.Status != http.StatusOK {
		b.Fatalf("push: %d %s", res.Status, res.Body)
	}
	rec, err := srv.App.FindRecordById("findings", id)
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]any{}
	for k, v := range rec.FieldsData() {
		if k != "id" && k != "created" && k != "updated" {
			out[k] = v
		}
	}
	return out
}
