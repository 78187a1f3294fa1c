package rectify_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// Who lists a hazard at which level, at every door.
//
// Gazette line 3404: "落实重大和区域性火灾隐患挂牌督办制度".
// Gazette line 3406: "四是落实区、街镇两级重大隐患政府挂牌督办制度，对上级挂牌督办的重大（区域性）火灾隐患及时整改到位".
func TestSupervision_WhoListsAtWhichLevel(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	n := 0
	finding := func(severity, level string) string {
		n++
		id := testkit.RID("lvl", n)
		category := map[string]string{"major": "fire.multi_in_one", "general": "fire.group_rental"}[severity]
		testkit.Save(t, app, "findings", id, map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"),
			"subdistrict": testkit.SubdistrictA, "category": category, "severity": severity, "status": "open",
			"description": "多合一场所住人", "supervision_level": level})
		return id
	}
	level := func(id string) string {
		r, err := app.FindRecordById("findings", id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetString("supervision_level")
	}
	// One REST door and one phone per user: a phone numbers its pushes, so a second phone
	// object of the same client would replay the first one's answers.
	doors := map[string][]testkit.Door{}
	for _, tc := range []struct {
		user, severity, from, to string
		ok                       bool
		code                     string // the refusal's code on supervision_level; "" where the record is out of reach
	}{
		// The subdistrict lists its major hazards at its own level …
		{testkit.SupervisorA, "major", "", "subdistrict", true, ""},
		// … not at the district's, which is the district government's (区政府) …
		{testkit.SupervisorA, "major", "", "district", false, "finding_listing_district_only"},
		{testkit.SupervisorA, "major", "district", "", false, "finding_listing_district_only"},
		{testkit.SupervisorA, "major", "district", "subdistrict", false, "finding_listing_district_only"},
		// … and lists only major (or regional) hazards.
		{testkit.SupervisorA, "general", "", "subdistrict", false, "finding_listing_needs_major"},
		// An inspector records what was found; listing is not theirs.
		{testkit.InspectorA, "major", "", "subdistrict", false, "protected_field"},
		// Another subdistrict and the agencies do not reach the finding.
		{testkit.SupervisorB, "major", "", "subdistrict", false, ""},
		{testkit.FireStaff, "major", "", "subdistrict", false, ""},
	} {
		if doors[tc.user] == nil {
			doors[tc.user] = testkit.Doors(t, srv, tc.user)
		}
		for _, door := range doors[tc.user] {
			id := finding(tc.severity, tc.from)
			name := fmt.Sprintf("%s %s: %s finding %q → %q", door.Name(), tc.user, tc.severity, tc.from, tc.to)
			o := door.Patch("findings", id, map[string]any{"supervision_level": tc.to})
			if o.OK != tc.ok {
				t.Errorf("%s: ok=%v, want %v: %s", name, o.OK, tc.ok, o)
				continue
			}
			if tc.code != "" && o.Fields["supervision_level"] != tc.code {
				t.Errorf("%s: refused with %v, want supervision_level=%s", name, o.Fields, tc.code)
			}
			want := tc.from
			if tc.ok {
				want = tc.to
			}
			if got := level(id); got != want {
				t.Errorf("%s: stored level %q, want %q", name, got, want)
			}
		}
	}
	// District administrators list at the district's level (REST as the admin UI does).
	id := finding("major", "")
	if o := testkit.NewREST(t, srv, testkit.Superuser).Patch("findings", id, map[string]any{"supervision_level": "district"}); !o.OK {
		t.Fatalf("district administrator lists at the district level: %s", o)
	}
}

// A regional hazard is an area, not one place; it is listed like a major one and, listed, is
// closed only on a supervisor's sign-off.
//
// Gazette line 3404: "落实重大和区域性火灾隐患挂牌督办制度"; line 3452: "特别是在重大火灾隐患和区域性火灾隐患集中整治中".
func TestSupervision_RegionalHazardNamesItsArea(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	n := 0
	for _, door := range testkit.Doors(t, srv, testkit.InspectorA) {
		body := map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
			"category": "fire.group_rental", "severity": "general", "description": "城中村私拉电线普遍", "regional": true}
		n++
		if o := door.Create("findings", testkit.RID("regional", n), body); o.OK || o.Fields["region"] != "finding_region_missing" {
			t.Errorf("%s: a regional hazard without its area: %s", door.Name(), o)
		}
		body["region"] = "唐家岭村全域"
		n++
		id := testkit.RID("regional", n)
		if o := door.Create("findings", id, body); !o.OK {
			t.Fatalf("%s: a regional hazard with its area: %s", door.Name(), o)
		}
		sup := testkit.NewREST(t, srv, testkit.SupervisorA)
		if o := sup.Patch("findings", id, map[string]any{"supervision_level": "subdistrict"}); !o.OK {
			t.Fatalf("%s: the supervisor lists the regional hazard: %s", door.Name(), o)
		}
		if r, _ := app.FindRecordById("findings", id); !r.GetBool("supervised") {
			t.Errorf("%s: a listed regional hazard is not supervised", door.Name())
		}
	}
}

// The fire brigade proposes a hazard it cannot have rectified at once for government listing;
// the district then lists it.
//
// Gazette line 3452: "对难以立即整改的,提请政府挂牌督改" (海淀消防支队's measures).
func TestSupervision_BrigadeProposesGovernmentListing(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	fa, fb := testkit.Side("finding", "a"), testkit.Side("finding", "b") // A is referred to the brigade
	args := map[string]any{"reason": "防火间距不足，需纳入升级改造项目"}
	pushCmd := func(user, id string, mid int64) map[string]any {
		return push(t, srv, user, "phone-propose-"+user, sync.Mutation{MID: mid, Op: sync.OpCmd, Coll: "findings", ID: id,
			Name: rectify.ProposeListingCommand, Args: args})
	}
	// Not the brigade's case, not the brigade: refused at both doors.
	if res := command(srv, testkit.SupervisorA, rectify.ProposeListingCommand, "findings", fa, args); code(t, res) != "finding_proposal_forbidden" {
		t.Errorf("supervisor proposes over REST: %d %s", res.Status, res.Body)
	}
	if r := pushCmd(testkit.SupervisorA, fa, 1); r["outcome"] != sync.Rejected || r["code"] != "finding_proposal_forbidden" {
		t.Errorf("supervisor proposes from a phone: %v", r)
	}
	if res := command(srv, testkit.FireStaff, rectify.ProposeListingCommand, "findings", fb, args); res.Status != http.StatusNotFound {
		t.Errorf("brigade proposes a finding not referred to it: %d %s", res.Status, res.Body)
	}
	if res := command(srv, testkit.FireStaff, rectify.ProposeListingCommand, "findings", fa, map[string]any{}); code(t, res) != "finding_reason_missing" {
		t.Errorf("proposal without a reason: %d %s", res.Status, res.Body)
	}
	// Nobody writes the proposal fields directly.
	for _, door := range testkit.Doors(t, srv, testkit.SupervisorA) {
		if o := door.Patch("findings", fa, map[string]any{"listing_proposal": "自行提请"}); o.OK || o.Fields["listing_proposal"] != "protected_field" {
			t.Errorf("%s: supervisor writes the proposal: %s", door.Name(), o)
		}
	}
	// The brigade proposes from a phone, and again over REST (the second answer is the same).
	if r := pushCmd(testkit.FireStaff, fa, 1); r["outcome"] != sync.Applied {
		t.Fatalf("brigade proposes from a phone: %v", r)
	}
	if res := command(srv, testkit.FireStaff, rectify.ProposeListingCommand, "findings", fa, args); res.Status != http.StatusOK {
		t.Fatalf("brigade proposes over REST: %d %s", res.Status, res.Body)
	}
	rec, _ := app.FindRecordById("findings", fa)
	if rec.GetString("listing_proposed_by") != testkit.FireStaff || rec.GetString("listing_proposal") != args["reason"] ||
		rec.GetDateTime("listing_proposed_at").IsZero() {
		t.Fatalf("proposal stored as %v", rec.FieldsData())
	}
	notes, _ := app.FindAllRecords("notifications", dbx.HashExp{"user": testkit.SupervisorA, "kind": "listing_proposed"})
	if len(notes) != 2 {
		t.Errorf("supervisor A was told of %d proposals, want 2", len(notes))
	}
	// The brigade reads what it proposed through REST; subdistrict B does not.
	if res := srv.Do(http.MethodGet, "/api/collections/findings/records/"+fa, srv.Token("users", testkit.FireStaff), nil); res.JSON(t)["listing_proposal"] != args["reason"] {
		t.Errorf("brigade reads the finding: %d %s", res.Status, res.Body)
	}
	if res := srv.Do(http.MethodGet, "/api/collections/findings/records/"+fa, srv.Token("users", testkit.SupervisorB), nil); res.Status != http.StatusNotFound {
		t.Errorf("supervisor B reads A's finding: %d", res.Status)
	}
	// Proposed, a general hazard may be listed by the district.
	if o := testkit.NewREST(t, srv, testkit.Superuser).Patch("findings", fa, map[string]any{"supervision_level": "district"}); !o.OK {
		t.Fatalf("district lists the proposed hazard: %s", o)
	}
}

// The figures split general from major hazards so the fire plan's two targets read directly.
//
// Gazette line 3450: "确保一般火灾隐患100%整改、重大火灾隐患100%挂账督办".
func TestFigures_GeneralAndMajorTargetsReadDirectly(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	// Subdistrict A: the fixture's general finding (open) and three major ones, one listed by the
	// district, one by the subdistrict, one not listed; and one regional general hazard.
	for i, lvl := range []string{"district", "subdistrict", ""} {
		testkit.Save(t, app, "findings", testkit.RID("fig", i), map[string]any{"programme": "fire",
			"place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA, "category": "fire.basement_dwelling",
			"severity": "major", "status": "open", "description": "地下室住人", "supervision_level": lvl})
	}
	testkit.Save(t, app, "findings", testkit.RID("fig", 9), map[string]any{"programme": "fire",
		"place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA, "category": "fire.wiring",
		"severity": "general", "status": "open", "description": "私拉电线", "regional": true, "region": "某村"})
	res := srv.Do(http.MethodGet, "/api/fs/rectify/figures?programme=fire", srv.Token("users", testkit.SupervisorA), nil)
	body := res.JSON(t)
	rows := body["figures"].([]any)
	if res.Status != http.StatusOK || len(rows) != 1 {
		t.Fatalf("figures: %d %s", res.Status, res.Body)
	}
	row := rows[0].(map[string]any)
	for key, want := range map[string]any{"general_found": 2.0, "general_closed": 0.0, "general_rectified_share": 0.0,
		"major_found": 3.0, "major_listed": 2.0, "major_listed_district": 1.0, "major_listed_subdistrict": 1.0,
		"major_listed_share": 2.0 / 3, "regional": 1.0} {
		if row[key] != want {
			t.Errorf("%s = %v, want %v", key, row[key], want)
		}
	}
	targets := body["targets"].([]any)
	if len(targets) != 2 || targets[1].(map[string]any)["zh"] != "重大火灾隐患100%挂账督办" ||
		targets[1].(map[string]any)["done"] != 2.0 || targets[1].(map[string]any)["of"] != 3.0 ||
		targets[0].(map[string]any)["zh"] != "一般火灾隐患100%整改" {
		t.Errorf("targets: %v", targets)
	}
	// The download names the columns in Chinese.
	csvRes := srv.Do(http.MethodGet, "/api/fs/rectify/figures.csv?programme=fire", srv.Token("users", testkit.SupervisorA), nil)
	head, _, _ := bytes.Cut(csvRes.Body, []byte("\n"))
	for _, want := range []string{"一般隐患整改率（目标100%）", "重大隐患挂账督办率（目标100%）", "其中区级挂牌", "区域性隐患"} {
		if !strings.Contains(string(head), want) {
			t.Errorf("csv heading lacks %s: %s", want, head)
		}
	}
	// Subdistrict B counts none of A's.
	res = srv.Do(http.MethodGet, "/api/fs/rectify/figures?programme=fire", srv.Token("users", testkit.SupervisorB), nil)
	if b := res.JSON(t)["figures"].([]any); len(b) != 1 || b[0].(map[string]any)["major_found"] != 0.0 {
		t.Errorf("figures of B: %v", b)
	}
}
