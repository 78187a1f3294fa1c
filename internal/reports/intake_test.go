package reports_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestIntake_StaffEnterTelephonedReports enforces gazette lines 4692-4694 (the subdistricts'
// report telephones and mailboxes; "区教委：设立举报电话（区教委公共服务热线 68980166）、举报邮箱（…
// hdjwggfw@163.com）") and 3769 ("鼓励公众通过 12345、12369、96310 等热线举报环境违法行为"): staff enter
// a report received through these channels as its source, each channel by the staff it belongs
// to and for its programme, and the audit trail names who entered it.
func TestIntake_StaffEnterTelephonedReports(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	eduStaff := testkit.ID("edustaff")
	users, err := srv.App.FindCollectionByNameOrId(schema.Users)
	if err != nil {
		t.Fatal(err)
	}
	u := core.NewRecord(users)
	u.Id = eduStaff
	u.Load(map[string]any{"role": "agency_staff", "agency": refdata.AgencyID(2), "verified": true})
	u.SetEmail("edustaff@fieldsync.test")
	u.SetPassword(testkit.Password)
	access.AsSystem(u)
	if err := srv.App.Save(u); err != nil {
		t.Fatal(err)
	}
	tutoringA := map[string]any{"category": "tutoring.grade_exams", "centre": testkit.Side("centre", "a"),
		"description": "家长来电：机构组织等级考试并称与小升初挂钩", "contact": map[string]any{"name": "来电家长", "phone": "13700001111"}}
	dustB := map[string]any{"category": "dust", "subdistrict": testkit.SubdistrictB, "address": "永定路工地",
		"description": "12369 转来：工地夜间未苫盖，扬尘严重"}
	with := func(body map[string]any, source string) map[string]any {
		out := map[string]any{"source": source}
		for k, v := range body {
			out[k] = v
		}
		return out
	}
	for _, c := range []struct {
		name, user string
		body       map[string]any
		status     int
		field      string // the refused field's code is checked when set
	}{
		{"the commission's hotline, by its staff", eduStaff, with(tutoringA, "edu_hotline"), http.StatusCreated, ""},
		{"the commission's mailbox, by its staff", eduStaff, with(tutoringA, "edu_mailbox"), http.StatusCreated, ""},
		{"the commission's hotline for dust", eduStaff, with(dustB, "edu_hotline"), http.StatusBadRequest, "category"},
		{"the commission's hotline, by the fire brigade", testkit.FireStaff, with(tutoringA, "edu_hotline"), http.StatusForbidden, ""},
		{"12369, by the environment bureau", testkit.EnvStaff, with(dustB, "hotline_12369"), http.StatusCreated, ""},
		{"96310, by the environment bureau, for tutoring", testkit.EnvStaff, with(tutoringA, "hotline_96310"), http.StatusBadRequest, "category"},
		{"12345 forwarded to subdistrict A", testkit.SupervisorA, with(tutoringA, "hotline_12345"), http.StatusCreated, ""},
		{"the subdistrict's telephone, by its inspector", testkit.InspectorA, with(tutoringA, "subdistrict_hotline"), http.StatusCreated, ""},
		{"subdistrict A's staff entering B's report", testkit.InspectorA, with(dustB, "subdistrict_mailbox"), http.StatusForbidden, ""},
		{"a resident's door entered by staff", testkit.InspectorA, with(tutoringA, "web"), http.StatusBadRequest, "source"},
	} {
		res := srv.Do(http.MethodPost, "/api/fs/reports/intake", srv.Token("users", c.user), c.body)
		if res.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, res.Status, res.Body, c.status)
			continue
		}
		body := res.JSON(t)
		if c.field != "" {
			data, _ := body["data"].(map[string]any)
			if fields, _ := data["fields"].(map[string]any); fields[c.field] == nil {
				t.Errorf("%s: no refusal of %s: %s", c.name, c.field, res.Body)
			}
		}
		if c.status != http.StatusCreated {
			continue
		}
		r := reportByTracking(t, srv.App, body["tracking_no"].(string))
		if r.GetString("source") != c.body["source"] {
			t.Errorf("%s: source %q", c.name, r.GetString("source"))
		}
		var actor string
		srv.App.DB().NewQuery("SELECT actor_id FROM audit_log WHERE coll = {:c} AND record_id = {:id} AND action = 'create'").
			Bind(map[string]any{"c": schema.Reports, "id": r.Id}).Row(&actor)
		if actor != c.user {
			t.Errorf("%s: the audit trail names %q as its writer", c.name, actor)
		}
	}
	if res := srv.Do(http.MethodPost, "/api/fs/reports/intake", "", with(dustB, "hotline_12369")); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous intake: %d %s", res.Status, res.Body)
	}
}
