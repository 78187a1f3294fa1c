package tutoring_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// centrePlace saves, as server code, a tutoring-centre place of subdistrict A.
func centrePlace(t *testing.T, srv *testkit.Server, id string) string {
	save(t, srv.App, schema.Places, id, map[string]any{"kind": "tutoring_centre", "name": "培训点 " + id,
		"subdistrict": testkit.SubdistrictA, "address": "学院路 " + id})
	return id
}

func centreBody(place string, kv ...any) map[string]any {
	body := map[string]any{"place": place, "subdistrict": testkit.SubdistrictA, "legal_rep_name": "张三"}
	for i := 0; i+1 < len(kv); i += 2 {
		body[kv[i].(string)] = kv[i+1]
	}
	return body
}

// TestCentre_CreditCode: a code of the wrong length, with a letter outside GB 32100's alphabet
// or with a wrong check character is refused at both doors with its reason, and nothing is
// stored; a valid code is stored in upper case without spaces.
func TestCentre_CreditCode(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	for i, d := range doors(t, srv, testkit.InspectorA) {
		for j, tc := range []struct{ code, want string }{
			{"911101087263587418", tutoring.CodeCreditCheck},
			{"91440300708461136Y", tutoring.CodeCreditCheck},
		} {
			place := centrePlace(t, srv, rid(fmt.Sprintf("pcc%d%d", i, j), 1))
			before, _ := srv.App.CountRecords(schema.Centres)
			o := d.Create(schema.Centres, rid(fmt.Sprintf("ccbad%d%d", i, j), 1), centreBody(place, "credit_code", tc.code))
			if o.OK || o.Fields["credit_code"] != tc.want {
				t.Errorf("%s %s: want %s, got %s", d.Name(), tc.code, tc.want, o)
			}
			if after, _ := srv.App.CountRecords(schema.Centres); after != before {
				t.Errorf("%s: a refused centre was stored", d.Name())
			}
		}
		place := centrePlace(t, srv, rid(fmt.Sprintf("pccok%d", i), 1))
		id := rid(fmt.Sprintf("ccok%d", i), 1)
		if o := d.Create(schema.Centres, id, centreBody(place, "credit_code", "91440300708461136t")); !o.OK {
			t.Fatalf("%s: a valid code was refused: %s", d.Name(), o)
		}
		c, _ := srv.App.FindRecordById(schema.Centres, id)
		if got := c.GetString("credit_code"); got != "91440300708461136T" {
			t.Errorf("%s: stored %q", d.Name(), got)
		}
		// An edit to a wrong code is refused too, and the stored code stays.
		if o := d.Patch(schema.Centres, id, map[string]any{"credit_code": "91440300708461136Y"}); o.OK || o.Fields["credit_code"] != tutoring.CodeCreditCheck {
			t.Errorf("%s: edit to a wrong code: %s", d.Name(), o)
		}
	}
}

// TestCentre_LegacyCode: a code stored before the rule does not lock the centre: its other
// fields stay editable, and the hazard rule can still suspend it.
func TestCentre_LegacyCode(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	centre := testkit.Side("centre", "a")
	if _, err := srv.App.DB().NewQuery("UPDATE tutoring_centres SET credit_code = '911101087263587418' WHERE id = {:id}").
		Bind(map[string]any{"id": centre}).Execute(); err != nil {
		t.Fatal(err)
	}
	for _, d := range doors(t, srv, testkit.InspectorA) {
		if o := d.Patch(schema.Centres, centre, map[string]any{"wechat": "legacy_" + d.Name()}); !o.OK {
			t.Errorf("%s: %s", d.Name(), o)
		}
	}
}

// TestCentre_QualificationIsDerived: whatever qualification a phone sends, the stored one
// follows the licences, and it follows them when they change.
func TestCentre_QualificationIsDerived(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	cases := []struct {
		licences map[string]any
		want     string
	}{
		{map[string]any{"school_licence": true, "business_licence": "with_education"}, tutoring.Licensed},
		{map[string]any{"business_licence": "with_education"}, tutoring.BusinessWithEducation},
		{map[string]any{"business_licence": "without_education"}, tutoring.BusinessWithoutEducation},
		{map[string]any{"business_licence": "none", "institution_certificate": true}, tutoring.InstitutionOnly},
		{map[string]any{"business_licence": "none"}, tutoring.Unqualified},
	}
	for i, d := range doors(t, srv, testkit.InspectorA) {
		for j, tc := range cases {
			id := rid(fmt.Sprintf("cq%d%d", i, j), 1)
			body := centreBody(centrePlace(t, srv, rid(fmt.Sprintf("pcq%d%d", i, j), 1)), "qualification", "licensed")
			for k, v := range tc.licences {
				body[k] = v
			}
			if o := d.Create(schema.Centres, id, body); !o.OK {
				t.Fatalf("%s: %s", d.Name(), o)
			}
			c, _ := srv.App.FindRecordById(schema.Centres, id)
			if got := c.GetString("qualification"); got != tc.want {
				t.Errorf("%s %v: qualification %q, want %q", d.Name(), tc.licences, got, tc.want)
			}
		}
		// The licensed centre loses its licence: it leaves the white list.
		id := rid(fmt.Sprintf("cq%d0", i), 1)
		if o := d.Patch(schema.Centres, id, map[string]any{"school_licence": false}); !o.OK {
			t.Fatalf("%s: %s", d.Name(), o)
		}
		c, _ := srv.App.FindRecordById(schema.Centres, id)
		if c.GetString("qualification") != tutoring.BusinessWithEducation || c.GetString("list_status") != tutoring.NoList {
			t.Errorf("%s: after losing the licence: %s, %s", d.Name(), c.GetString("qualification"), c.GetString("list_status"))
		}
	}
}

// decideVia gives a centre's rectification opinion through a door: the command route for REST,
// a pushed command for sync.
func decideVia(srv *testkit.Server, d door, centre string, args map[string]any) outcome {
	if sd, ok := d.(*syncDoor); ok {
		return sd.Send(sync.Mutation{Op: sync.OpCmd, Coll: schema.Centres, ID: centre, Name: tutoring.DecideCommand, Args: args})
	}
	res := srv.Do(http.MethodPost, "/api/fs/commands", d.(*restDoor).Token,
		sync.CommandRequest{Name: tutoring.DecideCommand, Coll: schema.Centres, ID: centre, Args: args})
	o := outcome{OK: res.Status == http.StatusOK, Raw: string(res.Body), Fields: map[string]string{}}
	var body struct {
		Code string `json:"code"`
		Data struct {
			Fields map[string]string `json:"fields"`
		} `json:"data"`
	}
	json.Unmarshal(res.Body, &body)
	o.Fields[""] = body.Code
	for f, code := range body.Data.Fields {
		o.Fields[f] = code
	}
	return o
}

// TestCentre_Outcomes: a supervisor's rectification opinion moves the centre and its list; an
// inspector may give none, and nobody types an outcome or a list into the record.
func TestCentre_Outcomes(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	centre := testkit.Side("centre", "a") // licensed, white list
	supervisor := doors(t, srv, testkit.SupervisorA)
	for _, d := range supervisor {
		for field, v := range map[string]any{"outcome": "stop", "list_status": "black"} {
			if o := d.Patch(schema.Centres, centre, map[string]any{field: v}); o.OK || o.Fields[field] != "protected_field" {
				t.Errorf("%s: a supervisor typed %s: %s", d.Name(), field, o)
			}
		}
	}
	for _, d := range doors(t, srv, testkit.InspectorA) {
		if o := decideVia(srv, d, centre, map[string]any{"outcome": "stop"}); o.OK {
			t.Errorf("%s: an inspector stopped a centre: %s", d.Name(), o)
		}
	}
	state := func() (string, string) {
		c, _ := srv.App.FindRecordById(schema.Centres, centre)
		return c.GetString("status"), c.GetString("list_status")
	}
	for _, d := range supervisor {
		if o := decideVia(srv, d, centre, map[string]any{"outcome": "rectify"}); o.OK || o.Fields["outcome_deadline"] != tutoring.CodeOutcomeDeadline {
			t.Errorf("%s: rectify without a deadline: %s", d.Name(), o)
		}
		if o := decideVia(srv, d, centre, map[string]any{"outcome": "close"}); o.OK {
			t.Errorf("%s: an unknown outcome: %s", d.Name(), o)
		}
		// The lists are the education commission's decisions (decisions_test.go): no outcome
		// moves the centre on or off a list.
		o := decideVia(srv, d, centre, map[string]any{"outcome": "rectify", "deadline": "2018-12-31 00:00:00.000Z"})
		if status, list := state(); !o.OK || status != tutoring.Rectifying || list != tutoring.WhiteList {
			t.Errorf("%s: rectify: %s; status %s, list %s", d.Name(), o, status, list)
		}
		o = decideVia(srv, d, centre, map[string]any{"outcome": "stop"})
		if status, list := state(); !o.OK || status != tutoring.Stopped || list != tutoring.WhiteList {
			t.Errorf("%s: stop: %s; status %s, list %s", d.Name(), o, status, list)
		}
		// The stop is withdrawn: the licensed centre operates again.
		o = decideVia(srv, d, centre, map[string]any{"outcome": ""})
		if status, list := state(); !o.OK || status != tutoring.Operating || list != tutoring.WhiteList {
			t.Errorf("%s: withdrawn: %s; status %s, list %s", d.Name(), o, status, list)
		}
	}
}

// TestFinding_MajorSafetyHazardSuspends: a major safety hazard found at a centre suspends it
// at once, whichever door the finding came through; its list stays the education
// commission's decision.
func TestFinding_MajorSafetyHazardSuspends(t *testing.T) {
	for _, door := range []string{"rest", "sync"} {
		t.Run(door, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			ds := doors(t, srv, testkit.InspectorA)
			d := ds[0]
			if door == "sync" {
				d = ds[1]
			}
			finding := map[string]any{"programme": "tutoring", "place": testkit.Side("centreplace", "a"),
				"subdistrict": testkit.SubdistrictA, "category": "tutoring.safety_hazard", "severity": "general",
				"description": "灭火器过期"}
			if o := d.Create(schema.Findings, "hazardgeneral00", finding); !o.OK {
				t.Fatal(o)
			}
			c, _ := srv.App.FindRecordById(schema.Centres, testkit.Side("centre", "a"))
			if c.GetString("status") != tutoring.Operating {
				t.Fatalf("a general hazard suspended the centre")
			}
			finding["severity"], finding["description"] = "major", "仅一个安全出口，无应急照明"
			if o := d.Create(schema.Findings, "hazardmajor0000", finding); !o.OK {
				t.Fatal(o)
			}
			c, _ = srv.App.FindRecordById(schema.Centres, testkit.Side("centre", "a"))
			if c.GetString("status") != tutoring.Suspended || c.GetString("list_status") != tutoring.WhiteList ||
				c.GetDateTime("suspended_at").IsZero() {
				t.Errorf("status %s, list %s, suspended at %s", c.GetString("status"), c.GetString("list_status"), c.GetString("suspended_at"))
			}
		})
	}
}

// TestInspection_Checklist: a checklist item that is not on the list, or not true or false, is
// refused; a violation or a failed safety check fails the inspection whatever was sent.
func TestInspection_Checklist(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	base := func(checklist map[string]any) map[string]any {
		return map[string]any{"programme": "tutoring", "kind": "routine", "place": testkit.Side("centreplace", "a"),
			"subdistrict": testkit.SubdistrictA, "inspected_at": "2018-06-09 02:00:00.000Z", "result": "pass",
			"checklist": checklist}
	}
	for i, d := range doors(t, srv, testkit.InspectorA) {
		for j, bad := range []map[string]any{{"knitting": true}, {"beyond_curriculum": "yes"}} {
			if o := d.Create(schema.Inspections, rid(fmt.Sprintf("ibad%d%d", i, j), 1), base(bad)); o.OK || o.Fields["checklist"] != tutoring.CodeChecklistInvalid {
				t.Errorf("%s %v: %s", d.Name(), bad, o)
			}
		}
		for j, tc := range []struct {
			checklist map[string]any
			want      string
		}{
			{map[string]any{"beyond_curriculum": true, "exits_clear": true}, "fail"},
			{map[string]any{"beyond_curriculum": false, "exits_clear": false}, "fail"},
			{map[string]any{"beyond_curriculum": false, "exits_clear": true, "extinguishers": true}, "pass"},
		} {
			id := rid(fmt.Sprintf("iok%d%d", i, j), 1)
			if o := d.Create(schema.Inspections, id, base(tc.checklist)); !o.OK {
				t.Fatalf("%s: %s", d.Name(), o)
			}
			r, _ := srv.App.FindRecordById(schema.Inspections, id)
			if r.GetString("result") != tc.want {
				t.Errorf("%s %v: result %s, want %s", d.Name(), tc.checklist, r.GetString("result"), tc.want)
			}
		}
	}
}

// TestFinding_CategoryPlace: school problems are found at schools, centre problems at centres.
func TestFinding_CategoryPlace(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	save(t, srv.App, schema.Places, "schoolplacea000", map[string]any{"kind": "school", "name": "海淀实验小学",
		"subdistrict": testkit.SubdistrictA, "address": "学院路 9 号"})
	finding := func(place, category string) map[string]any {
		return map[string]any{"programme": "tutoring", "place": place, "subdistrict": testkit.SubdistrictA,
			"category": category, "severity": "general", "description": "检查发现"}
	}
	for i, d := range doors(t, srv, testkit.InspectorA) {
		for j, tc := range []struct {
			place, category string
			ok              bool
		}{
			{"schoolplacea000", "tutoring.school_teaching_plan", true},
			{"schoolplacea000", "tutoring.beyond_curriculum", false},
			{testkit.Side("centreplace", "a"), "tutoring.school_admission_link", false},
			{testkit.Side("venue", "a"), "tutoring.illegal_fees", false},
			{testkit.Side("centreplace", "a"), "tutoring.illegal_fees", true},
		} {
			o := d.Create(schema.Findings, rid(fmt.Sprintf("fcp%d%d", i, j), 1), finding(tc.place, tc.category))
			if o.OK != tc.ok || (!tc.ok && o.Fields["place"] != tutoring.CodeCategoryPlace) {
				t.Errorf("%s %s at %s: %s", d.Name(), tc.category, tc.place, o)
			}
		}
	}
}
