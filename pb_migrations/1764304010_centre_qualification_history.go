package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The history of each centre's qualification, licence issuer and academic-subject flag (internal/tutoring,
// history.go), so that a day's daily report is computed from what was known that day. A plain
// table: no REST or sync door reaches it; the reports read it.
//
// Centres stored before this migration have no past: their present qualification is taken as
// known since always (known_at ”), which is what every report read before.
const centreQualifications = `CREATE TABLE fs_centre_qualifications (
	centre        TEXT NOT NULL,  -- tutoring_centres.id
	place         TEXT NOT NULL,  -- the centre's place, which the reports count by
	qualification TEXT NOT NULL,  -- vocab qualification, as derived on the save
	licence_issuer TEXT NOT NULL, -- vocab licence_issuer of the school licence, or ''
	subject       BOOLEAN NOT NULL,  -- academic-subject training among its categories
	known_at      TEXT NOT NULL   -- when the server stored it, as PocketBase writes dates
)`

func init() {
	m.Register(func(app core.App) error {
		for _, q := range []string{
			centreQualifications,
			`CREATE INDEX idx_fs_centre_qualifications_place ON fs_centre_qualifications (place, known_at)`,
			`INSERT INTO fs_centre_qualifications (centre, place, qualification, licence_issuer, subject, known_at)
				SELECT id, place, qualification, licence_issuer,
					EXISTS (SELECT 1 FROM json_each(categories) WHERE value = 'subject'), ''
				FROM tutoring_centres`,
		} {
			if _, err := app.DB().NewQuery(q).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP TABLE fs_centre_qualifications`).Execute()
		return err
	})
}
