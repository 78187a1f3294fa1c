package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
)

// maxAccuracyM bounds the stated accuracy of a place's point: beyond 10 km the phone had no
// fix worth the name (a position from the network's cell or an IP address), and a point that
// vague locates no door, so the inspector takes it again nearer.
const maxAccuracyM = 10_000

// A place keeps the accuracy of its point (metres, the phone's GPS radius at 68%) beside the
// point, so a supervisor can tell a point taken at the door from one taken down the street.
// Negative and absurd values are refused (validation_min_number_constraint,
// validation_max_number_constraint on location_accuracy_m).
var placeAccuracyFields = map[string][]core.Field{
	s.Places: {number("location_accuracy_m", false, 0, maxAccuracyM)},
}

func init() {
	m.Register(func(app core.App) error {
		return addFields(app, placeAccuracyFields)
	}, func(app core.App) error {
		return removeFields(app, placeAccuracyFields)
	})
}
