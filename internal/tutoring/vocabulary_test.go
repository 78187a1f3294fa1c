package tutoring_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/vocab"
)

// TestVocabulary_GazetteMisconduct enforces gazette lines 4635-4636: "办学方向、教学内容、办学行为违背党的
// 教育方针" and "管理混乱，…违规收费，抽逃办学资金、非法集资等" are categories of their own. At both doors a
// subdistrict records them as checklist items and findings; 非法集资 counts in daily report (一)'s
// column "存在虚假宣传、违规招生、收费非法集资问题的", where 抽逃办学资金 (stored as misappropriated_funds
// before) still counts, so no past day changes.
func TestVocabulary_GazetteMisconduct(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	sdA := testkit.SubdistrictA
	if term, _ := vocab.FindingCategory.Label("tutoring.misappropriated_funds"); term.ZH != "抽逃办学资金" {
		t.Errorf("misappropriated_funds reads %q, want the gazette's 抽逃办学资金", term.ZH)
	}
	for i, d := range doors(t, srv, testkit.InspectorA) {
		place, insp := rid(fmt.Sprintf("vocp%d", i), 1), rid(fmt.Sprintf("voci%d", i), 1)
		save(t, app, schema.Places, place, map[string]any{"kind": "tutoring_centre", "name": "集资培训 " + d.Name(),
			"subdistrict": sdA, "address": "学院路 11 号"})
		day := fmt.Sprintf("2018-07-1%d", i+2)
		mustOK(t, d.Create(schema.Inspections, insp, map[string]any{"programme": "tutoring", "kind": "survey", "place": place,
			"subdistrict": sdA, "inspected_at": day + " 02:00:00.000Z", "result": "pass",
			"checklist": map[string]any{"against_education_policy": true, "mismanagement": true, "illegal_fundraising": true}}))
		if r, _ := app.FindRecordById(schema.Inspections, insp); r == nil || r.GetString("result") != "fail" {
			t.Errorf("%s: the misconduct items did not fail the inspection", d.Name())
		}
		for k, cat := range []string{"tutoring.against_education_policy", "tutoring.mismanagement", "tutoring.illegal_fundraising"} {
			mustOK(t, d.Create(schema.Findings, rid(fmt.Sprintf("vocf%d", i), k), map[string]any{"programme": "tutoring",
				"place": place, "subdistrict": sdA, "inspection": insp, "category": cat, "severity": "general",
				"description": "预收学费挪作他用"}))
		}
		today := getDaily(t, srv, srv.Token("_superusers", testkit.Superuser),
			fmt.Sprintf("day=%s&subdistrict=%s", day, sdA)).Subdistricts[0].Centres.Today
		expect(t, d.Name()+" today", today, map[string]int{"total": 1, "unqualified": 1, "fraud": 1})
	}
	// The public may report 违规招生, 等级考试 and teachers tutoring after class (lines 4734-4736, 4817).
	for _, cat := range []string{"tutoring.illegal_enrolment", "tutoring.grade_exams", "tutoring.teacher_after_class"} {
		res := srv.Do(http.MethodPost, "/api/fs/reports", "", map[string]any{"category": cat, "subdistrict": sdA,
			"address": "学院路 12 号", "description": "周末组织等级考试并与小升初挂钩"})
		if res.Status != http.StatusCreated {
			t.Errorf("public report of %s: %d %s", cat, res.Status, res.Body)
		}
	}
}
