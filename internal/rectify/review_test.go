package rectify_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

func push(t *testing.T, srv *testkit.Server, user, client string, m sync.Mutation) map[string]any {
	t.Helper()
	token := srv.Token("users", user)
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token, sync.ClientRequest{ClientID: client}); res.Status != http.StatusOK {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, sync.PushRequest{ClientID: client, Mutations: []sync.Mutation{m}})
	if res.Status != http.StatusOK {
		t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)["results"].([]any)[0].(map[string]any)
}

func TestReview_SupervisorApprovesAndTheInspectionLocks(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	id := testkit.Side("inspection", "a")
	review := func(decision string) sync.Mutation {
		return sync.Mutation{MID: 1, Op: sync.OpCmd, Coll: "inspections", ID: id, Name: rectify.ReviewCommand,
			Args: map[string]any{"decision": decision}}
	}
	if r := push(t, srv, testkit.InspectorA, "device-inspector-a", review("approve")); r["outcome"] != sync.Rejected || r["code"] != "review_needs_supervisor" {
		t.Fatalf("inspector review: %v", r)
	}
	if r := push(t, srv, testkit.SupervisorA, "device-supervisor-a", review("maybe")); r["code"] != "review_bad_decision" {
		t.Fatalf("bad decision: %v", r)
	}
	m := review("approve")
	m.MID = 2
	if r := push(t, srv, testkit.SupervisorA, "device-supervisor-a", m); r["outcome"] != sync.Applied {
		t.Fatalf("supervisor approve: %v", r)
	}
	rec, err := srv.App.FindRecordById("inspections", id)
	if err != nil || rec.GetString("review") != "approved" || rec.GetString("reviewed_by") != testkit.SupervisorA {
		t.Fatalf("inspection after review: %v %v", rec, err)
	}
	// Approved means locked, at every door.
	res := srv.Do(http.MethodPatch, "/api/collections/inspections/records/"+id, srv.Token("users", testkit.InspectorA),
		map[string]any{"notes": "补充"})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("patch of an approved inspection: %d %s", res.Status, res.Body)
	}
}
