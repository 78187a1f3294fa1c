// Package demo loads demonstration accounts and records: one account per role and realistic,
// invented records of Haidian's four programmes (fire hazards, smoke alarms, tutoring centres,
// dust), so that a new installation can be shown and tried at once.
//
// Every record has a fixed id, so loading is idempotent: a record whose id (or natural key)
// is already stored is left alone and counted as present. Writes go through app.Save, so the
// model hooks (field policies, audit) run as for any other write; they are attributed to the
// system.
package demo

import (
	"database/sql"
	"errors"
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
)

// item is one demo record: its collection, fixed id and field values. key names the fields of
// a unique index that identifies the same fact stored under another id (a quota of a
// subdistrict, unit type and year), so a row made by somebody else is not duplicated.
type item struct {
	coll string
	id   string
	data map[string]any
	key  []string
}

// Load creates the demo accounts and records that are missing, in one transaction, and returns
// a report of the accounts and of what it created and found already present. Running it again
// changes nothing.
func Load(app core.App) (string, error) {
	t := newTally()
	err := app.RunInTransaction(func(txApp core.App) error {
		for _, it := range items() {
			created, err := ensure(txApp, it)
			if err != nil {
				return fmt.Errorf("demo %s %s: %w", it.coll, it.id, err)
			}
			t.add(it.coll, created)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return t.report(), nil
}

// items lists every demo record, parents before the records that link to them.
func items() []item {
	var all []item
	for _, table := range [][]item{
		accounts(), places(), households(), centres(), centreClasses(), sites(),
		photos(), inspections(), findings(), incidents(), referrals(), enforcements(),
		alarmQuotas(), alarmInstalls(), landEntries(), dustfall(),
		publicReports(), reportContacts(),
	} {
		all = append(all, table...)
	}
	return all
}

// ensure saves it unless it is already stored, and reports whether it created it.
func ensure(app core.App, it item) (bool, error) {
	present, err := exists(app, it)
	if err != nil || present {
		return false, err
	}
	coll, err := app.FindCachedCollectionByNameOrId(it.coll)
	if err != nil {
		return false, fmt.Errorf("find collection: %w", err)
	}
	r := core.NewRecord(coll)
	r.Id = it.id
	r.Load(it.data)
	if coll.IsAuth() {
		r.SetPassword(Password)
		r.SetVerified(true)
	}
	access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorSystem})
	if err := app.Save(r); err != nil {
		return false, fmt.Errorf("save: %w", err)
	}
	return true, nil
}

// exists reports whether it is stored under its id or, when it has one, its natural key.
func exists(app core.App, it item) (bool, error) {
	_, err := app.FindRecordById(it.coll, it.id)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("find by id: %w", err)
	}
	if len(it.key) == 0 {
		return false, nil
	}
	match := dbx.HashExp{}
	for _, f := range it.key {
		match[f] = it.data[f]
	}
	n, err := app.CountRecords(it.coll, match)
	if err != nil {
		return false, fmt.Errorf("find by key: %w", err)
	}
	return n > 0, nil
}

// ID returns the fixed 15-character id of the n-th demo record of a kind (a short lowercase
// prefix such as "pl" for places): "dm", the kind, and n zero-padded.
func ID(kind string, n int) string {
	width := 13 - len(kind)
	if width < 3 || n < 0 {
		panic("demo: bad id kind " + kind)
	}
	return fmt.Sprintf("dm%s%0*d", kind, width, n)
}

// beijing is the district's time zone; the tables give times as inspectors note them.
var beijing = bj.Zone

// at converts a Beijing wall-clock time "2006-01-02 15:04" to the UTC timestamp PocketBase
// stores. The tables are fixed, so a malformed entry is a programming error.
func at(s string) types.DateTime {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, beijing)
	if err != nil {
		panic("demo: bad time " + s)
	}
	dt, _ := types.ParseDateTime(t.UTC())
	return dt
}

// day returns a calendar date as PocketBase's date fields hold one: midnight UTC, so the date
// reads the same in every client whatever its zone.
func day(s string) types.DateTime {
	dt, err := types.ParseDateTime(s + " 00:00:00.000Z")
	if err != nil || !strings.HasPrefix(dt.String(), s) {
		panic("demo: bad date " + s)
	}
	return dt
}

// geo returns a location value.
func geo(lat, lon float64) map[string]any { return map[string]any{"lat": lat, "lon": lon} }
