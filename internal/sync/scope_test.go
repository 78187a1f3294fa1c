package sync_test

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// localChecksum computes a scope's checksum from pulled changes as a client does.
func localChecksum(changes []sync.Change) string {
	var sum int64
	for _, c := range changes {
		if c.Op != "put" {
			continue
		}
		f := fnv.New64a()
		fmt.Fprintf(f, "%s/%s/%d", c.Coll, c.ID, c.V)
		sum ^= int64(f.Sum64())
	}
	return sync.FormatChecksum(sum)
}

// pullAll pulls until no scope has more and returns the device's copy of every scope, as a
// client keeps it across pulls, with the checksums of the scopes at the head.
func pullAll(d *device, limit int) (map[sync.Scope]map[string]sync.Change, map[sync.Scope]string) {
	d.t.Helper()
	if d.local == nil {
		d.local = map[sync.Scope]map[string]sync.Change{}
	}
	got := d.local
	sums := map[sync.Scope]string{}
	for range 1000 {
		out := d.pull(limit)
		more := false
		for sc, sr := range out.Scopes {
			if got[sc] == nil || sr.Status == sync.StatusReset || sr.Status == sync.StatusRemoved {
				got[sc] = map[string]sync.Change{}
			}
			for _, c := range sr.Changes {
				key := c.Coll + "/" + c.ID
				if c.Op == "remove" {
					delete(got[sc], key)
				} else {
					got[sc][key] = c
				}
			}
			if sr.HasMore {
				more = true
			} else {
				sums[sc] = sr.Checksum
			}
		}
		if !more {
			return got, sums
		}
	}
	d.t.Fatal("pull never reached the head")
	return nil, nil
}

func values(m map[string]sync.Change) []sync.Change {
	out := make([]sync.Change, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	return out
}

func TestPull_PagesAndChecksums(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	writer := newDevice(t, srv, testkit.InspectorA, "device-writer-a")
	// One push of 30 creates: 30 transactions, since each mutation commits on its own.
	var ms []sync.Mutation
	for i := range 30 {
		ms = append(ms, sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: fmt.Sprintf("pagedplace%05d", i),
			Data: map[string]any{"kind": "venue", "name": fmt.Sprintf("小商店 %d", i),
				"subdistrict": testkit.SubdistrictA, "address": "测试街"}})
	}
	if res := writer.push(ms...); res.Status != http.StatusOK {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	whole := newDevice(t, srv, testkit.InspectorA, "device-whole-a")
	paged := newDevice(t, srv, testkit.InspectorA, "device-paged-a")
	all, sums := pullAll(whole, 0)
	pages, psums := pullAll(paged, 7)
	for sc, recs := range all {
		if len(pages[sc]) != len(recs) {
			t.Errorf("%s: paged pull has %d records, whole pull %d", sc, len(pages[sc]), len(recs))
		}
		if sums[sc] != psums[sc] || localChecksum(values(recs)) != sums[sc] {
			t.Errorf("%s: checksums whole=%s paged=%s local=%s", sc, sums[sc], psums[sc], localChecksum(values(recs)))
		}
	}
}

func TestPull_PageNeverSplitsATransaction(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	// Ten places saved in one transaction share one seq.
	err := app.RunInTransaction(func(tx core.App) error {
		coll, _ := tx.FindCollectionByNameOrId("places")
		for i := range 10 {
			r := core.NewRecord(coll)
			r.Load(map[string]any{"kind": "venue", "name": fmt.Sprintf("批量 %d", i),
				"subdistrict": testkit.SubdistrictA, "address": "批量路"})
			access.AsSystem(r)
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d := newDevice(t, srv, testkit.InspectorA, "device-tx-a")
	sd := sync.SubdistrictScope(testkit.SubdistrictA)
	pageOf := map[int64]map[int]int{} // seq -> page -> rows
	for page := 0; page < 100; page++ {
		sr := d.pull(4).Scopes[sd]
		for _, c := range sr.Changes {
			if pageOf[c.Seq] == nil {
				pageOf[c.Seq] = map[int]int{}
			}
			pageOf[c.Seq][page]++
		}
		if !sr.HasMore {
			break
		}
	}
	batch := false
	for seq, pages := range pageOf {
		if len(pages) != 1 {
			t.Errorf("seq %d split across pages %v", seq, pages)
		}
		for _, n := range pages {
			batch = batch || n == 10
		}
	}
	if !batch {
		t.Fatalf("the ten-record transaction never arrived whole: %v", pageOf)
	}
}

func TestPull_ScopeMovesWithMembership(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-mover-a")
	// The package's injected clock stands still unless a test moves it: the download, the
	// offline edit and the move each take their own moment, or this test depends on the ones
	// that ran before it (alone, everything happened at the same instant and the edit could not
	// be shown to predate the move).
	advance(time.Minute)
	initial := d.pull(0)
	advance(time.Minute)
	var findingV int64
	for _, c := range initial.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)].Changes {
		if c.ID == testkit.Side("finding", "a") {
			findingV = c.V
		}
	}
	// Offline, the inspector edits a finding of A and records a new place in A...
	// ...while the district moves them to subdistrict B.
	user, err := app.FindRecordById("users", testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	user.Set("subdistricts", []string{testkit.SubdistrictB})
	access.AsSystem(user)
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	d.token = srv.Token("users", testkit.InspectorA)
	res := results(t, d.push(
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: findingV,
			Set: map[string]any{"responsible_party": "房东"}},
		sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: "offlineplace001",
			Data: map[string]any{"kind": "venue", "name": "地下室", "subdistrict": testkit.SubdistrictA, "address": "旧地址"}},
	))
	for _, r := range res {
		if r.Outcome != sync.Quarantined || r.Issue == "" {
			t.Fatalf("offline edit after the move: %+v", r)
		}
		issue, err := app.FindRecordById("sync_issues", r.Issue)
		if err != nil || issue.GetString("subdistrict") != testkit.SubdistrictA || issue.GetString("kind") != "quarantined" {
			t.Fatalf("quarantine issue: %v %v", issue, err)
		}
	}
	if rec, _ := app.FindRecordById("findings", testkit.Side("finding", "a")); rec.GetString("responsible_party") == "房东" {
		t.Fatal("quarantined patch was applied")
	}
	out := d.pull(0)
	if got := out.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)]; got == nil || got.Status != sync.StatusRemoved {
		t.Fatalf("old scope: %+v", got)
	}
	if got := out.Scopes[sync.SubdistrictScope(testkit.SubdistrictB)]; got == nil || got.Status != sync.StatusAdded || len(got.Changes) == 0 {
		t.Fatalf("new scope: %+v", got)
	}
	// The supervisor of A sees the quarantined mutations through REST.
	list := srv.Do(http.MethodGet, "/api/collections/sync_issues/records?filter=(kind='quarantined')", srv.Token("users", testkit.SupervisorA), nil)
	if n := list.JSON(t)["totalItems"].(float64); n != 2 {
		t.Fatalf("supervisor A sees %v quarantined issues: %s", n, list.Body)
	}
}

func TestPull_RecordLeavingAScopeIsRemoved(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	fire := newDevice(t, srv, testkit.FireStaff, "device-fire-01")
	ag := sync.AgencyScope(testkit.AgencyFire)
	before, _ := pullAll(fire, 0)
	for _, key := range []string{"places/" + testkit.Side("venue", "a"), "inspections/" + testkit.Side("inspection", "a")} {
		if _, ok := before[ag][key]; !ok {
			t.Fatalf("%s of a referred finding is not in the agency scope: %v", key, keys(before[ag]))
		}
	}
	// The supervisor takes the finding back from the fire brigade: the finding, its place and
	// its enforcement action leave the agency's scope.
	f, err := app.FindRecordById("findings", testkit.Side("finding", "a"))
	if err != nil {
		t.Fatal(err)
	}
	f.Set("agency", "")
	access.AsSystem(f)
	if err := app.Save(f); err != nil {
		t.Fatal(err)
	}
	out := fire.pull(0)
	removed := map[string]bool{}
	for _, c := range out.Scopes[ag].Changes {
		if c.Op == "remove" {
			removed[c.Coll+"/"+c.ID] = true
		}
	}
	for _, key := range []string{"findings/" + f.Id, "places/" + testkit.Side("venue", "a"),
		"inspections/" + testkit.Side("inspection", "a"), "enforcement_actions/" + testkit.Side("enforce", "a")} {
		if !removed[key] {
			t.Errorf("%s not removed from the agency scope; removed = %v", key, removed)
		}
	}
	if sum := out.Scopes[ag].Checksum; sum == "" {
		t.Error("no checksum at the head")
	}
}

func TestDelete_InAdminBecomesRemove(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-delete-a")
	d.pull(0)
	admin := srv.Token("_superusers", testkit.Superuser)
	if res := srv.Do(http.MethodDelete, "/api/collections/centre_classes/records/"+testkit.Side("class", "a"), admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	out := d.pull(0)
	changes := out.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)].Changes
	if len(changes) != 1 || changes[0].Op != "remove" || changes[0].ID != testkit.Side("class", "a") {
		t.Fatalf("changes after delete = %+v", changes)
	}
}

func TestCompact_OldCursorsReset(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-compact-a")
	d.pull(0)
	stale := d.cursors[sync.SubdistrictScope(testkit.SubdistrictA)]
	admin := srv.Token("_superusers", testkit.Superuser)
	srv.Do(http.MethodDelete, "/api/collections/centre_classes/records/"+testkit.Side("class", "a"), admin, nil)
	n, err := sync.Compact(app, now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("compact = %d, %v", n, err)
	}
	out := d.pull(0)
	if st := out.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)].Status; st != sync.StatusReset {
		t.Fatalf("status after compaction = %s, want reset (stale cursor %d)", st, stale.Cursor)
	}
}

func TestLocks_ClosedAndVoidedRecordsRefuseEdits(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-locks-a")
	id := testkit.Side("household", "a")
	res := results(t, d.push(sync.Mutation{Op: sync.OpVoid, Coll: "households", ID: id, BaseV: 1}))
	if res[0].Outcome != sync.Applied {
		t.Fatalf("void: %+v", res)
	}
	res = results(t, d.push(sync.Mutation{Op: sync.OpPatch, Coll: "households", ID: id, BaseV: res[0].V,
		Set: map[string]any{"notes": "再次走访"}}))
	if res[0].Outcome != sync.Rejected || res[0].Code != "validation_failed" || res[0].Fields["voided"] != "record_voided" {
		t.Fatalf("patch of a voided record: %+v", res)
	}
	// The same lock holds at the REST door.
	rest := srv.Do(http.MethodPatch, "/api/collections/households/records/"+id, d.token, map[string]any{"notes": "x"})
	if rest.Status != http.StatusBadRequest {
		t.Fatalf("REST patch of a voided record: %d %s", rest.Status, rest.Body)
	}
	// A superuser can still correct it in the admin UI.
	admin := srv.Do(http.MethodPatch, "/api/collections/households/records/"+id, srv.Token("_superusers", testkit.Superuser),
		map[string]any{"notes": "管理员更正"})
	if admin.Status != http.StatusOK {
		t.Fatalf("admin patch: %d %s", admin.Status, admin.Body)
	}
}

func TestClients_RevokedDeviceIsRefusedEverywhere(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-revoked-a")
	c, err := app.FindFirstRecordByData("sync_clients", "client_id", d.id)
	if err != nil {
		t.Fatal(err)
	}
	c.Set("revoked", true)
	access.AsSystem(c)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	// The revocation voided the phone's token (revoke_test.go); the user signed in again
	// keeps the device refused by the client_id in the body, without the header.
	signedIn := srv.Token("users", testkit.InspectorA)
	for _, path := range []string{"/api/sync/v1/pull", "/api/sync/v1/push", "/api/sync/v1/clients"} {
		res := srv.Do(http.MethodPost, path, signedIn, map[string]any{"client_id": d.id, "scopes": map[string]any{}, "mutations": []any{}})
		if res.Status != http.StatusForbidden || res.JSON(t)["code"] != "client_revoked" {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/collections/findings/records", nil)
	req.Header.Set("Authorization", d.token)
	req.Header.Set(sync.ClientHeader, d.id)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("REST with a revoked device header: %d", res.StatusCode)
	}
}

func TestJournal_ChainsEveryPushAttempt(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-journal-a")
	d.push(sync.Mutation{Op: sync.OpVoid, Coll: "households", ID: testkit.Side("household", "a"), BaseV: 1})
	d.push(sync.Mutation{MID: 9, Op: sync.OpVoid, Coll: "households", ID: testkit.Side("household", "a")})
	n, _ := app.CountRecords("sync_journal")
	if n != 2 {
		t.Fatalf("journal rows = %d, want 2 (one applied push, one gap)", n)
	}
	if bad, err := sync.VerifyJournal(app); err != nil || bad != "" {
		t.Fatalf("verify = %q, %v", bad, err)
	}
	if _, err := app.DB().NewQuery("UPDATE sync_journal SET payload = '{}' WHERE rowid = (SELECT MIN(rowid) FROM sync_journal)").Execute(); err != nil {
		t.Fatal(err)
	}
	if bad, _ := sync.VerifyJournal(app); bad == "" {
		t.Fatal("tampering went unnoticed")
	}
}

func TestPush_RulesApplyAsAtTheRESTDoor(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-rules-a")
	res := results(t, d.push(
		// An inspector may not set a finding's status...
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
			Set: map[string]any{"status": "closed"}},
		// ...nor create quotas (the subdistrict's supervisors report, the brigade allocates)...
		sync.Mutation{Op: sync.OpCreate, Coll: "smoke_alarm_quotas", ID: "quotaattempt001",
			Data: map[string]any{"subdistrict": testkit.SubdistrictA, "unit_type": "ordinary", "year": 2019}},
		// ...nor write a field REST hides or does not have.
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
			Set: map[string]any{"created": "2000-01-01 00:00:00.000Z"}},
		// A valid mutation after the refusals still applies.
		sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
			Set: map[string]any{"responsible_party": "房东张某"}},
	))
	want := []struct{ outcome, code string }{
		{sync.Rejected, "validation_failed"}, {sync.Rejected, "forbidden"}, {sync.Rejected, "unknown_field"}, {sync.Applied, ""},
	}
	for i, w := range want {
		if res[i].Outcome != w.outcome || res[i].Code != w.code {
			t.Errorf("mutation %d: %+v, want %s/%s", i+1, res[i], w.outcome, w.code)
		}
	}
	if res[0].Fields["status"] != "protected_field" {
		t.Errorf("status refusal fields = %v", res[0].Fields)
	}
	n, _ := app.CountRecords("sync_issues", dbx.HashExp{"kind": "rejected"})
	if n != 3 {
		t.Errorf("rejected issues = %d, want 3", n)
	}
	// Every change of the push is attributed to the sync door in the audit trail.
	var door string
	app.DB().NewQuery("SELECT door FROM audit_log WHERE record_id = {:id} ORDER BY created DESC LIMIT 1").
		Bind(map[string]any{"id": testkit.Side("finding", "a")}).Row(&door)
	if door != string(access.DoorSync) {
		t.Errorf("audit door = %q", door)
	}
}

func TestPull_EvidenceFollowsTheReferral(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	fire := newDevice(t, srv, testkit.FireStaff, "device-fire-02")
	ag := sync.AgencyScope(testkit.AgencyFire)
	photo := "photos/" + testkit.Side("photo", "a")
	before, _ := pullAll(fire, 0)
	if _, ok := before[ag][photo]; ok {
		t.Fatal("a photo no referred finding shows reached the agency")
	}
	// The inspector attaches photo A to the referred finding: the brigade receives it.
	f, _ := app.FindRecordById("findings", testkit.Side("finding", "a"))
	f.Set("photos", []string{testkit.Side("photo", "a")})
	access.AsSystem(f)
	if err := app.Save(f); err != nil {
		t.Fatal(err)
	}
	after, sums := pullAll(fire, 0)
	if _, ok := after[ag][photo]; !ok {
		t.Fatalf("the referred finding's photo did not reach the agency: %v", keys(after[ag]))
	}
	if localChecksum(values(after[ag])) != sums[ag] {
		t.Errorf("agency checksum %s, local %s", sums[ag], localChecksum(values(after[ag])))
	}
	// And detaching it takes it away again.
	f.Set("photos", []string{})
	access.AsSystem(f)
	if err := app.Save(f); err != nil {
		t.Fatal(err)
	}
	final, _ := pullAll(fire, 0)
	if _, ok := final[ag][photo]; ok {
		t.Fatal("a detached photo stayed in the agency scope")
	}
}

func TestCompact_PagedDownloadsStillFinish(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	// A removal compacted away raises the horizon above every record of the fixture.
	admin := srv.Token("_superusers", testkit.Superuser)
	srv.Do(http.MethodDelete, "/api/collections/centre_classes/records/"+testkit.Side("class", "a"), admin, nil)
	if n, err := sync.Compact(app, now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("compact = %d, %v", n, err)
	}
	// Pages of three rows: without the floor, the second page's cursor (an old record's seq)
	// is below the horizon, every page answers reset, and pullAll never reaches the head.
	d := newDevice(t, srv, testkit.InspectorA, "device-paged-fresh")
	sd := sync.SubdistrictScope(testkit.SubdistrictA)
	got, sums := pullAll(d, 3)
	if len(got[sd]) < 15 || localChecksum(values(got[sd])) != sums[sd] {
		t.Fatalf("download incomplete: %d records, checksum %s vs %s", len(got[sd]), localChecksum(values(got[sd])), sums[sd])
	}
}
