package tutoring_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// The hand-built scenario of the daily-report test, over two Beijing days, D1 = 2018-06-08 and
// D2 = 2018-06-09, in subdistricts A and B:
//
//	P1 (fixture centre of A, licensed): surveyed on D1, illegal fees found (1 person handled),
//	   re-inspected and closed on D1; on D2 an acceptance check and a second inspector's
//	   routine inspection: neither counts again.
//	P2 (A, business licence without education, academic subjects): surveyed on D2 by a phone;
//	   "ahead of schedule" found and pushed twice (the answer was lost), "beyond curriculum"
//	   found by REST (same column: one centre); two phones then set the people handled from
//	   the same version, a conflicting edit: the first writer's 2 stands.
//	P3 (A, no licence at all): surveyed at 23:30 on D2 Beijing time, 15:30 UTC.
//	P4 (A): only a re-inspection on D2, no survey: not counted.
//	PB (fixture centre of B, licensed): surveyed on D2.
//	S1 (A, a school): surveyed on D2; teachers teaching at centres, 3 involved, 1 handled.
const (
	p2 = "daily0p2000000a"
	p3 = "daily0p3000000a"
	p4 = "daily0p4000000a"
	s1 = "daily0s1000000a"
)

func buildScenario(t *testing.T, srv *testkit.Server) {
	a, sdA := srv.App, testkit.SubdistrictA
	p1 := testkit.Side("centreplace", "a")
	for id, kind := range map[string]string{p2: "tutoring_centre", p3: "tutoring_centre", p4: "tutoring_centre", s1: "school"} {
		save(t, a, schema.Places, id, map[string]any{"kind": kind, "name": "场所 " + id, "subdistrict": sdA, "address": "学院路 " + id})
	}
	save(t, a, schema.Centres, "daily0c2000000a", map[string]any{"place": p2, "subdistrict": sdA,
		"business_licence": "without_education", "categories": []string{"subject", "art"}})
	save(t, a, schema.Centres, "daily0c3000000a", map[string]any{"place": p3, "subdistrict": sdA, "business_licence": "none"})
	save(t, a, schema.Centres, "daily0c4000000a", map[string]any{"place": p4, "subdistrict": sdA, "business_licence": "none"})

	insp := func(id, place, sd, kind, at, result string, photos ...string) map[string]any {
		d := map[string]any{"programme": "tutoring", "kind": kind, "place": place, "subdistrict": sd,
			"inspected_at": at, "result": result}
		if len(photos) > 0 {
			d["photos"] = photos
		}
		return d
	}
	// P1 on D1, as server code: the survey, its finding, the re-inspection and the closure.
	save(t, a, schema.Inspections, "daily0i1000000a", insp("", p1, sdA, "survey", "2018-06-08 00:00:00.000Z", "fail"))
	save(t, a, schema.Inspections, "daily0r1000000a", insp("", p1, sdA, "reinspection", "2018-06-08 09:00:00.000Z", "pass",
		testkit.Side("photo", "a")))
	save(t, a, schema.Findings, "daily0f1000000a", map[string]any{"programme": "tutoring", "place": p1, "subdistrict": sdA,
		"inspection": "daily0i1000000a", "category": "tutoring.illegal_fees", "severity": "general",
		"description": "预收费超过三个月", "status": "closed", "deadline": "2018-06-10 00:00:00.000Z",
		"responsible_party": "机构负责人", "reinspection": "daily0r1000000a", "closed_at": "2018-06-08 10:00:00.000Z",
		"people_handled": 1})

	// D2 through the doors: inspector A's phone and REST, a second inspector's phone, B.
	phone := newSync(t, srv, testkit.InspectorA, "phone-daily-a1")
	rest := newREST(t, srv, testkit.InspectorA)
	mustOK(t, rest.Create(schema.Inspections, "daily0a1000000a", insp("", p1, sdA, "acceptance", "2018-06-09 01:00:00.000Z", "pass")))
	mustOK(t, phone.Create(schema.Inspections, "daily0i2000000a", insp("", p2, sdA, "survey", "2018-06-09 02:00:00.000Z", "fail")))
	ahead := sync.Mutation{Op: sync.OpCreate, Coll: schema.Findings, ID: "daily0f2000000a", Data: map[string]any{
		"programme": "tutoring", "place": p2, "subdistrict": sdA, "inspection": "daily0i2000000a",
		"category": "tutoring.ahead_of_schedule", "severity": "general", "description": "五年级讲初中内容"}}
	phone.MID++
	ahead.MID = phone.MID
	mustOK(t, phone.Push(ahead)[0])
	mustOK(t, phone.Push(ahead)[0]) // the answer was lost: the same mutation again
	mustOK(t, rest.Create(schema.Findings, "daily0f3000000a", map[string]any{
		"programme": "tutoring", "place": p2, "subdistrict": sdA, "inspection": "daily0i2000000a",
		"category": "tutoring.beyond_curriculum", "severity": "general", "description": "超标教学"}))
	// Two phones edit the people handled from the same version.
	other := newSync(t, srv, testkit.SupervisorA, "phone-daily-s1")
	base := phone.Version(schema.Findings, "daily0f2000000a")
	for i, o := range []struct {
		d *syncDoor
		n int
	}{{phone, 2}, {other, 3}} {
		o.d.MID++
		res := o.d.Push(sync.Mutation{MID: o.d.MID, Op: sync.OpPatch, Coll: schema.Findings, ID: "daily0f2000000a",
			BaseV: base, Set: map[string]any{"people_handled": o.n}})[0]
		if !res.OK || (i == 1) != strings.Contains(res.Raw, `"outcome":"`+sync.Conflicted+`"`) {
			t.Fatalf("edit %d: %s", i, res)
		}
	}
	mustOK(t, phone.Create(schema.Inspections, "daily0i3000000a", insp("", p3, sdA, "survey", "2018-06-09 15:30:00.000Z", "fail")))
	mustOK(t, rest.Create(schema.Inspections, "daily0r4000000a", insp("", p4, sdA, "reinspection", "2018-06-09 03:00:00.000Z", "pass")))
	second := newREST(t, srv, testkit.SupervisorA)
	mustOK(t, second.Create(schema.Inspections, "daily0d1000000a", insp("", p1, sdA, "routine", "2018-06-09 04:00:00.000Z", "pass")))
	mustOK(t, phone.Create(schema.Inspections, "daily0s1000000i", insp("", s1, sdA, "survey", "2018-06-09 05:00:00.000Z", "fail")))
	mustOK(t, phone.Create(schema.Findings, "daily0s1000000f", map[string]any{
		"programme": "tutoring", "place": s1, "subdistrict": sdA, "inspection": "daily0s1000000i",
		"category": "tutoring.school_teacher_moonlighting", "severity": "general", "description": "两名教师课后到培训机构授课",
		"people_involved": 3, "people_handled": 1}))
	b := newSync(t, srv, testkit.InspectorB, "phone-daily-b1")
	mustOK(t, b.Create(schema.Inspections, "daily0ib00000ab", insp("", testkit.Side("centreplace", "b"), testkit.SubdistrictB,
		"survey", "2018-06-09 06:00:00.000Z", "pass")))
	// Nothing is stored twice.
	if n, _ := srv.App.CountRecords(schema.Findings, nil); n == 0 {
		t.Fatal("no findings")
	}
	var dup int
	srv.App.DB().NewQuery("SELECT COUNT(*) FROM findings WHERE place = {:p}").Bind(map[string]any{"p": p2}).Row(&dup)
	if dup != 2 {
		t.Fatalf("P2 has %d findings, want 2", dup)
	}
}

func getDaily(t *testing.T, srv *testkit.Server, token, query string) tutoring.Daily {
	t.Helper()
	res := srv.Do(http.MethodGet, "/api/fs/tutoring/daily?"+query, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("daily %s: %d %s", query, res.Status, res.Body)
	}
	var d tutoring.Daily
	if err := json.Unmarshal(res.Body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func expect(t *testing.T, what string, row tutoring.Row, want map[string]int) {
	t.Helper()
	for k, v := range row {
		if v != want[k] {
			t.Errorf("%s %s = %d, want %d", what, k, v, want[k])
		}
	}
}

// TestDaily_Scenario checks both tables of both days against the scenario above.
func TestDaily_Scenario(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	buildScenario(t, srv)
	admin := srv.Token("_superusers", testkit.Superuser)

	d2 := getDaily(t, srv, admin, "day=2018-06-09")
	if d2.District == nil || len(d2.Subdistricts) != 29 {
		t.Fatalf("district %v, %d subdistricts", d2.District, len(d2.Subdistricts))
	}
	a := d2.Subdistricts[0].Centres
	// The fixture records a parent-group incident in A and in B on D2.
	expect(t, "D2 A today", a.Today, map[string]int{"total": 2, "business_without_education": 1, "unqualified": 1,
		"subject_training": 1, "teaching": 1, "incidents": 1})
	expect(t, "D2 A cumulative", a.Cumulative, map[string]int{"total": 3, "licensed": 1, "business_without_education": 1,
		"unqualified": 1, "subject_training": 1, "teaching": 1, "fraud": 1, "incidents": 1})
	expect(t, "D2 A rectified", a.Rectified, map[string]int{"total": 1, "fraud": 1})
	expect(t, "D2 A handled", a.Handled, map[string]int{"total": 3, "fraud": 1, "teaching": 2})
	expect(t, "D2 district today", d2.District.Centres.Today, map[string]int{"total": 3, "licensed": 1,
		"business_without_education": 1, "unqualified": 1, "subject_training": 1, "teaching": 1, "incidents": 2})
	expect(t, "D2 B today", d2.Subdistricts[1].Centres.Today, map[string]int{"total": 1, "licensed": 1, "incidents": 1})
	s := d2.Subdistricts[0].Schools
	expect(t, "D2 A schools today", s.Today, map[string]int{"total": 1, "moonlighting": 1})
	expect(t, "D2 A schools involved", s.Involved, map[string]int{"total": 3, "moonlighting": 3})
	expect(t, "D2 A schools handled", s.Handled, map[string]int{"total": 1, "moonlighting": 1})

	d1 := getDaily(t, srv, admin, "day=2018-06-08")
	a = d1.Subdistricts[0].Centres
	expect(t, "D1 A today", a.Today, map[string]int{"total": 1, "licensed": 1, "fraud": 1})
	expect(t, "D1 A rectified", a.Rectified, map[string]int{"total": 1, "fraud": 1})
	d3 := getDaily(t, srv, admin, "day=2018-06-10")
	expect(t, "D3 A today", d3.Subdistricts[0].Centres.Today, map[string]int{})

	// An inspector of A reads A and the district, and may not ask for B.
	insp := srv.Token("users", testkit.InspectorA)
	if own := getDaily(t, srv, insp, "day=2018-06-09"); len(own.Subdistricts) != 1 || own.District == nil {
		t.Errorf("inspector A sees %d subdistricts", len(own.Subdistricts))
	}
	if res := srv.Do(http.MethodGet, "/api/fs/tutoring/daily?day=2018-06-09&subdistrict="+testkit.SubdistrictB, insp, nil); res.Status != http.StatusBadRequest {
		t.Errorf("inspector A asked for B: %d", res.Status)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/tutoring/daily?day=2018-06-09", srv.Token("users", testkit.FireStaff), nil); res.Status != http.StatusForbidden {
		t.Errorf("fire brigade read the daily report: %d", res.Status)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/tutoring/daily?day=9.6.2018", admin, nil); res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "bad_day") {
		t.Errorf("a bad day: %d %s", res.Status, res.Body)
	}
}

// TestDaily_Exports: the XLSX file has the gazette's headings and the figures where the
// gazette's table has them; the CSV has the same figures.
func TestDaily_Exports(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	buildScenario(t, srv)
	admin := srv.Token("_superusers", testkit.Superuser)
	res := srv.Do(http.MethodGet, "/api/fs/tutoring/daily.xlsx?day=2018-06-09&subdistrict="+testkit.SubdistrictA, admin, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", res.Status, res.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{
		"A1": "校外培训机构专项治理日报内容（一）", "A2": "万寿路街道", "B2": "时间：2018-06-09",
		"B3": "办学资质方面", "B4": "有培训机构数量合计", "A5": "本日排查数量", "B5": "2", "B6": "3",
		"C4": "有教育行政部门颁发的办学许可证", "D5": "1", "F5": "0", "G5": "1", "H5": "1", "B7": "1",
		"J3": "安全稳定情况", "J4": "本日是否发生培训机构、家长群、重大舆情等情况", "J5": "1", "J6": "1",
		"L3": "本区增列", "N4": "无证无照（本区增列）", "N5": "1",
		"A10": "填报人：admin@fieldsync.test",
	} {
		if got, _ := f.GetCellValue("日报（一）", cell); got != want {
			t.Errorf("日报（一）!%s = %q, want %q", cell, got, want)
		}
	}
	if got, _ := f.GetCellValue("日报（二）", "D5"); got != "1" {
		t.Errorf("日报（二）!D5 = %q, want 1", got)
	}
	if got, _ := f.GetCellValue("日报（二）", "C2"); got != "本区中小学校总数（含民办）：1" {
		t.Errorf("日报（二）!C2 = %q", got)
	}
	res = srv.Do(http.MethodGet, "/api/fs/tutoring/daily.csv?day=2018-06-09", admin, nil)
	if res.Status != http.StatusOK || !bytes.HasPrefix(res.Body, []byte("\ufeff")) {
		t.Fatalf("csv: %d", res.Status)
	}
	if !strings.Contains(string(res.Body), "2018-06-09,（一）,海淀区,,本日排查数量 today,3,1,1,0,0,1,1,0,2,0,0,0,1") {
		t.Errorf("csv lacks the district's line of today:\n%s", res.Body[:min(len(res.Body), 800)])
	}
}
