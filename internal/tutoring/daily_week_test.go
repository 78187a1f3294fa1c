package tutoring_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// A scripted week in subdistrict A, D1 = 2018-06-11 … D7 = 2018-06-17 (Beijing days), through
// an inspector's phone (sync push) and REST. Gazette line 4911: "“本日排查数量”“累计排查数量”
// 只计算新增数，对已排查过的机构和学校进行再次检查或整改验收时不计算在内，防止出现重复计算的情况。"
//
//	D1 survey of C1 (business licence without education, academic subjects): 提前教学 found;
//	   survey of school S1: teaching plan not followed.
//	D2 survey of C2 (no licence); re-inspection of C1 finds illegal fees: not counted.
//	D3 C1 is granted a school licence; an acceptance check of C1 finds exam cramming: not
//	   counted, so the day's total and problem columns stay 0.
//	D4 routine inspection of C1: its first grade-exam finding counts, a second teaching
//	   finding does not (C1 is already counted in that column).
//	D5 surveys of school S2 and of C3 (business licence with education).
//	D6 nothing.
//	D7 C2 obtains a business licence with education in scope.
//
// Every day's report is read at that day's end and again after D7: both equal the figures
// computed by hand below.
func TestDaily_ScriptedWeekIsReproducible(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	sdA := testkit.SubdistrictA
	pad := func(n string) string { return ("wk" + n + "000000000000000")[:15] }
	places := map[string]string{"c1": "tutoring_centre", "c2": "tutoring_centre", "c3": "tutoring_centre", "s1": "school", "s2": "school"}
	for n, kind := range places {
		save(t, app, schema.Places, pad(n), map[string]any{"kind": kind, "name": "周测 " + n, "subdistrict": sdA, "address": "学院路 " + n})
	}
	save(t, app, schema.Centres, pad("cc1"), map[string]any{"place": pad("c1"), "subdistrict": sdA,
		"business_licence": "without_education", "categories": []string{"subject"}})
	save(t, app, schema.Centres, pad("cc2"), map[string]any{"place": pad("c2"), "subdistrict": sdA, "business_licence": "none"})
	save(t, app, schema.Centres, pad("cc3"), map[string]any{"place": pad("c3"), "subdistrict": sdA, "business_licence": "with_education"})

	phone := newSync(t, srv, testkit.InspectorA, "phone-week-a1")
	rest := newREST(t, srv, testkit.InspectorA)
	inspect := func(d door, name, place, kind, at, result string) {
		t.Helper()
		mustOK(t, d.Create(schema.Inspections, pad(name), map[string]any{"programme": "tutoring", "kind": kind,
			"place": pad(place), "subdistrict": sdA, "inspected_at": at, "result": result}))
	}
	find := func(d door, name, place, inspection, category string) {
		t.Helper()
		mustOK(t, d.Create(schema.Findings, pad(name), map[string]any{"programme": "tutoring", "place": pad(place),
			"subdistrict": sdA, "inspection": pad(inspection), "category": category, "severity": "general",
			"description": "周测 " + category}))
	}
	at := func(day int, hhmm string) string { return fmt.Sprintf("2018-06-%02d %s:00.000Z", 10+day, hhmm) } // UTC
	days := []func(){
		func() { // D1
			inspect(phone, "i1", "c1", "survey", at(1, "02:00"), "fail")
			find(phone, "f1", "c1", "i1", "tutoring.ahead_of_schedule")
			inspect(rest, "is1", "s1", "survey", at(1, "03:00"), "fail")
			find(rest, "fs1", "s1", "is1", "tutoring.school_teaching_plan")
		},
		func() { // D2
			inspect(rest, "i2", "c2", "survey", at(2, "02:00"), "pass")
			inspect(phone, "ir1", "c1", "reinspection", at(2, "03:00"), "fail")
			find(phone, "f2", "c1", "ir1", "tutoring.illegal_fees")
		},
		func() { // D3
			setClock(t, time.Date(2018, 6, 13, 4, 0, 0, 0, time.UTC))
			mustOK(t, phone.Patch(schema.Centres, pad("cc1"), map[string]any{"school_licence": true, "licence_no": "教民1101083"}))
			inspect(phone, "ia1", "c1", "acceptance", at(3, "05:00"), "fail")
			find(phone, "f3", "c1", "ia1", "tutoring.exam_cramming")
		},
		func() { // D4
			inspect(rest, "ir2", "c1", "routine", at(4, "02:00"), "fail")
			find(rest, "f4", "c1", "ir2", "tutoring.grade_exam_admission")
			find(rest, "f5", "c1", "ir2", "tutoring.beyond_curriculum")
		},
		func() { // D5
			inspect(phone, "is2", "s2", "survey", at(5, "02:00"), "pass")
			inspect(phone, "i3", "c3", "survey", at(5, "03:00"), "pass")
		},
		func() {}, // D6
		func() { // D7
			setClock(t, time.Date(2018, 6, 17, 4, 0, 0, 0, time.UTC))
			mustOK(t, rest.Patch(schema.Centres, pad("cc2"), map[string]any{"business_licence": "with_education"}))
		},
	}
	// The figures by hand. The fixture's parent-group incident in A (2018-06-09) is in every
	// cumulative row; C1 moves from 有照无证 to 有办学许可证 on D3, C2 on D7.
	type day struct{ today, cumulative, schoolsToday, schoolsCumulative map[string]int }
	m := func(kv ...any) map[string]int {
		out := map[string]int{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1].(int)
		}
		return out
	}
	want := []day{
		{m("total", 1, "business_without_education", 1, "subject_training", 1, "teaching", 1),
			m("total", 1, "business_without_education", 1, "subject_training", 1, "teaching", 1, "incidents", 1),
			m("total", 1, "teaching_plan", 1), m("total", 1, "teaching_plan", 1)},
		{m("total", 1, "unqualified", 1),
			m("total", 2, "business_without_education", 1, "unqualified", 1, "subject_training", 1, "teaching", 1, "incidents", 1),
			m(), m("total", 1, "teaching_plan", 1)},
		{m(),
			m("total", 2, "licensed", 1, "unqualified", 1, "subject_training", 1, "teaching", 1, "incidents", 1),
			m(), m("total", 1, "teaching_plan", 1)},
		{m("admission_link", 1),
			m("total", 2, "licensed", 1, "unqualified", 1, "subject_training", 1, "teaching", 1, "admission_link", 1, "incidents", 1),
			m(), m("total", 1, "teaching_plan", 1)},
		{m("total", 1, "business_with_education", 1),
			m("total", 3, "licensed", 1, "business_with_education", 1, "unqualified", 1, "subject_training", 1, "teaching", 1,
				"admission_link", 1, "incidents", 1),
			m("total", 1), m("total", 2, "teaching_plan", 1)},
		{m(),
			m("total", 3, "licensed", 1, "business_with_education", 1, "unqualified", 1, "subject_training", 1, "teaching", 1,
				"admission_link", 1, "incidents", 1),
			m(), m("total", 2, "teaching_plan", 1)},
		{m(),
			m("total", 3, "licensed", 1, "business_with_education", 2, "subject_training", 1, "teaching", 1,
				"admission_link", 1, "incidents", 1),
			m(), m("total", 2, "teaching_plan", 1)},
	}
	admin := srv.Token("_superusers", testkit.Superuser)
	read := func(d int) tutoring.Scope {
		return getDaily(t, srv, admin, fmt.Sprintf("day=2018-06-%02d&subdistrict=%s", 10+d, sdA)).Subdistricts[0]
	}
	check := func(when string, d int, got tutoring.Scope) {
		t.Helper()
		w := want[d-1]
		expect(t, fmt.Sprintf("%s D%d (一) today", when, d), got.Centres.Today, w.today)
		expect(t, fmt.Sprintf("%s D%d (一) cumulative", when, d), got.Centres.Cumulative, w.cumulative)
		expect(t, fmt.Sprintf("%s D%d (二) today", when, d), got.Schools.Today, w.schoolsToday)
		expect(t, fmt.Sprintf("%s D%d (二) cumulative", when, d), got.Schools.Cumulative, w.schoolsCumulative)
	}
	asRead := make([]tutoring.Scope, len(days))
	for i, script := range days {
		script()
		asRead[i] = read(i + 1)
		check("that day", i+1, asRead[i])
	}
	for d := 1; d <= len(days); d++ {
		again := read(d)
		check("after D7", d, again)
		if !reflect.DeepEqual(again, asRead[d-1]) {
			t.Errorf("D%d changed after the week:\nthen %+v\nnow  %+v", d, asRead[d-1], again)
		}
	}
}
