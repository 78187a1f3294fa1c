package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
)

// The public reads tutoring centres only through these views, which select the published
// facts (licence and list status, filed classes) and no personal data: no representative,
// principal, phone or hukou ever reaches an anonymous caller.
func init() {
	views := []struct{ name, query string }{
		{s.PublicCentres, `SELECT c.id, p.name, p.address, p.subdistrict, c.credit_code,
			c.qualification, c.school_licence, c.licence_no, c.list_status, c.status, c.categories, c.subjects
			FROM tutoring_centres c JOIN places p ON p.id = c.place`},
		{s.PublicCentreClasses, `SELECT id, centre, name, content, target_students, schedule
			FROM centre_classes`},
	}
	m.Register(func(app core.App) error {
		for _, v := range views {
			c := core.NewViewCollection(v.name, s.CollectionID(v.name))
			c.ViewQuery = v.query
			c.ListRule = a.Public()
			c.ViewRule = a.Public()
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, v := range views {
			if c, err := app.FindCollectionByNameOrId(v.name); err == nil {
				if err := app.Delete(c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
