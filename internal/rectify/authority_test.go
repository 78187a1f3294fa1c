package rectify_test

import (
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// Who orders which measure, at both doors.
//
// Gazette line 3452: "海淀消防支队…依法严格采取“查封、三停、拘留、罚款、约谈、曝光”等手段,积极发动街镇…协同开展".
// Gazette line 3738: "对违法违规的工地，依法实施停工、限期整改等措施" (主责: 区住房城乡建设委 …, 责任: 区城管执法监察局 区环保局).
func TestEnforcement_WhoOrdersWhichMeasure(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	// A dust finding of A referred to the environment bureau, beside the fixture's fire
	// finding of A referred to the fire brigade; finding B is referred to nobody.
	dust := testkit.ID("dustenv")
	testkit.Save(t, app, "findings", dust, map[string]any{"programme": "dust", "place": testkit.Side("siteplace", "a"),
		"subdistrict": testkit.SubdistrictA, "category": "dust.washing", "severity": "general",
		"description": "出入车辆未冲洗", "agency": testkit.AgencyEnv})
	fireA, fireB := testkit.Side("finding", "a"), testkit.Side("finding", "b")
	body := func(finding, sd, measure string) map[string]any {
		return map[string]any{"finding": finding, "subdistrict": sd, "measure": measure,
			"decided_at": "2018-05-20 10:00:00.000Z"}
	}
	A, B := testkit.SubdistrictA, testkit.SubdistrictB
	n := 0
	// One REST door and one phone per user: a phone numbers its pushes, so a second phone
	// object of the same client would replay the first one's answers.
	doors := map[string][]testkit.Door{}
	for _, tc := range []struct {
		user, finding, sd, measure string
		ok                         bool
		field, code                string // the refusal's field and code at the sync door
	}{
		// The brigade seals, stops, detains and exposes on the finding referred to it …
		{testkit.FireStaff, fireA, A, "seal", true, "", ""},
		{testkit.FireStaff, fireA, A, "stop_business", true, "", ""},
		{testkit.FireStaff, fireA, A, "detention", true, "", ""},
		{testkit.FireStaff, fireA, A, "exposure", true, "", ""},
		// … but orders no stop of a site, and acts on nothing not referred to it.
		{testkit.FireStaff, fireA, A, "stop_work", false, "measure", "enforcement_not_your_measure"},
		{testkit.FireStaff, fireB, B, "seal", false, "", ""},
		{testkit.FireStaff, dust, A, "seal", false, "", ""},
		// The environment bureau stops the site referred to it; it does not seal.
		{testkit.EnvStaff, dust, A, "stop_work", true, "", ""},
		{testkit.EnvStaff, dust, A, "seal", false, "measure", "enforcement_not_your_measure"},
		{testkit.EnvStaff, fireA, A, "stop_work", false, "", ""},
		// Subdistricts stop and report, and refer; the brigade's means and 停工 are not theirs.
		{testkit.InspectorA, fireA, A, "stop_and_report", true, "", ""},
		{testkit.SupervisorA, dust, A, "referral", true, "", ""},
		{testkit.SupervisorA, fireA, A, "seal", false, "measure", "enforcement_not_your_measure"},
		{testkit.SupervisorA, fireA, A, "detention", false, "measure", "enforcement_not_your_measure"},
		{testkit.InspectorA, dust, A, "stop_work", false, "measure", "enforcement_not_your_measure"},
		// An agency cannot reach another subdistrict by naming it beside its referred finding.
		{testkit.FireStaff, fireA, B, "seal", false, "", ""},
	} {
		if doors[tc.user] == nil {
			doors[tc.user] = testkit.Doors(t, srv, tc.user)
		}
		for _, door := range doors[tc.user] {
			n++
			name := fmt.Sprintf("%s %s %s on %s", door.Name(), tc.user, tc.measure, tc.finding)
			o := door.Create("enforcement_actions", testkit.RID("enfauth", n), body(tc.finding, tc.sd, tc.measure))
			if o.OK != tc.ok {
				t.Errorf("%s: ok=%v, want %v: %s", name, o.OK, tc.ok, o)
				continue
			}
			// REST names the field's code in the body; sync answers with the field's code too.
			if tc.field != "" && o.Fields[tc.field] != tc.code {
				t.Errorf("%s: refused with %v, want %s=%s: %s", name, o.Fields, tc.field, tc.code, o)
			}
			if tc.ok {
				rec, err := app.FindRecordById("enforcement_actions", o.ID)
				if err != nil || rec.GetString("decided_by") != tc.user {
					t.Errorf("%s: stored %v decided by %q", name, err, rec.GetString("decided_by"))
				}
			}
		}
	}
}
