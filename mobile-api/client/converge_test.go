package client_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

func jsonDecode(data []byte, v any) error { return json.Unmarshal(data, v) }

// Two phones of inspector A and one of supervisor A work offline on the same finding and
// inspection, then sync in every order, some with tiny pages and batches. All end with exactly
// the server's records, and every word anyone typed into the finding's description survives.
func TestSync_ConvergesInEveryOrder(t *testing.T) {
	type run struct {
		order             []int
		pullRows, maxPush int
	}
	runs := []run{{order: []int{0, 1, 2}}, {order: []int{0, 2, 1}}, {order: []int{1, 0, 2}},
		{order: []int{1, 2, 0}}, {order: []int{2, 0, 1}}, {order: []int{2, 1, 0}},
		{[]int{2, 1, 0}, 1, 1}, {[]int{0, 1, 2}, 3, 2}}
	for _, r := range runs {
		t.Run(fmt.Sprintf("%v/rows=%d/push=%d", r.order, r.pullRows, r.maxPush), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			small := func(cfg *client.Config) { cfg.PullRows, cfg.MaxPush = r.pullRows, r.maxPush }
			users := []string{testkit.InspectorA, testkit.InspectorA, testkit.SupervisorA}
			phones := []*client.Client{e.open(users[0], "inspector-a-1", small), e.open(users[1], "inspector-a-2", small),
				e.open(users[2], "supervisor-a", small)}
			for _, p := range phones {
				sync(t, p)
			}
			created := workOffline(t, phones)
			for _, i := range r.order {
				sync(t, phones[i])
			}
			for _, p := range phones {
				pull(t, p)
			}
			conflicts := 0
			for i, p := range phones {
				e.assertConverged(p, users[i])
				for _, is := range must[[]client.Issue](t)(p.Issues(t.Context())) {
					if is.Result.Outcome != client.Conflicted {
						t.Errorf("%s: unexpected issue %+v", p.ID(), is)
					}
					conflicts++
				}
			}
			// The description's second and third writers, and the notes' second writer.
			if conflicts != 3 {
				t.Errorf("%d conflicts reported, want 3", conflicts)
			}
			tr := e.truth(testkit.InspectorA)
			finding := tr.records["findings/"+testkit.Side("finding", "a")].Data
			for _, typed := range []string{"一号：二楼私拉电线", "二号：三楼堆放杂物", "主管：已通知物业"} {
				if !strings.Contains(finding["description"].(string), typed) {
					t.Errorf("description %q lost %q", finding["description"], typed)
				}
			}
			if finding["responsible_party"] != "房东" || finding["supervised"] != true ||
				finding["deadline"] != "2018-06-20 00:00:00.000Z" {
				t.Errorf("non-conflicting fields not all kept: %v", finding)
			}
			for key, want := range created {
				if got := tr.records[key]; got.Data["description"] != want && got.Data["notes"] != want {
					t.Errorf("%s = %v, want %q", key, got.Data, want)
				}
			}
		})
	}
}

// workOffline makes each phone's edits without syncing, and returns the records created with
// the text they must end with.
func workOffline(t *testing.T, phones []*client.Client) map[string]string {
	t.Helper()
	ctx := t.Context()
	finding, inspection := testkit.Side("finding", "a"), testkit.Side("inspection", "a")
	edit := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ins1, ins2, sup := phones[0], phones[1], phones[2]
	f1 := must[string](t)(ins1.Create(ctx, "findings", map[string]any{
		"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"category": "fire.wiring", "severity": "general", "description": "一号：楼道堆物"}))
	edit(ins1.Patch(ctx, "findings", f1, map[string]any{"description": "一号：楼道堆物，已拍照"}))
	i1 := must[string](t)(ins1.Create(ctx, "inspections", map[string]any{
		"programme": "fire", "kind": "routine", "place": testkit.Side("venue", "a"),
		"subdistrict": testkit.SubdistrictA, "inspected_at": "2018-05-03 10:00:00.000Z", "result": "pass",
		"notes": "一号：复查合格"}))
	edit(ins1.Patch(ctx, "findings", finding, map[string]any{"description": "一号：二楼私拉电线", "responsible_party": "房东"}))
	edit(ins2.Patch(ctx, "findings", finding, map[string]any{"description": "二号：三楼堆放杂物", "deadline": "2018-06-20 00:00:00.000Z"}))
	edit(ins2.Patch(ctx, "inspections", inspection, map[string]any{"notes": "二号补充"}))
	edit(sup.Patch(ctx, "findings", finding, map[string]any{"description": "主管：已通知物业", "severity": "major"}))
	edit(sup.Patch(ctx, "inspections", inspection, map[string]any{"notes": "主管意见"}))

	// The local copies show the edits at once, before any push.
	r := must[client.Record](t)(ins1.Get(ctx, "findings", f1))
	if !r.Dirty || r.V != 0 || r.Data["description"] != "一号：楼道堆物，已拍照" {
		t.Fatalf("local create: %+v", r)
	}
	r = must[client.Record](t)(ins2.Get(ctx, "findings", finding))
	if !r.Dirty || r.V == 0 || r.Data["description"] != "二号：三楼堆放杂物" || r.Data["category"] != "fire.group_rental" {
		t.Fatalf("local patch: %+v", r)
	}
	return map[string]string{"findings/" + f1: "一号：楼道堆物，已拍照", "inspections/" + i1: "一号：复查合格"}
}

// A patch that sets every field to the value it already has still saves the record, and
// PocketBase moves its "updated" stamp: phones must receive that as a new version, or they keep
// a stale stamp at the same version, which the version-based checksum cannot see. (Fixed on
// the server in ad09c87; found by this test.)
func TestSync_NoOpPatchKeepsCopiesEqual(t *testing.T) {
	e := newEnv(t)
	p, q := e.open(testkit.InspectorA, "one"), e.open(testkit.SupervisorA, "two")
	sync(t, p)
	sync(t, q)
	f := testkit.Side("finding", "a")
	r := must[client.Record](t)(p.Get(t.Context(), "findings", f))
	if err := p.Patch(t.Context(), "findings", f, map[string]any{"description": r.Data["description"]}); err != nil {
		t.Fatal(err)
	}
	sync(t, p)
	pull(t, q)
	e.assertConverged(p, testkit.InspectorA)
	e.assertConverged(q, testkit.SupervisorA)
}

// Server code that saves the same record object twice, the second time putting a field back
// to the value it was loaded with, must be logged like any write: otherwise a finding of B
// stays in the environment bureau's scope after its referral is taken back, and reaches a
// phone whose user may not read it. (Fixed on the server in ad09c87; found by this test.)
func TestSync_SecondSaveOfARecordIsLogged(t *testing.T) {
	e := newEnv(t)
	f, err := e.srv.App.FindRecordById("findings", testkit.Side("finding", "b"))
	if err != nil {
		t.Fatal(err)
	}
	for _, agency := range []string{testkit.AgencyEnv, ""} {
		f.Set("agency", agency)
		access.AsSystem(f)
		if err := e.srv.App.Save(f); err != nil {
			t.Fatal(err)
		}
	}
	p := e.open(testkit.EnvStaff, "env")
	sync(t, p)
	if _, err := p.Get(t.Context(), "findings", f.Id); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("a finding no longer referred to the bureau reached its phone: %v", err)
	}
}
