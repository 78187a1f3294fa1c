package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// Major-hazard supervision (gazette lines 3404, 3406, 3452) and the records the plans'
// milestones are counted from (lines 3406, 4823):
//   - a finding is listed for government supervision at district or subdistrict level
//     (supervision_level), may be regional, an area rather than one place (regional, region),
//     and may be proposed by the fire brigade for government listing (listing_*);
//   - a key unit records when its standardised management was completed (standardised_on);
//   - a centre's 限期整改 records when the deadline job escalated it (outcome_escalated_at).
//
// Who writes each is checked on every save (internal/rectify/supervision.go, internal/access).
func init() {
	added := map[string][]core.Field{
		s.Findings: {
			sel("supervision_level", v.SupervisionLevel, false),
			flag("regional"),
			text("region", false, maxNote),
			rel("listing_proposed_by", s.Users, false),
			date("listing_proposed_at", false),
			text("listing_proposal", false, maxNote),
		},
		s.Places:  {date("standardised_on", false)},
		s.Centres: {date("outcome_escalated_at", false)},
	}
	m.Register(func(app core.App) error {
		if err := addFields(app, added); err != nil {
			return err
		}
		return notificationKinds(app, v.NotificationKind.Values())
	}, func(app core.App) error {
		return removeFields(app, added)
	})
}

// notificationKinds sets the kinds a notification may have.
func notificationKinds(app core.App, kinds []string) error {
	c, err := app.FindCollectionByNameOrId(s.Notifications)
	if err != nil {
		return err
	}
	if f, ok := c.Fields.GetByName("kind").(*core.SelectField); ok {
		f.Values = kinds
	}
	return app.Save(c)
}
