package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
)

// Agency staff inspect and record findings within their referrals (issue 20 point 1: "let
// agency staff inspect and record measures within their referrals and programmes"). They edit
// the inspections they recorded themselves in their agency's name, and create findings in their
// agency's name; access.Policy.AgencyAt then requires a live finding of the same programme at
// the place, in its subdistrict, referred to their agency, on every door. A finding an agency
// records is in its charge (its agency field names it), so the agency reads it back, and records
// measures on it, as on the findings referred to it.
func init() {
	m.Register(func(app core.App) error {
		field := a.FieldRole + " && " + a.MemberOf("@request.body.subdistrict")
		if err := setCreateRule(app, s.Findings, a.Rule(a.Staff, a.Any(field, a.AgencyIs("@request.body.agency")))); err != nil {
			return err
		}
		own := a.AgencyIs("agency") + " && inspector = @request.auth.id"
		return setUpdateRule(app, s.Inspections, a.Rule(a.Staff, a.Any(a.FieldRole+" && "+a.MemberOf("subdistrict"), own)))
	}, func(app core.App) error {
		if err := setCreateRule(app, s.Findings, a.FieldCreate()); err != nil {
			return err
		}
		return setUpdateRule(app, s.Inspections, a.FieldUpdate())
	})
}

// setUpdateRule replaces the update rule of an existing collection.
func setUpdateRule(app core.App, name string, rule *string) error {
	return editCollection(app, name, func(c *core.Collection) { c.UpdateRule = rule })
}
