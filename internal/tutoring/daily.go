package tutoring

import (
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
)

// The daily reports (附件3, gazette lines 4878-4912) count places: table (一) tutoring centres,
// table (二) primary and secondary schools. The gazette's rule holds throughout: only new
// findings count. A place is counted as inspected on the day of its first survey or routine
// inspection; a re-inspection or acceptance check never counts, nor does a later inspection of
// a place already counted. A place is counted in a problem column on the day of its first
// finding of that problem made at a survey or routine inspection; later findings of the same
// problem at that place, and any finding made at a re-inspection or acceptance check, do not
// count. A day's report reads each centre's licences as the server knew them at that day's end
// (QualificationHistory), so it is the same whenever it is computed again. Records are counted once whatever the number of pushes that carried them (a pushed
// mutation is applied once) and whoever recorded them (two inspectors' findings of the same
// problem at one place are one place).

// Column is one column of a daily report, with the gazette's heading. Local marks a column the
// district adds after the gazette's: its heading says so, and it is never mixed into them.
type Column struct {
	Key   string `json:"key"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
	Local bool   `json:"local,omitempty"`
}

// localMark ends the heading of a column the district adds to the gazette's table.
const localMark = "（本区增列）"

// The columns of table (一), centres: the gazette's, in its order and with its headings
// (lines 4884-4890; 有照无证 heads the two business-licence columns), then the district's
// local additions, which split the centres the gazette's qualification columns leave out.
var CentreColumns = []Column{
	{Key: "total", ZH: "有培训机构数量合计", EN: "Centres"},
	{Key: "licensed", ZH: "有教育行政部门颁发的办学许可证", EN: "School licence from the education authority"},
	{Key: "business_without_education", ZH: "有照无证：有工商营业执照，经营范围无培训内容", EN: "Business licence, training not in scope"},
	{Key: "business_with_education", ZH: "有照无证：有工商营业执照，经营范围有培训内容", EN: "Business licence, training in scope"},
	{Key: "fraud", ZH: "存在虚假宣传、违规招生、收费非法集资问题的", EN: "False advertising, illegal enrolment, fees or fundraising"},
	{Key: "subject_training", ZH: "开展学科类培训", EN: "Academic-subject training"},
	{Key: "teaching", ZH: "存在超目标教学、提前教学、强化应试问题的", EN: "Beyond or ahead of curriculum, exam cramming"},
	{Key: "admission_link", ZH: "组织等级考试或竞赛，培训结果与中小学校招生入学的挂钩的", EN: "Grade exams or contests linked to admission"},
	{Key: "incidents", ZH: "本日是否发生培训机构、家长群、重大舆情等情况", EN: "Incidents: centres, parent groups, public opinion"},
	{Key: "major_hazard", ZH: "存在重大安全隐患的", EN: "Major safety hazards"},
	{Key: "licensed_hr", ZH: "有人力社保行政部门颁发的办学许可证" + localMark, EN: "School licence from human resources (local)", Local: true},
	{Key: "institution_only", ZH: "有事业单位或民办非企业单位证书" + localMark, EN: "Institution or NGO certificate only (local)", Local: true},
	{Key: "unqualified", ZH: "无证无照" + localMark, EN: "No licence at all (local)", Local: true},
}

// The columns of table (二), schools.
var SchoolColumns = []Column{
	{Key: "total", ZH: "排查中小学校总数", EN: "Schools"},
	{Key: "teaching_plan", ZH: "存在不遵守教学计划、“非零起点教学”等情况", EN: "Not following teaching plans, non-zero-start teaching"},
	{Key: "moonlighting", ZH: "存在中小学教师课上不讲课后到校外培训机构讲，并诱导学生参加校外培训机构培训等行为", EN: "Teachers teaching at tutoring centres"},
	{Key: "admission_link", ZH: "存在将校外培训机构培训结果与招生入学挂钩等情况", EN: "Tutoring results linked to admission"},
}

// Row is one row of a table: a value per column key.
type Row map[string]int

// Table is one of the daily reports for one subdistrict or the district.
type Table struct {
	Today      Row `json:"today"`      // 本日排查数量
	Cumulative Row `json:"cumulative"` // 累计排查数量
	Rectified  Row `json:"rectified"`  // 累计已完成整改数
	// Involved is the people involved (累计涉及校长（教师）人数), table (二) only.
	Involved Row `json:"involved,omitempty"`
	Handled  Row `json:"handled"` // 累计处理相关人数
}

// Scope is the two tables of a subdistrict, or of the district when Subdistrict is "".
type Scope struct {
	Subdistrict string `json:"subdistrict"`
	NameZH      string `json:"name_zh"`
	NameEN      string `json:"name_en"`
	Centres     Table  `json:"centres"`
	Schools     Table  `json:"schools"`
	// SchoolsKnown is the number of schools, public and private, recorded in scope
	// (本区中小学校总数（含民办）, the heading of table (二)).
	SchoolsKnown int `json:"schools_known"`
}

// Daily is the daily report of a day: the district and each subdistrict the viewer may see.
type Daily struct {
	Day          string  `json:"day"`
	District     *Scope  `json:"district,omitempty"`
	Subdistricts []Scope `json:"subdistricts"`
}

// Beijing is the time zone the reports' days are in.
var Beijing = bj.Zone

// problem classes: the finding categories behind each problem column; major means only major
// findings count.
type problem struct {
	column     string
	categories []string
	major      bool
}

var centreProblems = []problem{
	{"fraud", []string{"tutoring.false_advertising", "tutoring.illegal_enrolment", "tutoring.illegal_fees",
		misappropriatedFunds, "tutoring.illegal_fundraising"}, false},
	{"teaching", []string{"tutoring.beyond_curriculum", "tutoring.ahead_of_schedule", "tutoring.exam_cramming"}, false},
	{"admission_link", []string{"tutoring.grade_exam_admission"}, false},
	{"major_hazard", []string{"tutoring.safety_hazard"}, true},
	// The qualification problems: their closure rectifies the qualification columns.
	{"qualification", []string{"tutoring.no_licence", "tutoring.business_licence_only", "tutoring.institution_only"}, false},
}

var schoolProblems = []problem{
	{"teaching_plan", []string{"tutoring.school_teaching_plan"}, false},
	{"moonlighting", []string{"tutoring.school_teacher_moonlighting"}, false},
	{"admission_link", []string{"tutoring.school_admission_link"}, false},
}

// misappropriatedFunds (抽逃办学资金) is not the gazette's 非法集资; whether it counts in the
// 收费非法集资 column, as it did when it stood in for 非法集资, is the district's local choice
// (localsetting.DailyFraudCountsMisappropriatedFunds).
const misappropriatedFunds = "tutoring.misappropriated_funds"

// centreProblemsFor returns the centre problem classes under the district's local choices.
func centreProblemsFor(app core.App) []problem {
	if localsetting.Bool(app, localsetting.DailyFraudCountsMisappropriatedFunds) {
		return centreProblems
	}
	out := slices.Clone(centreProblems)
	for i, p := range out {
		out[i].categories = slices.DeleteFunc(slices.Clone(p.categories), func(c string) bool { return c == misappropriatedFunds })
	}
	return out
}

// qualificationColumn maps a centre's qualification class to its column. A school licence
// counts in the gazette's column only when an education authority issued it (or the issuer is
// not recorded); one from human resources has its own local column.
func qualificationColumn(qualification, issuer string) string {
	switch qualification {
	case Licensed:
		if issuer == "human_resources" {
			return "licensed_hr"
		}
		return "licensed"
	case BusinessWithoutEducation, BusinessWithEducation, InstitutionOnly:
		return qualification
	}
	return "unqualified"
}

// placeFacts is what the report needs of one inspected place.
type placeFacts struct {
	Place         string `db:"place"`
	Subdistrict   string `db:"subdistrict"`
	FirstAt       string `db:"first_at"`
	Qualification string `db:"qualification"`
	Issuer        string `db:"licence_issuer"`
	Subject       bool   `db:"subject"`
}

// findingFacts is one place's findings of one category and severity known by the day's end.
type findingFacts struct {
	Place       string `db:"place"`
	Subdistrict string `db:"subdistrict"`
	Category    string `db:"category"`
	Severity    string `db:"severity"`
	FirstAt     string `db:"first_at"`
	Open        int    `db:"open"`
	Involved    int    `db:"involved"`
	Handled     int    `db:"handled"`
}

// dayBounds returns the UTC bounds of a Beijing day as PocketBase stores dates.
func dayBounds(day time.Time) (start, end string) {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, Beijing)
	f := "2006-01-02 15:04:05.000Z"
	return d.UTC().Format(f), d.AddDate(0, 0, 1).UTC().Format(f)
}

// ComputeDaily computes the daily reports of day (a Beijing date). The district scope covers
// every subdistrict and is included when district is true; subdistrict scopes are kept for
// the subdistricts visible says yes to, in the gazette's order.
func ComputeDaily(app core.App, day time.Time, district bool, visible func(string) bool) (*Daily, error) {
	start, end := dayBounds(day)
	centres, err := inspectedPlaces(app, "tutoring_centre", end)
	if err != nil {
		return nil, err
	}
	schools, err := inspectedPlaces(app, "school", end)
	if err != nil {
		return nil, err
	}
	cf, err := findingsByPlace(app, "tutoring_centre", end)
	if err != nil {
		return nil, err
	}
	sf, err := findingsByPlace(app, "school", end)
	if err != nil {
		return nil, err
	}
	known, err := schoolsKnown(app)
	if err != nil {
		return nil, err
	}
	incidents, err := incidentTimes(app, end)
	if err != nil {
		return nil, err
	}
	sds, err := subdistricts(app)
	if err != nil {
		return nil, err
	}
	problems := centreProblemsFor(app)
	out := &Daily{Day: day.In(Beijing).Format("2006-01-02"), Subdistricts: []Scope{}}
	in := func(sd string) func(string) bool { return func(s string) bool { return sd == "" || s == sd } }
	build := func(sd subdistrictRow) Scope {
		s := Scope{Subdistrict: sd.ID, NameZH: sd.NameZH, NameEN: sd.NameEN,
			Centres: tableOf(centres, cf, problems, CentreColumns, start, in(sd.ID), true),
			Schools: tableOf(schools, sf, schoolProblems, SchoolColumns, start, in(sd.ID), false)}
		for sdID, n := range known {
			if in(sd.ID)(sdID) {
				s.SchoolsKnown += n
			}
		}
		for _, i := range incidents {
			if in(sd.ID)(i.Subdistrict) {
				s.Centres.Cumulative["incidents"]++
				if i.At >= start {
					s.Centres.Today["incidents"]++
				}
			}
		}
		return s
	}
	if district {
		d := build(subdistrictRow{NameZH: "海淀区", NameEN: "Haidian District"})
		out.District = &d
	}
	for _, sd := range sds {
		if visible(sd.ID) {
			out.Subdistricts = append(out.Subdistricts, build(sd))
		}
	}
	return out, nil
}

// inspectedPlaces returns the live places of kind with a survey or routine inspection of the
// programme before end, each with the time of its first one and its centre's qualification and
// subject flag as known at end (QualificationHistory): a later licence changes no past day.
func inspectedPlaces(app core.App, kind, end string) ([]placeFacts, error) {
	var out []placeFacts
	err := app.DB().NewQuery(`
		SELECT p.id AS place, p.subdistrict AS subdistrict, MIN(i.inspected_at) AS first_at,
			COALESCE(h.qualification, '') AS qualification, COALESCE(h.licence_issuer, '') AS licence_issuer,
			COALESCE(h.subject, FALSE) AS subject
		FROM inspections i
		JOIN places p ON p.id = i.place
		LEFT JOIN ` + QualificationHistory + ` h ON h.rowid = (
			SELECT rowid FROM ` + QualificationHistory + ` WHERE place = p.id AND known_at < {:end}
			ORDER BY known_at DESC, rowid DESC LIMIT 1)
		WHERE i.programme = 'tutoring' AND i.kind IN ('survey', 'routine') AND i.voided = FALSE
			AND p.kind = {:kind} AND p.voided = FALSE AND i.inspected_at < {:end}
		GROUP BY p.id`).Bind(dbx.Params{"kind": kind, "end": end}).All(&out)
	if err != nil {
		return nil, fmt.Errorf("inspected %s: %w", kind, err)
	}
	return out, nil
}

// findingsByPlace returns, per live place of kind, category and severity, the findings of the
// programme made at a survey or routine inspection before end: the first one's time, how many
// were still open at end, and the people involved and handled. A finding made at a
// re-inspection or an acceptance check, or at no inspection, is not a new finding and never
// counts (gazette line 4911: "再次检查或整改验收时不计算在内").
//
// Whether a problem first found at a later routine inspection of a place already counted is a
// new finding is the district's local choice (localsetting.DailyCountsLaterRoutineFindings);
// when it is not, only the findings of the place's first survey or routine inspection count.
func findingsByPlace(app core.App, kind, end string) ([]findingFacts, error) {
	later := localsetting.Bool(app, localsetting.DailyCountsLaterRoutineFindings)
	var out []findingFacts
	err := app.DB().NewQuery(`
		SELECT place, subdistrict, category, severity, MIN(found_at) AS first_at,
			SUM(NOT (status = 'closed' AND closed_at != '' AND closed_at < {:end})) AS open,
			SUM(people_involved) AS involved, SUM(people_handled) AS handled
		FROM (
			SELECT f.place, p.subdistrict, f.category, f.severity, f.status, f.closed_at,
				f.people_involved, f.people_handled,
				i.inspected_at AS found_at
			FROM findings f
			JOIN places p ON p.id = f.place
			JOIN inspections i ON i.id = f.inspection
			WHERE f.programme = 'tutoring' AND f.voided = FALSE AND f.status != 'voided'
				AND i.kind IN ('survey', 'routine') AND i.voided = FALSE
				AND p.kind = {:kind} AND p.voided = FALSE
				AND ({:later} OR i.inspected_at = (
					SELECT MIN(first.inspected_at) FROM inspections first
					WHERE first.place = f.place AND first.programme = 'tutoring'
						AND first.kind IN ('survey', 'routine') AND first.voided = FALSE))
		)
		WHERE found_at < {:end}
		GROUP BY place, category, severity`).Bind(dbx.Params{"kind": kind, "end": end, "later": later}).All(&out)
	if err != nil {
		return nil, fmt.Errorf("findings of %s: %w", kind, err)
	}
	return out, nil
}

// schoolsKnown counts the live school places per subdistrict.
func schoolsKnown(app core.App) (map[string]int, error) {
	var rows []struct {
		SD string `db:"subdistrict"`
		N  int    `db:"n"`
	}
	err := app.DB().Select("subdistrict", "COUNT(*) AS n").From(schema.Places).
		Where(dbx.HashExp{"kind": "school", "voided": false}).GroupBy("subdistrict").All(&rows)
	if err != nil {
		return nil, fmt.Errorf("schools: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.SD] = r.N
	}
	return out, nil
}

type incident struct {
	Subdistrict string `db:"subdistrict"`
	At          string `db:"occurred_at"`
}

// incidentTimes returns the live incidents that occurred before end.
func incidentTimes(app core.App, end string) ([]incident, error) {
	var out []incident
	err := app.DB().Select("subdistrict", "occurred_at").From(schema.Incidents).
		Where(dbx.HashExp{"voided": false}).AndWhere(dbx.NewExp("occurred_at < {:end}", dbx.Params{"end": end})).All(&out)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

// tableOf counts one table for the places in scope.
func tableOf(places []placeFacts, findings []findingFacts, problems []problem, cols []Column,
	start string, inScope func(string) bool, centres bool) Table {
	t := Table{Today: Row{}, Cumulative: Row{}, Rectified: Row{}, Handled: Row{}}
	if !centres {
		t.Involved = Row{}
	}
	for _, c := range cols {
		t.Today[c.Key], t.Cumulative[c.Key], t.Rectified[c.Key], t.Handled[c.Key] = 0, 0, 0, 0
		if t.Involved != nil {
			t.Involved[c.Key] = 0
		}
	}
	count := func(col, firstAt string) {
		t.Cumulative[col]++
		if firstAt >= start {
			t.Today[col]++
		}
	}
	byPlace := map[string]map[string]*classFacts{}
	for _, f := range findings {
		if !inScope(f.Subdistrict) {
			continue
		}
		for _, p := range problems {
			if !slices.Contains(p.categories, f.Category) || (p.major && f.Severity != "major") {
				continue
			}
			addClass(byPlace, f, p.column)
		}
		addClass(byPlace, f, "total")
	}
	for _, pl := range places {
		if !inScope(pl.Subdistrict) {
			continue
		}
		count("total", pl.FirstAt)
		if centres {
			q := qualificationColumn(pl.Qualification, pl.Issuer)
			count(q, pl.FirstAt)
			if pl.Subject {
				count("subject_training", pl.FirstAt)
			}
			if c := byPlace[pl.Place]["qualification"]; c != nil && c.open == 0 {
				t.Rectified[q]++
			}
		}
	}
	for _, classes := range byPlace {
		for col, c := range classes {
			switch col {
			case "qualification":
				continue // rectifies the qualification columns, above
			case "total":
				// Places count by their first inspection; their findings give the rows below.
			default:
				count(col, c.firstAt)
			}
			if c.open == 0 {
				t.Rectified[col]++
			}
			t.Handled[col] += c.handled
			if t.Involved != nil {
				t.Involved[col] += c.involved
			}
		}
	}
	return t
}

// classFacts sums one place's findings of one problem column.
type classFacts struct {
	firstAt                 string
	open, involved, handled int
}

func addClass(byPlace map[string]map[string]*classFacts, f findingFacts, col string) {
	if byPlace[f.Place] == nil {
		byPlace[f.Place] = map[string]*classFacts{}
	}
	c := byPlace[f.Place][col]
	if c == nil {
		c = &classFacts{firstAt: f.FirstAt}
		byPlace[f.Place][col] = c
	}
	if strings.Compare(f.FirstAt, c.firstAt) < 0 {
		c.firstAt = f.FirstAt
	}
	c.open += f.Open
	c.involved += f.Involved
	c.handled += f.Handled
}

type subdistrictRow struct {
	ID     string `db:"id"`
	NameZH string `db:"name_zh"`
	NameEN string `db:"name_en"`
}

func subdistricts(app core.App) ([]subdistrictRow, error) {
	var out []subdistrictRow
	err := app.DB().Select("id", "name_zh", "name_en").From(schema.Subdistricts).OrderBy("sort", "id").All(&out)
	if err != nil {
		return nil, fmt.Errorf("subdistricts: %w", err)
	}
	return out, nil
}
