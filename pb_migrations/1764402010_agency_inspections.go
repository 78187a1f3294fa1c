package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
)

// Agency staff record their own inspections where a finding was referred to them (issue 20
// point 1; gazette line 4696: "海淀消防支队、区安监局：负责对培训机构…进行消防安全监督检查", 3738 the
// departments' site checks). The rule admits an agency's staff when the inspection names their
// agency; access.Policy.AgencyAt then requires a live finding of the inspection's programme at
// the place, in its subdistrict, referred to that agency, on every door.
func init() {
	m.Register(func(app core.App) error {
		field := a.FieldRole + " && " + a.MemberOf("@request.body.subdistrict")
		return setCreateRule(app, s.Inspections, a.Rule(a.Staff, a.Any(field, a.AgencyIs("@request.body.agency"))))
	}, func(app core.App) error {
		return setCreateRule(app, s.Inspections, a.FieldCreate())
	})
}

// setCreateRule replaces the create rule of an existing collection.
func setCreateRule(app core.App, name string, rule *string) error {
	return editCollection(app, name, func(c *core.Collection) { c.CreateRule = rule })
}
