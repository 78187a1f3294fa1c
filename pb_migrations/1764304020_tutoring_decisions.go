package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
)

// The white and black lists and the filing of classes are the education commission's
// decisions (gazette lines 4730-4732, 4762, 4833), recorded with who decided and when
// (internal/tutoring/decisions.go). The public views show a list only once it is decided and a
// class only once it is filed; what a subdistrict enters is not published by itself.
func init() {
	published := map[string]string{
		s.PublicCentres: `SELECT c.id, p.name, p.address, p.subdistrict, c.credit_code,
			c.qualification, c.school_licence, c.licence_no,
			IIF(c.list_decided_at != '', c.list_status, 'none') AS list_status,
			c.status, c.categories, c.subjects
			FROM tutoring_centres c JOIN places p ON p.id = c.place
			WHERE c.voided = FALSE AND p.voided = FALSE`,
		s.PublicCentreClasses: `SELECT cc.id, cc.centre, cc.name, cc.content, cc.target_students, cc.schedule
			FROM centre_classes cc JOIN tutoring_centres c ON c.id = cc.centre
			WHERE cc.voided = FALSE AND c.voided = FALSE AND cc.filed_at != ''`,
	}
	live := map[string]string{
		s.PublicCentres: `SELECT c.id, p.name, p.address, p.subdistrict, c.credit_code,
			c.qualification, c.school_licence, c.licence_no, c.list_status, c.status, c.categories, c.subjects
			FROM tutoring_centres c JOIN places p ON p.id = c.place
			WHERE c.voided = FALSE AND p.voided = FALSE`,
		s.PublicCentreClasses: `SELECT cc.id, cc.centre, cc.name, cc.content, cc.target_students, cc.schedule
			FROM centre_classes cc JOIN tutoring_centres c ON c.id = cc.centre
			WHERE cc.voided = FALSE AND c.voided = FALSE`,
	}
	decisionFields := map[string][]core.Field{
		s.Centres: {rel("list_decided_by", s.Users, false), date("list_decided_at", false),
			text("list_reason", false, maxNote)},
		s.CentreClasses: {rel("filed_by", s.Users, false), date("filed_at", false)},
	}
	m.Register(func(app core.App) error {
		for name, fields := range decisionFields {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			for _, f := range fields {
				c.Fields.Add(f)
			}
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return setViews(app, published)
	}, func(app core.App) error {
		if err := setViews(app, live); err != nil {
			return err
		}
		for name, fields := range decisionFields {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			for _, f := range fields {
				c.Fields.RemoveByName(f.GetName())
			}
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// setViews sets the queries of view collections.
func setViews(app core.App, queries map[string]string) error {
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
