package sync_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// clock is when the injected time of every test app in this package starts. It stands
// still unless a test advances it; it never goes back.
var (
	clock   = time.Date(2018, 5, 2, 9, 0, 0, 0, time.UTC)
	elapsed atomic.Int64
)

// now is the injected time.
func now() time.Time { return clock.Add(time.Duration(elapsed.Load())) }

// advance moves the injected time forward by d and returns it.
func advance(d time.Duration) time.Time { return clock.Add(time.Duration(elapsed.Add(int64(d)))) }

// options are the settings of every test app here, on the injected clock.
func options() app.Options {
	o := app.DefaultOptions()
	o.Now = now
	o.Settings.MetricsToken = metricsToken
	return o
}

func TestMain(m *testing.M) {
	testkit.SetBind(func(a core.App) { app.BindWith(a, options()) })
	testkit.Main(m)
}

// device is a minimal phone for these tests: a registered client with cursors and a mid.
type device struct {
	t       *testing.T
	srv     *testkit.Server
	token   string
	id      string
	mid     int64
	cursors map[sync.Scope]sync.ScopeRequest
	local   map[sync.Scope]map[string]sync.Change // what pullAll has applied
}

func newDevice(t *testing.T, srv *testkit.Server, user, clientID string) *device {
	t.Helper()
	d := &device{t: t, srv: srv, token: srv.Token("users", user), id: clientID,
		cursors: map[sync.Scope]sync.ScopeRequest{}}
	res := srv.Do(http.MethodPost, "/api/sync/v1/clients", d.token,
		sync.ClientRequest{ClientID: clientID, AppVersion: "test", SchemaVersion: sync.SchemaVersion})
	if res.Status != http.StatusOK {
		t.Fatalf("register %s: %d %s", clientID, res.Status, res.Body)
	}
	return d
}

// pull pulls once and advances the cursors; it returns the decoded response.
func (d *device) pull(limit int) sync.PullResponse {
	d.t.Helper()
	res := d.srv.Do(http.MethodPost, "/api/sync/v1/pull", d.token,
		sync.PullRequest{ClientID: d.id, Scopes: d.cursors, LimitRows: limit})
	if res.Status != http.StatusOK {
		d.t.Fatalf("pull: %d %s", res.Status, res.Body)
	}
	var out sync.PullResponse
	if err := json.Unmarshal(res.Body, &out); err != nil {
		d.t.Fatal(err)
	}
	for sc, sr := range out.Scopes {
		if sr.Status == sync.StatusRemoved {
			delete(d.cursors, sc)
			continue
		}
		d.cursors[sc] = sync.ScopeRequest{Cursor: sr.Cursor, Floor: sr.Floor}
	}
	return out
}

// push sends mutations, numbering those with mid 0, and returns the raw response.
func (d *device) push(ms ...sync.Mutation) testkit.Response {
	d.t.Helper()
	for i := range ms {
		if ms[i].MID == 0 {
			d.mid++
			ms[i].MID = d.mid
		}
	}
	return d.srv.Do(http.MethodPost, "/api/sync/v1/push", d.token,
		sync.PushRequest{ClientID: d.id, Mutations: ms})
}

func results(t *testing.T, res testkit.Response) []sync.Result {
	t.Helper()
	var body struct {
		Results []sync.Result `json:"results"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	return body.Results
}

func TestPull_InitialDownloadIsScoped(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "device-inspector-a")
	out := d.pull(0)
	want := []sync.Scope{sync.Ref, sync.MeScope(testkit.InspectorA), sync.SubdistrictScope(testkit.SubdistrictA)}
	if len(out.Scopes) != len(want) {
		t.Fatalf("scopes = %v, want %v", keys(out.Scopes), want)
	}
	for _, sc := range want {
		sr := out.Scopes[sc]
		if sr == nil || sr.Status != sync.StatusAdded || sr.HasMore {
			t.Fatalf("scope %s: %+v", sc, sr)
		}
		if sc == sync.Ref {
			continue // reference data is the whole district's
		}
		for _, c := range sr.Changes {
			if sd, ok := c.Data["subdistrict"]; ok && sd != testkit.SubdistrictA {
				t.Errorf("%s/%s of subdistrict %v reached inspector A", c.Coll, c.ID, sd)
			}
		}
	}
	ids := map[string]bool{}
	for _, c := range out.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)].Changes {
		ids[c.ID] = true
	}
	for _, name := range []string{"finding", "household", "centre", "inspection", "report"} {
		if !ids[testkit.Side(name, "a")] {
			t.Errorf("%s a missing from the download", name)
		}
		if ids[testkit.Side(name, "b")] {
			t.Errorf("%s b leaked into sd A", name)
		}
	}
	if got := len(out.Scopes[sync.Ref].Changes); got < 29+9 {
		t.Errorf("ref scope has %d changes, want the 29 subdistricts and the agencies", got)
	}
	// A second pull from the returned cursors is empty and at the head.
	again := d.pull(0)
	for sc, sr := range again.Scopes {
		if sr.Status != sync.StatusOK || len(sr.Changes) != 0 || sr.Checksum == "" {
			t.Errorf("second pull of %s: %+v", sc, sr)
		}
	}
}

func keys[M ~map[K]V, K comparable, V any](m M) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPush_ExactlyOnce(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "device-inspector-a")
	create := sync.Mutation{MID: 1, Op: sync.OpCreate, Coll: "findings", ID: "newfinding00001", Data: map[string]any{
		"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}}
	first := d.push(create)
	if first.Status != http.StatusOK {
		t.Fatalf("push: %d %s", first.Status, first.Body)
	}
	r := results(t, first)
	if len(r) != 1 || r[0].Outcome != sync.Applied || r[0].V != 1 || r[0].Seq == 0 {
		t.Fatalf("results = %+v", r)
	}
	// The same mid again (a lost acknowledgement) returns the stored outcome byte for byte
	// and stores nothing new.
	again := d.push(create)
	var a1, a2 struct {
		Results []json.RawMessage `json:"results"`
	}
	json.Unmarshal(first.Body, &a1)
	json.Unmarshal(again.Body, &a2)
	if len(a2.Results) != 1 || !bytes.Equal(a1.Results[0], a2.Results[0]) {
		t.Fatalf("replay differs:\n%s\n%s", a1.Results, a2.Results)
	}
	n, err := srv.App.CountRecords("findings")
	if err != nil || n != 3 {
		t.Fatalf("findings = %d (%v), want 3", n, err)
	}
	// A gap answers 409 with the expected mid.
	gap := d.push(sync.Mutation{MID: 5, Op: sync.OpVoid, Coll: "findings", ID: "newfinding00001", BaseV: 1})
	if gap.Status != http.StatusConflict || gap.JSON(t)["expected_mid"].(float64) != 2 {
		t.Fatalf("gap: %d %s", gap.Status, gap.Body)
	}
}

func TestPush_ConflictKeepsBothValues(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	inspector := newDevice(t, srv, testkit.InspectorA, "device-inspector-a")
	supervisor := newDevice(t, srv, testkit.SupervisorA, "device-supervisor-a")
	f := testkit.Side("finding", "a")
	base := inspector.pull(0).Scopes[sync.SubdistrictScope(testkit.SubdistrictA)]
	var v int64
	for _, c := range base.Changes {
		if c.ID == f {
			v = c.V
		}
	}
	if v == 0 {
		t.Fatal("finding a not pulled")
	}
	r1 := results(t, supervisor.push(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: v,
		Set: map[string]any{"responsible_party": "物业公司", "description": "主管补充：三楼"}}))
	if r1[0].Outcome != sync.Applied {
		t.Fatalf("supervisor: %+v", r1)
	}
	// The inspector, offline on the old version, changes the description and the deadline.
	r2 := results(t, inspector.push(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: v,
		Set: map[string]any{"description": "巡查员补充：二楼", "deadline": "2018-06-15 00:00:00.000Z"}}))
	if r2[0].Outcome != sync.Conflicted || len(r2[0].Conflicts) != 1 || r2[0].Issue == "" {
		t.Fatalf("inspector: %+v", r2)
	}
	rec, err := srv.App.FindRecordById("findings", f)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.GetString("description"); got != "主管补充：三楼\n\n巡查员补充：二楼" {
		t.Errorf("description = %q, want both texts", got)
	}
	if rec.GetDateTime("deadline").String() != "2018-06-15 00:00:00.000Z" || rec.GetString("responsible_party") != "物业公司" {
		t.Errorf("non-conflicting fields not merged: %v %v", rec.Get("deadline"), rec.Get("responsible_party"))
	}
	issue, err := srv.App.FindRecordById("sync_issues", r2[0].Issue)
	if err != nil || issue.GetString("kind") != "conflict" || issue.GetString("user") != testkit.InspectorA {
		t.Fatalf("issue: %v %v", issue, err)
	}
}

func TestPush_WrongTypesAreRefusedNotCoerced(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "device-types-a")
	res := results(t, d.push(sync.Mutation{Op: sync.OpPatch, Coll: "households", ID: testkit.Side("household", "a"),
		BaseV: 1, Set: map[string]any{"members": "many", "elderly_alone": "yes"}}))
	if res[0].Outcome != sync.Rejected || res[0].Fields["members"] != "wrong_type" || res[0].Fields["elderly_alone"] != "wrong_type" {
		t.Fatalf("result = %+v", res[0])
	}
	h, err := srv.App.FindRecordById("households", testkit.Side("household", "a"))
	if err != nil || h.GetInt("members") != 1 || !h.GetBool("elderly_alone") {
		t.Fatalf("household changed: %v %v", h, err)
	}
}

func TestPush_AcknowledgedSurvivesARestart(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "device-restart-a")
	m := sync.Mutation{MID: 1, Op: sync.OpCreate, Coll: "places", ID: "restartplace001",
		Data: map[string]any{"kind": "venue", "name": "重启前", "subdistrict": testkit.SubdistrictA, "address": "甲"}}
	first := d.push(m)
	srv.Restart()
	again := d.push(m)
	if first.Status != http.StatusOK || !bytes.Equal(first.Body, again.Body) {
		t.Fatalf("after restart:\n%s\n%s", first.Body, again.Body)
	}
	if _, err := srv.App.FindRecordById("places", "restartplace001"); err != nil {
		t.Fatal(err)
	}
}

// A pulled record is the record REST shows the same user, field for field: every synced
// collection of the fixture, for an inspector, a supervisor and an agency's staff.
func TestPull_DataEqualsREST(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	// A refused edit gives inspector A a sync issue, the one synced collection the fixture
	// has no record of.
	refused := newDevice(t, srv, testkit.InspectorA, "parity-refused")
	if res := results(t, refused.push(sync.Mutation{Op: sync.OpPatch, Coll: "households",
		ID: testkit.Side("household", "a"), BaseV: 1, Set: map[string]any{"members": "many"}})); res[0].Issue == "" {
		t.Fatalf("no sync issue: %+v", res[0])
	}
	seen := map[string]int{}
	for _, user := range []string{testkit.InspectorA, testkit.SupervisorB, testkit.FireStaff} {
		d := newDevice(t, srv, user, "parity-"+user)
		for more := true; more; {
			out := d.pull(7) // small pages: several of them, each ending on a whole transaction
			more = false
			for _, sr := range out.Scopes {
				more = more || sr.HasMore
				for _, c := range sr.Changes {
					if c.Op != "put" {
						continue
					}
					res := srv.Do(http.MethodGet, "/api/collections/"+c.Coll+"/records/"+c.ID, d.token, nil)
					if res.Status != http.StatusOK {
						t.Errorf("%s: pulled %s/%s, REST answers %d", user, c.Coll, c.ID, res.Status)
						continue
					}
					var rest map[string]any
					if err := json.Unmarshal(res.Body, &rest); err != nil {
						t.Fatal(err)
					}
					delete(rest, core.FieldNameCollectionId)
					delete(rest, core.FieldNameCollectionName)
					if !reflect.DeepEqual(c.Data, rest) {
						t.Errorf("%s: %s/%s differs\npull: %v\nREST: %v", user, c.Coll, c.ID, c.Data, rest)
					}
					seen[c.Coll]++
				}
			}
		}
	}
	// The fixture holds records of every synced collection; all must have been compared.
	for _, coll := range sync.SyncedCollections() {
		if seen[coll] == 0 {
			t.Errorf("no record of %s was compared", coll)
		}
	}
}
