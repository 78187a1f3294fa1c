package sync_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func resolve(srv *testkit.Server, token, issue, decision string) testkit.Response {
	return srv.Do(http.MethodPost, "/api/sync/v1/issues/"+issue+"/resolve", token, sync.ResolveRequest{Decision: decision})
}

func TestResolve_SupervisorAcceptsAQuarantinedCreate(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	// Inspector A records a place in A offline, is moved to B, then pushes: quarantined for A.
	d := newDevice(t, srv, testkit.InspectorA, "device-inspector-a")
	create := at(advance(time.Hour), sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: "quarantined0001",
		Data: map[string]any{"kind": "venue", "name": "跨界小店", "subdistrict": testkit.SubdistrictA, "address": "边界路 1 号"}})
	advance(time.Hour)
	moveTo(t, srv, testkit.InspectorA, testkit.SubdistrictB)
	res := d.pushAt(advance(time.Hour), create)
	if res[0].Outcome != sync.Quarantined {
		t.Fatalf("push: %+v", res)
	}
	issue := res[0].Issue
	// Nobody but a supervisor of A may decide; others get the same 404 as a missing issue.
	for _, who := range []string{testkit.InspectorA, testkit.SupervisorB, testkit.InspectorB} {
		if r := resolve(srv, srv.Token("users", who), issue, sync.Accept); r.Status != http.StatusNotFound {
			t.Errorf("%s accept: %d %s", who, r.Status, r.Body)
		}
	}
	sup := srv.Token("users", testkit.SupervisorA)
	if r := resolve(srv, sup, issue, sync.Accept); r.Status != http.StatusOK || r.JSON(t)["status"] != "accepted" {
		t.Fatalf("supervisor accept: %d %s", r.Status, r.Body)
	}
	place, err := app.FindRecordById("places", "quarantined0001")
	if err != nil || place.GetString("name") != "跨界小店" || place.GetString("author") != testkit.SupervisorA {
		t.Fatalf("accepted place: %v %v", place, err)
	}
	if r := resolve(srv, sup, issue, sync.Discard); r.Status != http.StatusConflict {
		t.Fatalf("second decision: %d %s", r.Status, r.Body)
	}
}

func TestResolve_ConflictAcceptAppliesTheAuthorsValue(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	inspector := newDevice(t, srv, testkit.InspectorA, "device-inspector-a")
	supervisor := newDevice(t, srv, testkit.SupervisorA, "device-supervisor-a")
	f := testkit.Side("finding", "a")
	results(t, supervisor.push(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1,
		Set: map[string]any{"responsible_party": "物业"}}))
	res := results(t, inspector.push(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: f, BaseV: 1,
		Set: map[string]any{"responsible_party": "房东"}}))
	if res[0].Outcome != sync.Conflicted || res[0].Conflicts[0].Resolution != sync.ServerKept {
		t.Fatalf("conflict: %+v", res)
	}
	// The author acknowledges nothing yet; the supervisor sides with the inspector.
	if r := resolve(srv, srv.Token("users", testkit.SupervisorA), res[0].Issue, sync.Accept); r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	rec, _ := app.FindRecordById("findings", f)
	if rec.GetString("responsible_party") != "房东" {
		t.Fatalf("responsible_party = %q", rec.GetString("responsible_party"))
	}
}

func TestResolve_RejectedCanOnlyBeAcknowledged(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-inspector-a")
	res := results(t, d.push(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
		Set: map[string]any{"status": "closed"}}))
	if res[0].Outcome != sync.Rejected {
		t.Fatalf("push: %+v", res)
	}
	if r := resolve(srv, srv.Token("users", testkit.SupervisorA), res[0].Issue, sync.Accept); r.Status != http.StatusBadRequest || r.JSON(t)["code"] != "cannot_accept_rejected" {
		t.Fatalf("accept rejected: %d %s", r.Status, r.Body)
	}
	if r := resolve(srv, d.token, res[0].Issue, sync.Acknowledge); r.Status != http.StatusOK {
		t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
	}
	if r := resolve(srv, d.token, res[0].Issue, "maybe"); r.Status != http.StatusBadRequest {
		t.Fatalf("bad decision: %d %s", r.Status, r.Body)
	}
}
