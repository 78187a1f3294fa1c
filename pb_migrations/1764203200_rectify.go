package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// The rectification lifecycle (internal/rectify): what a finding went through, the referral
// hand-over, and the notifications supervisors and agencies see on their phones and in the
// admin UI.
var rectifyFields = map[string][]core.Field{
	s.Findings: {
		date("ordered_at", false),
		text("acknowledged_by_name", false, 60),
		date("acknowledged_at", false),
		rel("reinspection", s.Inspections, false),
		date("escalated_at", false),
		text("return_reason", false, maxNote),
	},
	s.Referrals: {
		date("responded_at", false),
		date("escalated_at", false),
	},
}

func init() {
	m.Register(func(app core.App) error {
		if err := addFields(app, rectifyFields); err != nil {
			return err
		}
		return createAll(app, []spec{notificationSpec()}, nil)
	}, func(app core.App) error {
		if err := deleteAll(app, []spec{notificationSpec()}); err != nil {
			return err
		}
		return removeFields(app, rectifyFields)
	})
}

// notificationSpec: each user reads and marks read their own notifications; only the server
// writes them.
func notificationSpec() spec {
	own := a.Rule(a.Staff, "user = @request.auth.id")
	return spec{name: s.Notifications, indexes: [][]string{{"user", "read"}},
		rules: a.Rules{List: own, View: own, Update: own},
		fields: []core.Field{
			rel("user", s.Users, true),
			sel("kind", v.NotificationKind, true),
			rel("subdistrict", s.Subdistricts, false),
			rel("finding", s.Findings, false),
			rel("referral", s.Referrals, false),
			text("message", true, 1000),
			flag("read"),
		}}
}
