package reports

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
)

// A public place is a registered place the public views publish, and only its id, name and
// address are public:
//
//   - the premises of a tutoring centre listed in public_centres, the view parents pick a
//     centre from by name or reach through its QR code (name and address);
//   - a construction site, a business whose address Open311 shows with its requests.
//
// This is the one definition every public door uses: a report (the form or Open311) may name
// only a public place, and the id of any other place, a home above all, is answered exactly as
// an id nobody has; a public answer (the receipt view, Open311 requests) says of a place only
// what this publishes. A place's point is not published: a report's point is its reporter's.
type publicPlace struct {
	ID          string `db:"id"`
	Name        string `db:"name"`
	Address     string `db:"address"`
	Subdistrict string `db:"subdistrict"`
}

// findPublicPlace returns the public place id, or nil when there is no such public place.
func findPublicPlace(app core.App, id string) (*publicPlace, error) {
	if id == "" {
		return nil, nil
	}
	var p publicPlace
	err := app.DB().NewQuery(`
		SELECT p.id, p.name, p.address, p.subdistrict FROM places p
		WHERE p.id = {:id} AND p.voided = FALSE AND (p.kind = 'construction_site' OR (p.kind = 'tutoring_centre'
			AND EXISTS (SELECT 1 FROM tutoring_centres c JOIN public_centres pc ON pc.id = c.id WHERE c.place = p.id)))`).
		Bind(dbx.Params{"id": id}).One(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("public place %s: %w", id, err)
	}
	return &p, nil
}

// whereabouts is what a public answer may say of where a report is.
type whereabouts struct {
	place   *publicPlace // the public place it names, if any
	address string
	point   *Point
}

// whereaboutsOf reads where r is as the public may know it: the public place it names, and
// its address and point, which are the reporter's own or the public place's. A report naming a
// place that is not public (a home, set by staff or stored before this rule) may carry that
// place's address and point, so it says nothing of where it is.
func whereaboutsOf(app core.App, r *core.Record) (whereabouts, error) {
	p, err := findPublicPlace(app, r.GetString(schema.FieldPlace))
	if err != nil || p == nil && r.GetString(schema.FieldPlace) != "" {
		return whereabouts{}, err
	}
	w := whereabouts{place: p, address: r.GetString("address")}
	if g, ok := r.Get("location").(types.GeoPoint); ok && (g.Lon != 0 || g.Lat != 0) {
		w.point = &Point{Lon: g.Lon, Lat: g.Lat}
	}
	return w, nil
}
