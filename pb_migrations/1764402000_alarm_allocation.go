package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// Smoke-alarm allocation and eligibility (issue 20 point 8; internal/smokealarm holds the rules).
//
//   - Quotas get their two doors (gazette line 3496: "各街镇向海淀消防支队报送分管单位安装需求量，由海淀消防
//     支队…将任务指标科学分配至各相关街镇"): a subdistrict's supervisors report its demand, the fire
//     brigade allocates the quota by risk level and population. Which field is whose is the
//     access policy's (access.Policies); who reported and who allocated, and when, the server
//     records.
//   - Households record the birth date of the elderly resident living alone, so that a networked
//     unit (line 3492: "为 60 岁以上独居老人、残疾人家庭安装设有报警群发短信功能的报警装置") goes to a resident
//     the record shows to be 60 or older, not only to a ticked flag.
//   - Product sampling (line 3392: "加大…独立式感烟火灾探测器等消防产品的现场判定及抽样送检力度") becomes a
//     record the fire brigade keeps: smoke_alarm_samplings, read and written by its staff only.
const fireBrigadeCode = "fire"

func quotaAllocationFields() []core.Field {
	return []core.Field{
		rel("reported_by", s.Users, false), date("reported_at", false),
		rel("allocated_by", s.Users, false), date("allocated_at", false),
		text("notes", false, maxNote),
	}
}

func householdAgeFields() []core.Field {
	return []core.Field{date("resident_born_on", false)}
}

func samplingSpec() spec {
	brigade := a.Rule(a.Staff, a.AgencyCodeIs(fireBrigadeCode))
	return spec{name: s.AlarmSamplings, indexes: [][]string{{"sampled_on"}},
		rules: a.Rules{List: brigade, View: brigade, Create: brigade, Update: brigade},
		fields: []core.Field{
			date("sampled_on", true),
			text("product", true, maxName),
			text("manufacturer", false, maxName),
			text("batch", false, 60),
			count("quantity"),
			text("sampled_at", false, maxAddr),
			text("laboratory", false, maxName),
			sel("result", v.SamplingResult, true),
			text("report_no", false, 60),
			date("result_on", false),
			text("notes", false, maxNote),
			rel("recorded_by", s.Users, false),
		}}
}

// quotaRules: the subdistrict's supervisors report, the fire brigade allocates; both read,
// the brigade every subdistrict's.
func quotaRules() a.Rules {
	brigade := a.AgencyCodeIs(fireBrigadeCode)
	read := a.ScopedRead(brigade)
	return a.Rules{List: read, View: read,
		Create: a.Rule(a.Staff, a.Any(a.SupervRole+" && "+a.MemberOf("@request.body.subdistrict"), brigade)),
		Update: a.Rule(a.Staff, a.Any(a.SupervRole+" && "+a.MemberOf("subdistrict"), brigade)),
	}
}

func init() {
	m.Register(func(app core.App) error {
		if err := addFields(app, map[string][]core.Field{
			s.AlarmQuotas: quotaAllocationFields(), s.Households: householdAgeFields(),
		}); err != nil {
			return err
		}
		if err := setRules(app, s.AlarmQuotas, quotaRules()); err != nil {
			return err
		}
		return createAll(app, []spec{samplingSpec()}, nil)
	}, func(app core.App) error {
		if err := deleteAll(app, []spec{samplingSpec()}); err != nil {
			return err
		}
		if err := setRules(app, s.AlarmQuotas, a.Rules{List: a.ScopedRead(), View: a.ScopedRead()}); err != nil {
			return err
		}
		return removeFields(app, map[string][]core.Field{
			s.AlarmQuotas: quotaAllocationFields(), s.Households: householdAgeFields(),
		})
	})
}

// editCollection loads an existing collection, lets edit change it and saves it.
func editCollection(app core.App, name string, edit func(c *core.Collection)) error {
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		return err
	}
	edit(c)
	return app.Save(c)
}

// setRules replaces the API rules of an existing collection.
func setRules(app core.App, name string, rules a.Rules) error {
	return editCollection(app, name, func(c *core.Collection) { spec{rules: rules}.apply(c) })
}
