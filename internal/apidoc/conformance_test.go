package apidoc_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/apidoc"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestConformance drives a live server through every endpoint and every answer the
// document lists, checks each request and answer against the document and each pulled
// record against its collection's schema, then checks that nothing the document promises
// went unexercised.
func TestConformance(t *testing.T) {
	k := theContract(t)
	scenarios := []struct {
		name string
		run  func(*testing.T, *contract)
	}{
		{"clients", clientsScenario},
		{"pull", pullScenario},
		{"pull_agency_and_supervisor", pullRolesScenario},
		{"push", pushScenario},
		{"resolve", resolveScenario},
		{"revoked", revokedScenario},
		{"refused_at_the_door", doorScenario},
		{"vocab", vocabScenario},
		{"reports", reportsScenario},
		{"poke", pokeScenario},
		{"programmes", programmesScenario},
		{"photos", photosScenario},
		{"photos_busy", photosBusyScenario},
		{"rectify", rectifyScenario},
		{"tutoring_routes", tutoringRoutesScenario},
		{"dust_alarm_monthly", dustAlarmMonthlyScenario},
		{"intake_keys_city_console", intakeKeysCityConsoleScenario},
	}
	ran := 0
	for _, s := range scenarios {
		if t.Run(s.name, func(t *testing.T) { s.run(t, k) }) {
			ran++
		}
	}
	t.Run("coverage", func(t *testing.T) {
		if ran < len(scenarios) {
			t.Skip("coverage is judged only when every scenario ran and passed")
		}
		checkCoverage(t, k)
	})
}

var recordName = apidoc.RecordSchemaName

// unprovokable are documented answers no scenario can cause without breaking the server, by
// status or by the answer ("POST /path 503").
var unprovokable = map[string]string{
	"500": "a server failure; the sync code answers Error with code internal",
	"POST /api/sync/v1/push 503": "a push queue longer than the bound (sync_busy): needs a held writer and a small bound; " +
		"internal/sync's TestPush_BusyRefusesBeforeStoring provokes it",
}

func checkCoverage(t *testing.T, k *contract) {
	for _, a := range k.documentedAnswers() {
		status := a[strings.LastIndex(a, " ")+1:]
		if _, ok := unprovokable[status]; ok {
			continue
		}
		if _, ok := unprovokable[a]; ok {
			continue
		}
		if !k.answers[a] {
			t.Errorf("the document promises %q, but no scenario received that answer", a)
		}
	}
	for _, coll := range k.collections() {
		if !k.records[coll] {
			t.Errorf("no pulled %s record was checked against %s", coll, recordName(coll))
		}
	}
}

// collections lists the synced collections the document names.
func (k *contract) collections() []string {
	v, _ := k.pointer("/components/schemas/Collection/enum")
	var out []string
	for _, c := range v.([]any) {
		out = append(out, c.(string))
	}
	return out
}

func clientsScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-clients-a")
	reg := p.register()
	wantStatus(t, "register", reg, http.StatusOK, "")
	var res sync.ClientResponse
	reg.decode(t, &res)
	version, _ := k.pointer("/info/x-fieldsync-schema-version")
	if fmt.Sprint(res.SchemaVersion) != fmt.Sprint(version) || res.LastMID != 0 {
		t.Errorf("registration: %+v; the document's schema version is %v", res, version)
	}
	wantStatus(t, "register again", p.register(), http.StatusOK, "")
	other := newPhone(t, k, srv, testkit.InspectorB, p.id)
	wantStatus(t, "another user's client id", other.register(), http.StatusForbidden, "client_taken")
	// Requests the document forbids go out raw, past the request check.
	bad := p.post("/api/sync/v1/clients", `{"client_id": "no", "app_version": "1.0.0", "schema_version": 1}`)
	wantStatus(t, "short client id", bad, http.StatusBadRequest, "validation_failed")
	wantStatus(t, "bad JSON", p.post("/api/sync/v1/clients", `{"client_id": `), http.StatusBadRequest, "bad_json")
}

func pullScenario(t *testing.T, k *contract) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-pull-a")
	p.register()
	sdA, sdB := sync.SubdistrictScope(testkit.SubdistrictA), sync.SubdistrictScope(testkit.SubdistrictB)

	pages := p.pullAll(7)
	if len(pages) < 2 {
		t.Fatalf("a download in pages of 7 rows took %d page", len(pages))
	}
	for sc, sr := range pages[0].Scopes {
		if sr.Status != sync.StatusAdded {
			t.Errorf("first pull of %s: status %s, want added", sc, sr.Status)
		}
	}
	for sc, sr := range p.pull(0).Scopes {
		if sr.Status != sync.StatusOK || len(sr.Changes) != 0 {
			t.Errorf("pull at the head, %s: %+v", sc, sr)
		}
	}

	// An administrator deletes a record: the next pull removes it.
	stale := p.cursors[sdA]
	admin := srv.Token("_superusers", testkit.Superuser)
	class := testkit.Side("class", "a")
	if res := srv.Do(http.MethodDelete, "/api/collections/centre_classes/records/"+class, admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	changes := p.pull(0).Scopes[sdA].Changes
	if len(changes) != 1 || changes[0].Op != "remove" || changes[0].ID != class {
		t.Errorf("after the delete: %+v", changes)
	}

	// Compaction drops the removal marker: a cursor from before it is reset.
	if _, err := sync.Compact(app, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	p.cursors[sdA] = stale
	if sr := p.pull(0).Scopes[sdA]; sr.Status != sync.StatusReset {
		t.Errorf("stale cursor after compaction: %+v", sr)
	}

	// The district moves the inspector to subdistrict B.
	user, err := app.FindRecordById("users", testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	user.Set("subdistricts", []string{testkit.SubdistrictB})
	access.AsSystem(user)
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	p.token = srv.Token("users", testkit.InspectorA)
	moved := p.pull(0)
	if sr := moved.Scopes[sdA]; sr == nil || sr.Status != sync.StatusRemoved {
		t.Errorf("the lost scope: %+v", sr)
	}
	if sr := moved.Scopes[sdB]; sr == nil || sr.Status != sync.StatusAdded {
		t.Errorf("the gained scope: %+v", sr)
	}

	raw := `{"client_id": "phone-pull-a", "scopes": {"everything": {"cursor": 0}}}`
	wantStatus(t, "an invalid scope", p.post("/api/sync/v1/pull", raw), http.StatusBadRequest, "bad_scope")
	wantStatus(t, "bad JSON", p.post("/api/sync/v1/pull", `{"scopes": [`), http.StatusBadRequest, "bad_json")
	stranger := newPhone(t, k, srv, testkit.InspectorB, "phone-never-registered")
	wantStatus(t, "an unregistered client", stranger.post("/api/sync/v1/pull",
		sync.PullRequest{ClientID: stranger.id, Scopes: map[sync.Scope]sync.ScopeRequest{}}), http.StatusForbidden, "client_unknown")
}

// pullRolesScenario downloads as agency staff (the ag: scope) and as a supervisor.
func pullRolesScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	for _, user := range []string{testkit.FireStaff, testkit.EnvStaff, testkit.SupervisorB} {
		p := newPhone(t, k, srv, user, "phone-role-"+user)
		wantStatus(t, "register "+user, p.register(), http.StatusOK, "")
		p.pullAll(0)
	}
}

func pushScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ins := newPhone(t, k, srv, testkit.InspectorA, "phone-push-a")
	sup := newPhone(t, k, srv, testkit.SupervisorA, "phone-push-sup-a")
	insB := newPhone(t, k, srv, testkit.InspectorB, "phone-push-b")
	for _, p := range []*phone{ins, sup, insB} {
		p.register()
	}
	f := testkit.Side("finding", "a")
	create := sync.Mutation{Op: sync.OpCreate, Coll: "findings", ID: "k3v9x0a1b2c3d4e", DeviceTime: "2018-05-02T09:13:00+08:00",
		Data: map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
			"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}}
	if r := ins.results(create); r[0].Outcome != sync.Applied {
		t.Errorf("create: %s", outcomes(r))
	}
	create.MID = 1
	if r := ins.results(create); r[0].Outcome != sync.Applied || r[0].MID != 1 {
		t.Errorf("the same mid again: %s", outcomes(r))
	}
	if r := sup.results(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1,
		Set: map[string]any{"responsible_party": "物业公司", "description": "主管补充：三楼"}}); r[0].Outcome != sync.Applied {
		t.Errorf("supervisor's patch: %s", outcomes(r))
	}
	got := ins.results(
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1, Set: map[string]any{"deadline": "2018-06-15 00:00:00.000Z"}},
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1, Set: map[string]any{"description": "巡查员补充：二楼"}},
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1, Set: map[string]any{"status": "closed"}},
		sync.Mutation{Op: sync.OpCmd, Coll: "findings", ID: f, Name: "finding.teleport@9", Args: map[string]any{}},
		sync.Mutation{Op: sync.OpVoid, Coll: "households", ID: testkit.Side("household", "a"), BaseV: 1},
	)
	want := []string{sync.Merged, sync.Conflicted, sync.Rejected, sync.Rejected, sync.Applied}
	for i, w := range want {
		if i >= len(got) || got[i].Outcome != w {
			t.Errorf("outcomes %s, want %v", outcomes(got), want)
			break
		}
	}
	foreign := insB.results(sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: "strangerplace01",
		Data: map[string]any{"kind": "venue", "name": "跨界小店", "subdistrict": testkit.SubdistrictA, "address": "边界路 1 号"}})
	if foreign[0].Outcome != sync.Rejected || foreign[0].Code != "forbidden" {
		t.Errorf("a create in a subdistrict never held: %s", outcomes(foreign))
	}
	moveUser(t, srv, testkit.InspectorB, testkit.SubdistrictA)
	q := insB.results(sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: "quarantined0001",
		Data: map[string]any{"kind": "venue", "name": "离线记录", "subdistrict": testkit.SubdistrictB, "address": "调岗路 1 号"}})
	if q[0].Outcome != sync.Quarantined {
		t.Errorf("a create in a subdistrict lost while offline: %s", outcomes(q))
	}

	gap := ins.push(sync.Mutation{MID: ins.mid + 5, Op: sync.OpVoid, Coll: "findings", ID: f, BaseV: 3})
	wantStatus(t, "a mid gap", gap, http.StatusConflict, "mid_gap")
	many := make([]sync.Mutation, 501)
	for i := range many {
		many[i] = sync.Mutation{MID: int64(i + 1), Op: sync.OpVoid, Coll: "places", ID: "manyplaces00001", BaseV: 1}
	}
	wantStatus(t, "too many mutations", ins.push(many...), http.StatusBadRequest, "too_many_mutations")
	wantStatus(t, "bad JSON", ins.post("/api/sync/v1/push", `{"mutations": {`), http.StatusBadRequest, "bad_json")
	stranger := newPhone(t, k, srv, testkit.InspectorA, "phone-never-registered")
	wantStatus(t, "an unregistered client", stranger.push(), http.StatusForbidden, "client_unknown")

	// The issues raised reach the authors' phones through their me: scopes.
	for _, p := range []*phone{ins, insB} {
		p.pullAll(0)
	}
	if !k.records["sync_issues"] {
		t.Error("no sync issue reached a phone")
	}
}

// moveUser moves user to subdistrict to, as a district administrator does while the user's
// phone is offline: what the phone pushes next about the subdistrict it left is quarantined.
func moveUser(t *testing.T, srv *testkit.Server, user, to string) {
	t.Helper()
	u, err := srv.App.FindRecordById("users", user)
	if err != nil {
		t.Fatal(err)
	}
	u.Set("subdistricts", []string{to})
	access.AsSystem(u)
	if err := srv.App.Save(u); err != nil {
		t.Fatal(err)
	}
}

func resolveScenario(t *testing.T, k *contract) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	ins := newPhone(t, k, srv, testkit.InspectorA, "phone-resolve-a")
	sup := newPhone(t, k, srv, testkit.SupervisorA, "phone-resolve-sup")
	insB := newPhone(t, k, srv, testkit.InspectorB, "phone-resolve-b")
	supB := newPhone(t, k, srv, testkit.SupervisorB, "phone-resolve-sup-b")
	for _, p := range []*phone{ins, sup, insB, supB} {
		p.register()
	}
	moveUser(t, srv, testkit.InspectorB, testkit.SubdistrictA)
	q := insB.results(sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: "quarantined0002",
		Data: map[string]any{"kind": "venue", "name": "离线记录", "subdistrict": testkit.SubdistrictB, "address": "调岗路 2 号"}})[0]
	wantStatus(t, "accept by someone who may not", ins.resolve(q.Issue, sync.Accept), http.StatusNotFound, "not_found")
	wantStatus(t, "accept", supB.resolve(q.Issue, sync.Accept), http.StatusOK, "")
	wantStatus(t, "a second decision", supB.resolve(q.Issue, sync.Discard), http.StatusConflict, "issue_closed")
	wantStatus(t, "no such issue", sup.resolve("nosuchissue0000", sync.Discard), http.StatusNotFound, "not_found")

	r := ins.results(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
		Set: map[string]any{"status": "closed"}})[0]
	wantStatus(t, "accept a rejection", sup.resolve(r.Issue, sync.Accept), http.StatusBadRequest, "cannot_accept_rejected")
	tmpl, path := "/api/sync/v1/issues/{id}/resolve", "/api/sync/v1/issues/"+r.Issue+"/resolve"
	wantStatus(t, "a bad decision", call(t, k, srv, ins.token, ins.id, http.MethodPost, tmpl, path, `{"decision": "maybe"}`),
		http.StatusBadRequest, "bad_decision")
	wantStatus(t, "bad JSON", call(t, k, srv, ins.token, ins.id, http.MethodPost, tmpl, path, `{"decision": `),
		http.StatusBadRequest, "bad_json")
	wantStatus(t, "acknowledge", ins.resolve(r.Issue, sync.Acknowledge), http.StatusOK, "")

	// Accepting a conflict on a record voided since: the lock refuses it and the issue stays open.
	f := testkit.Side("finding", "a")
	sup.results(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1, Set: map[string]any{"responsible_party": "物业"}})
	c := ins.results(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1, Set: map[string]any{"responsible_party": "房东"}})[0]
	rec, err := app.FindRecordById("findings", f)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("voided", true)
	access.AsSystem(rec)
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "accept on a voided record", sup.resolve(c.Issue, sync.Accept), http.StatusBadRequest, "validation_failed")
	wantStatus(t, "the author acknowledges it", ins.resolve(c.Issue, sync.Acknowledge), http.StatusOK, "")
}

// revokedScenario: a revoked installation is refused everywhere its header goes.
func revokedScenario(t *testing.T, k *contract) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-revoked-a")
	p.register()
	issue := p.results(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
		Set: map[string]any{"status": "closed"}})[0].Issue
	c, err := app.FindFirstRecordByData("sync_clients", "client_id", p.id)
	if err != nil {
		t.Fatal(err)
	}
	c.Set("revoked", true)
	access.AsSystem(c)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "register", p.register(), http.StatusForbidden, "client_revoked")
	wantStatus(t, "pull", p.post("/api/sync/v1/pull", sync.PullRequest{ClientID: p.id, Scopes: p.cursors}), http.StatusForbidden, "client_revoked")
	wantStatus(t, "push", p.push(), http.StatusForbidden, "client_revoked")
	wantStatus(t, "resolve", p.resolve(issue, sync.Acknowledge), http.StatusForbidden, "client_revoked")
	vocab := call(t, k, srv, "", p.id, http.MethodGet, "/api/fs/vocab", "/api/fs/vocab", nil)
	wantStatus(t, "vocab", vocab, http.StatusForbidden, "client_revoked")
	// The body's client_id is checked too, without the header. The revocation voided the
	// phone's token, so this is its user signed in again.
	p.id = ""
	a := call(t, k, srv, srv.Token("users", testkit.InspectorA), "", http.MethodPost, "/api/sync/v1/pull", "/api/sync/v1/pull",
		sync.PullRequest{ClientID: "phone-revoked-a", Scopes: p.cursors})
	wantStatus(t, "pull without the header", a, http.StatusForbidden, "client_revoked")
}

// doorScenario: the answers PocketBase gives before the sync code runs, on every sync route.
func doorScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	admin := srv.Token("_superusers", testkit.Superuser)
	user := srv.Token("users", testkit.InspectorA)
	huge := make([]byte, 16<<20+1)
	for i := range huge {
		huge[i] = ' '
	}
	for _, tmpl := range []string{"/api/sync/v1/clients", "/api/sync/v1/pull", "/api/sync/v1/push", "/api/sync/v1/issues/{id}/resolve"} {
		path := strings.Replace(tmpl, "{id}", "nosuchissue0000", 1)
		wantStatus(t, tmpl+" without a token", call(t, k, srv, "", "", http.MethodPost, tmpl, path, "{}"), http.StatusUnauthorized, "")
		a := call(t, k, srv, admin, "", http.MethodPost, tmpl, path, "{}")
		if a.Status != http.StatusForbidden || a.code(t) != "" {
			t.Errorf("%s with a superuser's token: %d %s", tmpl, a.Status, a.Body)
		}
		wantStatus(t, tmpl+" with a huge body", call(t, k, srv, user, "", http.MethodPost, tmpl, path, huge),
			http.StatusRequestEntityTooLarge, "")
	}
}

// vocabScenario: the vocabularies are public, and every select field's values are the
// values of the vocabulary it names.
func vocabScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	a := call(t, k, srv, "", "", http.MethodGet, "/api/fs/vocab", "/api/fs/vocab", nil)
	wantStatus(t, "vocab", a, http.StatusOK, "")
	var body struct {
		Enums []struct {
			Name  string
			Terms []struct{ Value string }
		}
	}
	a.decode(t, &body)
	live := map[string][]string{}
	for _, e := range body.Enums {
		for _, term := range e.Terms {
			live[e.Name] = append(live[e.Name], term.Value)
		}
	}
	for _, coll := range k.collections() {
		props, _ := k.pointer("/components/schemas/" + recordName(coll) + "/properties")
		for field, p := range props.(map[string]any) {
			p := p.(map[string]any)
			name, ok := p["x-fieldsync-vocab"].(string)
			if !ok {
				continue
			}
			enum, _ := p["enum"].([]any)
			if items, ok := p["items"].(map[string]any); ok {
				enum, _ = items["enum"].([]any)
			}
			var values []string
			for _, v := range enum {
				if v != "" {
					values = append(values, v.(string))
				}
			}
			if !slices.Equal(values, live[name]) {
				t.Errorf("%s.%s: the document's values %v, the vocabulary %s has %v", coll, field, values, name, live[name])
			}
		}
	}
}
