package tutoring_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// The lists and the filing of classes are the education commission's decisions, with who and
// when, and the public sees only what it decided.
//
// Gazette line 4762: "建立海淀区培训机构的“白名单黑名单”制度,构建培训机构信用体系" (区教委); line 4833:
// "建立黑白名单制度，向社会公布" (区教委等); line 4730: "班次、内容、招生对象、上课时间等要向所在地教育
// 行政部门进行审核备案，并向社会公布"; line 4732: 区教委 "负责组织…审核备案工作，并向社会公布".
func TestDecisions_ListsAndFilingsAreTheCommissions(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	sdA := testkit.SubdistrictA
	edu := testkit.ID("edustaff")
	testkit.Save(t, app, schema.Users, edu, map[string]any{"role": "agency_staff", "agency": refdata.AgencyID(2),
		"verified": true, "email": "edustaff@fieldsync.test", "password": testkit.Password})
	setClock(t, time.Date(2018, 7, 2, 2, 0, 0, 0, time.UTC))
	eduToken := srv.Token("users", edu)

	// A new centre of A and its class, entered by the subdistrict through a phone and REST.
	place, centre, class := rid("dcp", 1), rid("dcc", 1), rid("dcl", 1)
	save(t, app, schema.Places, place, map[string]any{"kind": "tutoring_centre", "name": "新东方测试", "subdistrict": sdA, "address": "学院路 1 号"})
	ds := doors(t, srv, testkit.SupervisorA)
	rest, phone := ds[0], ds[1]
	if o := phone.Create(schema.Centres, centre, map[string]any{"place": place, "subdistrict": sdA,
		"school_licence": true, "licence_issuer": "education", "licence_no": "教民1101089"}); !o.OK {
		t.Fatal(o)
	}
	if o := rest.Create(schema.CentreClasses, class, map[string]any{"centre": centre, "subdistrict": sdA,
		"name": "初一数学", "content": "人教版七年级", "target_students": "七年级", "schedule": "周六 9:00-11:00"}); !o.OK {
		t.Fatal(o)
	}
	public := func() string {
		res := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+centre, "", nil)
		view := srv.Do(http.MethodGet, "/api/collections/public_centres/records/"+centre, "", nil)
		classes := srv.Do(http.MethodGet, "/api/collections/public_centre_classes/records?filter=centre%3D%27"+centre+"%27", "", nil)
		return string(res.Body) + "\n" + string(view.Body) + "\n" + string(classes.Body)
	}
	// Entered, not decided: nothing published, though the subdistrict's record says white.
	if p := public(); strings.Contains(p, `"white"`) || strings.Contains(p, "初一数学") {
		t.Fatalf("published before the commission decided:\n%s", p)
	}
	// Nobody types a decision: not the subdistrict, at either door.
	for _, d := range ds {
		for field, v := range map[string]any{"list_status": "white", "list_decided_at": "2018-07-01 00:00:00.000Z"} {
			if o := d.Patch(schema.Centres, centre, map[string]any{field: v}); o.OK || o.Fields[field] != "protected_field" {
				t.Errorf("%s: the subdistrict typed %s: %s", d.Name(), field, o)
			}
		}
		if o := d.Patch(schema.CentreClasses, class, map[string]any{"filed_at": "2018-07-01 00:00:00.000Z"}); o.OK || o.Fields["filed_at"] != "protected_field" {
			t.Errorf("%s: the subdistrict filed its own class: %s", d.Name(), o)
		}
	}
	// Only the commission's staff decide.
	for _, tok := range []string{srv.Token("users", testkit.SupervisorA), srv.Token("users", testkit.FireStaff), ""} {
		res := srv.Do(http.MethodPost, "/api/fs/tutoring/centres/"+centre+"/list", tok, map[string]any{"list": "white", "reason": "持证"})
		if res.Status != http.StatusForbidden && res.Status != http.StatusUnauthorized {
			t.Errorf("a non-commission caller listed a centre: %d %s", res.Status, res.Body)
		}
	}
	if res := srv.Do(http.MethodPost, "/api/fs/tutoring/centres/"+centre+"/list", eduToken, map[string]any{"list": "white"}); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), "centre_list_invalid") {
		t.Errorf("a listing without a reason: %d %s", res.Status, res.Body)
	}
	res := srv.Do(http.MethodPost, "/api/fs/tutoring/centres/"+centre+"/list", eduToken, map[string]any{"list": "white", "reason": "持证规范办学"})
	if res.Status != http.StatusOK || strings.Contains(string(res.Body), "legal_rep") {
		t.Fatalf("white list: %d %s", res.Status, res.Body)
	}
	c, _ := app.FindRecordById(schema.Centres, centre)
	if c.GetString("list_status") != "white" || c.GetString("list_decided_by") != edu ||
		c.GetString("list_decided_at") != "2018-07-02 02:00:00.000Z" {
		t.Errorf("the decision is not recorded with who and when: %v %v %v", c.GetString("list_status"),
			c.GetString("list_decided_by"), c.GetString("list_decided_at"))
	}
	if res := srv.Do(http.MethodPost, "/api/fs/tutoring/classes/"+class+"/filing", eduToken, map[string]any{"filed": true}); res.Status != http.StatusOK {
		t.Fatalf("filing: %d %s", res.Status, res.Body)
	}
	if p := public(); strings.Count(p, `"white"`) < 2 || strings.Count(p, "初一数学") < 2 {
		t.Fatalf("decided, not published at both public doors:\n%s", p)
	}
	// The subdistrict edits the filed class from the phone: the filing lapses until the
	// commission files it again.
	if o := phone.Patch(schema.CentreClasses, class, map[string]any{"content": "八年级内容"}); !o.OK {
		t.Fatal(o)
	}
	if p := public(); strings.Contains(p, "初一数学") {
		t.Errorf("an edited class stayed published without a new filing:\n%s", p)
	}
	// A supervisor's stop does not black-list the centre, and withdrawing it does not
	// un-list it: the lists move only by the commission's decision.
	if res := srv.Do(http.MethodPost, "/api/fs/tutoring/centres/"+centre+"/list", eduToken, map[string]any{"list": "black", "reason": "违规招生"}); res.Status != http.StatusOK {
		t.Fatal(res.Status, string(res.Body))
	}
	for _, outcome := range []string{"stop", ""} {
		if o := decideVia(srv, phone, centre, map[string]any{"outcome": outcome}); !o.OK {
			t.Fatal(o)
		}
		if c, _ := app.FindRecordById(schema.Centres, centre); c.GetString("list_status") != "black" {
			t.Errorf("outcome %q moved the list to %s", outcome, c.GetString("list_status"))
		}
	}
	// White needs a licensed centre that operates: one under rectification is refused.
	if o := decideVia(srv, rest, centre, map[string]any{"outcome": "rectify", "deadline": "2018-12-31 00:00:00.000Z"}); !o.OK {
		t.Fatal(o)
	}
	if res := srv.Do(http.MethodPost, "/api/fs/tutoring/centres/"+centre+"/list", eduToken, map[string]any{"list": "white", "reason": "整改中"}); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), "centre_white_needs_licence") {
		t.Errorf("white-listed under rectification: %d %s", res.Status, res.Body)
	}
}
