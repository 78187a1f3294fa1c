package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// The follow-ups of smoke-alarm units (internal/smokealarm): each later visit to an installed
// unit, recorded against its install. Every visit tests the unit (result); a visit that
// replaced it records the new unit's serial, and the server records the serial it replaced.
// Staff of the subdistrict read and record them; the ledger is append-only for staff, as the
// bare-land ledger is, so a mistaken entry is corrected by a later one or by a district
// administrator. New serials are unique across the district among live installs and
// follow-ups: the index backs the smokealarm hook, which answers alarm_serial_taken first.
const alarmNewSerialUnique = "idx_smoke_alarm_followups_new_serial_live_unique"

func followupSpec() spec {
	return spec{name: s.AlarmFollowups, indexes: [][]string{{"subdistrict", "visited_on"}},
		rules: a.Rules{List: a.ScopedRead(), View: a.ScopedRead(), Create: a.FieldCreate()},
		fields: []core.Field{
			rel("install", s.AlarmInstalls, true),
			rel("subdistrict", s.Subdistricts, true),
			date("visited_on", true),
			sel("result", v.InspectionResult, true),
			pattern("new_serial", false, 60, serialRE),
			text("replaced_serial", false, 60),
			text("notes", false, maxNote),
			multiRel("photos", s.Photos, 5),
			rel("inspector", s.Users, false),
			flag("voided"),
		}}
}

func init() {
	m.Register(func(app core.App) error {
		if err := createAll(app, []spec{followupSpec()}, nil); err != nil {
			return err
		}
		c, err := app.FindCollectionByNameOrId(s.AlarmFollowups)
		if err != nil {
			return err
		}
		c.AddIndex(alarmNewSerialUnique, true, "`new_serial`", "`new_serial` != '' AND `voided` = FALSE")
		return app.Save(c)
	}, func(app core.App) error {
		return deleteAll(app, []spec{followupSpec()})
	})
}
