package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// Enforcement authority (gazette lines 3452, 3738): the agency a finding is referred to
// records its own measures on it, and subdistricts gain the measure they do order, 制止并报告.
// Which measure each may order is checked on every save (internal/rectify/authority.go).
func init() {
	m.Register(func(app core.App) error {
		agency := a.AgencyIs("@request.body.finding.agency")
		field := a.FieldRole + " && " + a.MemberOf("@request.body.subdistrict")
		return editEnforcements(app, a.Rule(a.Staff, a.Any(field, agency)), v.EnforcementMeasure.Values())
	}, func(app core.App) error {
		before := slices.DeleteFunc(v.EnforcementMeasure.Values(), func(m string) bool { return m == "stop_and_report" })
		return editEnforcements(app, a.FieldCreate(), before)
	})
}

// editEnforcements sets the create rule of enforcement actions and the measures they take.
func editEnforcements(app core.App, create *string, measures []string) error {
	c, err := app.FindCollectionByNameOrId(s.Enforcements)
	if err != nil {
		return err
	}
	c.CreateRule = create
	if f, ok := c.Fields.GetByName("measure").(*core.SelectField); ok {
		f.Values = measures
	}
	return app.Save(c)
}
