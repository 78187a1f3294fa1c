package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
)

// A reporter who sends a report from the public pages gets a short code to write down
// (internal/publicweb/code.go). The row keeps the report's receipt sealed (AES-GCM) under a key
// derived from the tracking number and that code, which is never stored: the code opens the
// receipt, and the receipt opens the report through the same checks (revocation, expiry) as
// the API. No API rule: only district administrators see the rows in the admin UI.
func init() {
	m.Register(func(app core.App) error {
		return createAll(app, []spec{{name: s.TrackingCodes, indexes: [][]string{{"tracking_no"}},
			fields: []core.Field{
				rel("report", s.Reports, true),
				text("tracking_no", true, 32),
				text("sealed", true, 4096),
			}}}, nil)
	}, func(app core.App) error {
		return deleteAll(app, []spec{{name: s.TrackingCodes}})
	})
}
