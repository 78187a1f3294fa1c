package migrations

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// The tutoring vocabulary and the report channels as the gazette writes them (issue 20 point 9):
//
//   - findings gain the misconduct categories of line 4635-4636 that were missing:
//     违背党的教育方针 (tutoring.against_education_policy), 管理混乱 (tutoring.mismanagement) and
//     非法集资 (tutoring.illegal_fundraising). 抽逃资金 stood in for 非法集资 until now; findings
//     stored under tutoring.misappropriated_funds keep it, read as the gazette's 抽逃办学资金,
//     and daily report (一) counts both in its 收费非法集资 column, so no past day changes;
//   - public reports gain 违规招生, 等级考试 and teachers tutoring after class (lines 4734-4736,
//     4817, 4819), and the channels staff enter reports from (internal/reports/intake.go):
//     区教委's hotline 68980166 and mailbox (4694), the subdistricts' own (4692), the city
//     hotlines 12345, 12369, 96310 (3769).
//
// Only values are added: every stored value stays valid.
var (
	addedFindingCategories = []string{"tutoring.against_education_policy", "tutoring.mismanagement", "tutoring.illegal_fundraising"}
	addedReportCategories  = []string{"tutoring.illegal_enrolment", "tutoring.grade_exams", "tutoring.teacher_after_class"}
	addedReportSources     = []string{"edu_hotline", "edu_mailbox", "subdistrict_hotline", "subdistrict_mailbox",
		"hotline_12345", "hotline_12369", "hotline_96310"}
)

func init() {
	m.Register(func(app core.App) error {
		if err := setSelectValues(app, s.Findings, "category", v.FindingCategory.Values()); err != nil {
			return err
		}
		if err := setSelectValues(app, s.Reports, "category", v.ReportCategory.Values()); err != nil {
			return err
		}
		return setSelectValues(app, s.Reports, "source", v.ReportSource.Values())
	}, func(app core.App) error {
		if err := setSelectValues(app, s.Findings, "category", without(v.FindingCategory.Values(), addedFindingCategories)); err != nil {
			return err
		}
		if err := setSelectValues(app, s.Reports, "category", without(v.ReportCategory.Values(), addedReportCategories)); err != nil {
			return err
		}
		return setSelectValues(app, s.Reports, "source", without(v.ReportSource.Values(), addedReportSources))
	})
}

// setSelectValues replaces the values of a select field of an existing collection.
func setSelectValues(app core.App, coll, field string, values []string) error {
	c, err := app.FindCollectionByNameOrId(coll)
	if err != nil {
		return err
	}
	f, ok := c.Fields.GetByName(field).(*core.SelectField)
	if !ok {
		return fmt.Errorf("%s.%s is not a select field", coll, field)
	}
	f.Values = values
	return app.Save(c)
}

func without(values, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(values), func(x string) bool { return slices.Contains(drop, x) })
}
