package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
)

// The published views leave out voided centres and classes: a record voided as a mistake is
// not a centre parents should find on the white or black list (internal/tutoring's lookup
// answers 404 for it too).
func init() {
	live := map[string]string{
		s.PublicCentres: `SELECT c.id, p.name, p.address, p.subdistrict, c.credit_code,
			c.qualification, c.school_licence, c.licence_no, c.list_status, c.status, c.categories, c.subjects
			FROM tutoring_centres c JOIN places p ON p.id = c.place
			WHERE c.voided = FALSE AND p.voided = FALSE`,
		s.PublicCentreClasses: `SELECT cc.id, cc.centre, cc.name, cc.content, cc.target_students, cc.schedule
			FROM centre_classes cc JOIN tutoring_centres c ON c.id = cc.centre
			WHERE cc.voided = FALSE AND c.voided = FALSE`,
	}
	before := map[string]string{
		s.PublicCentres: `SELECT c.id, p.name, p.address, p.subdistrict, c.credit_code,
			c.qualification, c.school_licence, c.licence_no, c.list_status, c.status, c.categories, c.subjects
			FROM tutoring_centres c JOIN places p ON p.id = c.place`,
		s.PublicCentreClasses: `SELECT id, centre, name, content, target_students, schedule
			FROM centre_classes`,
	}
	set := func(queries map[string]string) func(core.App) error {
		return func(app core.App) error {
			for name, q := range queries {
				c, err := app.FindCollectionByNameOrId(name)
				if err != nil {
					return err
				}
				c.ViewQuery = q
				if err := app.Save(c); err != nil {
					return err
				}
			}
			return nil
		}
	}
	m.Register(set(live), set(before))
}
