package sync_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// pushAt pushes mutations, numbering those with mid 0, as a phone whose clock reads sent.
func (d *device) pushAt(sent time.Time, ms ...sync.Mutation) []sync.Result {
	d.t.Helper()
	for i := range ms {
		if ms[i].MID == 0 {
			d.mid++
			ms[i].MID = d.mid
		}
	}
	res := d.srv.Do(http.MethodPost, "/api/sync/v1/push", d.token,
		sync.PushRequest{ClientID: d.id, SentAt: sent.Format(time.RFC3339), Mutations: ms})
	if res.Status != http.StatusOK {
		d.t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	return results(d.t, res)
}

// at stamps m as made when the device's clock read t.
func at(t time.Time, m sync.Mutation) sync.Mutation {
	m.DeviceTime = t.Format(time.RFC3339)
	return m
}

// newFinding is a create of a finding in subdistrict sd at place.
func newFinding(id, sd, place string) sync.Mutation {
	return sync.Mutation{Op: sync.OpCreate, Coll: "findings", ID: id, Data: map[string]any{
		"programme": "fire", "place": place, "subdistrict": sd,
		"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}}
}

func newPlace(id, sd string) sync.Mutation {
	return sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: id, Data: map[string]any{
		"kind": "venue", "name": "离线记录的小店", "subdistrict": sd, "address": "调岗路 1 号"}}
}

func patchFindingA(base int64) sync.Mutation {
	return sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: base,
		Set: map[string]any{"responsible_party": "离线填写的房东"}}
}

// moveTo moves user to subdistrict sd through the admin UI's door, as a district
// administrator does.
func moveTo(t *testing.T, srv *testkit.Server, user, sd string) {
	t.Helper()
	res := srv.Do(http.MethodPatch, "/api/collections/users/records/"+user, srv.Token("_superusers", testkit.Superuser),
		map[string]any{"subdistricts": []string{sd}})
	if res.Status != http.StatusOK {
		t.Fatalf("move %s: %d %s", user, res.Status, res.Body)
	}
}

// anonymous is an outcome without what names its mutation (mid, id, issue): what two
// outcomes must share to be indistinguishable.
func anonymous(t *testing.T, r sync.Result) string {
	t.Helper()
	r.MID, r.ID, r.Issue = 0, "", ""
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// issueSeen is a sync issue as stored, without what names its mutation.
func issueSeen(t *testing.T, app core.App, id string) map[string]any {
	t.Helper()
	issue, err := app.FindRecordById("sync_issues", id)
	if err != nil {
		t.Fatalf("issue %q: %v", id, err)
	}
	data := issue.FieldsData()
	for _, k := range []string{"id", "mid", "record_id", "mutation", "created", "updated"} {
		delete(data, k)
	}
	return data
}

// queued counts the sync issues supervisor A sees in their queue through REST.
func queued(t *testing.T, srv *testkit.Server) float64 {
	t.Helper()
	res := srv.Do(http.MethodGet, "/api/collections/sync_issues/records", srv.Token("users", testkit.SupervisorA), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("supervisor's queue: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)["totalItems"].(float64)
}

// An inspector of B who never belonged to A pushes creates into A: each is refused as forbidden,
// exactly like a create into a subdistrict that does not exist, or with an id A already holds,
// or a create the rules refuse; nothing reaches A's supervisor, and no issue names A.
func TestPush_CreateInAStrangersSubdistrictIsRefused(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	b := newDevice(t, srv, testkit.InspectorB, "device-stranger-b")
	b.pull(0)
	res := b.pushAt(now(),
		at(now(), newFinding("strangerfind001", testkit.SubdistrictA, testkit.Side("venue", "a"))),
		at(now(), newFinding("strangerfind002", "nosuchsubdistr", testkit.Side("venue", "a"))),
		at(now(), newFinding(testkit.Side("finding", "a"), testkit.SubdistrictA, testkit.Side("venue", "a"))),
		at(now(), newPlace("strangerplace01", testkit.SubdistrictA)),
		// A create the rules refuse, in B's own subdistrict: supervisors report a quota's
		// demand and the fire brigade allocates it, never an inspector.
		sync.Mutation{Op: sync.OpCreate, Coll: "smoke_alarm_quotas", ID: "strangerquota01",
			Data: map[string]any{"subdistrict": testkit.SubdistrictB, "unit_type": "ordinary", "year": 2019}},
	)
	if len(res) != 5 {
		t.Fatalf("results: %+v", res)
	}
	quota := res[4]
	if quota.Outcome != sync.Rejected || quota.Code != "forbidden" {
		t.Fatalf("the rules' refusal: %+v", quota)
	}
	first := issueSeen(t, app, res[0].Issue)
	for i, r := range res[:4] {
		if r.Outcome != sync.Rejected || r.Code != quota.Code || r.Message != quota.Message || r.Issue == "" {
			t.Errorf("create %d: %+v, want the rules' refusal %+v", i, r, quota)
		}
		if got := issueSeen(t, app, r.Issue); got["subdistrict"] != "" || (r.Coll == "findings" && !reflect.DeepEqual(got, first)) {
			t.Errorf("create %d's issue %v, want %v with no subdistrict", i, got, first)
		}
		if i < 2 {
			if _, err := app.FindRecordById(r.Coll, r.ID); err == nil {
				t.Errorf("%s/%s exists", r.Coll, r.ID)
			}
		}
	}
	if a, b := anonymous(t, res[0]), anonymous(t, res[1]); a != b {
		t.Errorf("a stranger's subdistrict and no subdistrict answer differently:\n%s\n%s", a, b)
	}
	if a, b := anonymous(t, res[0]), anonymous(t, res[2]); a != b {
		t.Errorf("a fresh id and a hidden record's id answer differently:\n%s\n%s", a, b)
	}
	if n := queued(t, srv); n != 0 {
		t.Errorf("supervisor A has %v issues in their queue", n)
	}
	if r := resolve(srv, srv.Token("users", testkit.SupervisorA), res[0].Issue, sync.Accept); r.Status != http.StatusNotFound {
		t.Errorf("supervisor A accepts the stranger's create: %d %s", r.Status, r.Body)
	}
}

// A patch, void or command on a record the author cannot see, and never could, answers
// exactly like one on a record that does not exist, and files the same issue.
func TestPush_HiddenRecordAnswersLikeAMissingOne(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	b := newDevice(t, srv, testkit.InspectorB, "device-prober-b")
	b.pull(0)
	findingA, err := app.FindRecordById("findings", testkit.Side("finding", "a"))
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]string{"findings": testkit.Side("finding", "a"), "households": testkit.Side("household", "a")}
	pairs := []sync.Mutation{
		patchFindingA(1),
		{Op: sync.OpVoid, Coll: "households", BaseV: 1},
		{Op: sync.OpCmd, Coll: "findings", Name: "finding.order@1",
			Args: map[string]any{"deadline": "2018-06-01 00:00:00.000Z", "responsible_party": "房东"}},
	}
	for _, m := range pairs {
		onHidden, onMissing := m, m
		onHidden.ID, onMissing.ID = hidden[m.Coll], "missingrecord01"
		res := b.pushAt(now(), at(now(), onHidden), at(now(), onMissing))
		if res[0].Outcome != sync.Rejected || res[0].Code != "not_found" {
			t.Errorf("%s on a hidden record: %+v", m.Op, res[0])
		}
		if h, g := anonymous(t, res[0]), anonymous(t, res[1]); h != g {
			t.Errorf("%s: hidden and missing answer differently:\n%s\n%s", m.Op, h, g)
		}
		if h, g := issueSeen(t, app, res[0].Issue), issueSeen(t, app, res[1].Issue); !reflect.DeepEqual(h, g) {
			t.Errorf("%s: hidden and missing file different issues:\n%v\n%v", m.Op, h, g)
		}
	}
	if n := queued(t, srv); n != 0 {
		t.Errorf("supervisor A has %v issues in their queue", n)
	}
	after, err := app.FindRecordById("findings", testkit.Side("finding", "a"))
	if err != nil || !reflect.DeepEqual(after.FieldsData(), findingA.FieldsData()) {
		t.Fatalf("finding a changed: %v %v", after, err)
	}
}

// An inspector of A edits offline, is moved to B, then pushes: the edits are quarantined for
// A's supervisor, who can accept them.
func TestPush_EditMadeBeforeAMoveIsQuarantined(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-moved-a")
	d.pull(0)
	edited := advance(time.Hour)
	patch, create := at(edited, patchFindingA(1)), at(edited, newPlace("movedplace00001", testkit.SubdistrictA))
	advance(time.Hour)
	user, err := app.FindRecordById("users", testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	user.Set("subdistricts", []string{testkit.SubdistrictB}) // as server code does: a model hook records it too
	access.AsSystem(user)
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	d.token = srv.Token("users", testkit.InspectorA)
	res := d.pushAt(advance(time.Hour), patch, create)
	for _, r := range res {
		if r.Outcome != sync.Quarantined || r.Code != "scope_lost" {
			t.Fatalf("an edit made before the move: %+v", r)
		}
		if got := issueSeen(t, app, r.Issue); got["subdistrict"] != testkit.SubdistrictA || got["kind"] != "quarantined" {
			t.Errorf("issue %v", got)
		}
	}
	sup := srv.Token("users", testkit.SupervisorA)
	for _, r := range res {
		if got := resolve(srv, sup, r.Issue, sync.Accept); got.Status != http.StatusOK {
			t.Fatalf("accept %s: %d %s", r.Coll, got.Status, got.Body)
		}
	}
	f, _ := app.FindRecordById("findings", testkit.Side("finding", "a"))
	place, err := app.FindRecordById("places", "movedplace00001")
	if f.GetString("responsible_party") != "离线填写的房东" || err != nil || place.GetString("author") != testkit.SupervisorA {
		t.Fatalf("accepted edits: %v, %v %v", f, place, err)
	}
}

// An inspector moved out of A before making an edit gets what a stranger gets. A device
// claiming an earlier time cannot reach records created after the move, nor scopes the
// device was never given.
func TestPush_EditMadeAfterAMoveIsNotQuarantined(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-moved-a")
	d.pull(0)
	before := advance(time.Hour)
	advance(time.Hour)
	moveTo(t, srv, testkit.InspectorA, testkit.SubdistrictB)
	advance(time.Minute)
	// After the move, A's supervisor records a finding the inspector never saw.
	sup := newDevice(t, srv, testkit.SupervisorA, "device-supervisor-a")
	if r := sup.pushAt(now(), newFinding("afterthemove001", testkit.SubdistrictA, testkit.Side("venue", "a"))); r[0].Outcome != sync.Applied {
		t.Fatalf("supervisor's finding: %+v", r)
	}
	later := advance(time.Hour)
	d.token = srv.Token("users", testkit.InspectorA)
	res := d.pushAt(advance(time.Hour),
		at(later, patchFindingA(1)),
		at(later, newPlace("movedplace00002", testkit.SubdistrictA)),
		// The device claims its edit of the new finding was made before the move.
		at(before, sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: "afterthemove001", BaseV: 1,
			Set: map[string]any{"responsible_party": "房东"}}),
	)
	want := []string{"not_found", "forbidden", "not_found"}
	for i, r := range res {
		if r.Outcome != sync.Rejected || r.Code != want[i] {
			t.Errorf("mutation %d: %+v, want rejected/%s", i+1, r, want[i])
		}
		if got := issueSeen(t, app, r.Issue); got["subdistrict"] != "" {
			t.Errorf("mutation %d's issue names %v", i+1, got["subdistrict"])
		}
	}
	// A device registered after the move was never given A: its claim of an old time is void.
	fresh := newDevice(t, srv, testkit.InspectorA, "device-fresh-a")
	if r := fresh.pushAt(now(), at(before, patchFindingA(1))); r[0].Outcome != sync.Rejected || r[0].Code != "not_found" {
		t.Errorf("a device never given A: %+v", r[0])
	}
	if n := queued(t, srv); n != 0 {
		t.Errorf("supervisor A has %v issues in their queue", n)
	}
}

// A device whose clock is days off is judged on the server's clock, by the offset its push
// shows: an edit made after the move on a slow clock is not quarantined, one made before it
// on a fast clock is.
func TestPush_DeviceClockOffsetIsCorrected(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	slow := newDevice(t, srv, testkit.InspectorA, "device-slow-a")
	fast := newDevice(t, srv, testkit.InspectorA, "device-fast-a")
	const off = 48 * time.Hour
	editedBefore := advance(time.Hour)
	advance(time.Hour)
	moveTo(t, srv, testkit.InspectorA, testkit.SubdistrictB)
	editedAfter := advance(time.Hour)
	pushed := advance(time.Hour)
	for _, d := range []*device{slow, fast} {
		d.token = srv.Token("users", testkit.InspectorA)
	}
	if r := slow.pushAt(pushed.Add(-off), at(editedAfter.Add(-off), patchFindingA(1))); r[0].Outcome != sync.Rejected || r[0].Code != "not_found" {
		t.Errorf("after the move, on a slow clock: %+v", r[0])
	}
	if r := fast.pushAt(pushed.Add(off), at(editedBefore.Add(off), patchFindingA(1))); r[0].Outcome != sync.Quarantined {
		t.Errorf("before the move, on a fast clock: %+v", r[0])
	}
}
