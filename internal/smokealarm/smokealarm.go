// Package smokealarm holds the rules of the smoke-alarm programme (shared/domain.md §2): which
// household may receive which unit, what an install must record, and the progress the district
// reads against its quotas and its target.
//
// The rules are model hooks, so they hold for every save whichever door it came through: REST,
// batch, a sync push, the admin UI or a JS hook. Two kinds are told apart:
//
//   - Integrity rules bind every writer, district administrators and server code included:
//     the household must be a live household of the install's subdistrict; a networked unit
//     goes only to a household of the elderly living alone or of the disabled; a serial is
//     unique across the district among live installs; the household facts are derived by
//     the server.
//   - Recording rules bind every person who records an install (staff at any door, district
//     administrators in the admin UI), not server code: a serial, the place in the home and
//     the resident's consent are required. Server code (importers, the demo loader, JS hooks
//     of local policy, test fixtures) may carry installs it did not witness, such as records
//     kept on paper before the system.
//
// Follow-ups (smoke_alarm_followups) are later visits to an installed unit, recorded against its
// install: each tests the unit, and a replacement records the new unit's serial, which joins the
// district's unique serials; the server records the serial it replaced. A follow-up of a
// voided install is refused (alarm_install_voided), and so is a replacement without the new
// unit's test (alarm_replacement_untested).
//
// Refusals are field errors with stable codes (alarm_*), as PocketBase reports model validation:
// through REST as data.<field>.code, through a sync push as fields.<field> of a rejected outcome.
//
// A quota is a planning figure: the fire brigade buys units by it. An install beyond its
// subdistrict's quota is a real unit on a real ceiling, so it is recorded and flagged in the
// progress (over_quota), never refused.
package smokealarm

import (
	"github.com/haidian/fieldsync/internal/beijing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Plan is the district's smoke-alarm plan of one year.
type Plan struct {
	Year int
	// Target is the number of units the district is to have installed, counting those
	// installed before the plan.
	Target int
	// InstalledBefore is what the subdistricts had installed themselves before the plan. The
	// gazette gives it for the district only, not per subdistrict, so it is a fact of the plan,
	// not a figure anyone edits or allocates.
	InstalledBefore int
	// Networked and Ordinary split the remaining units by unit type.
	Networked, Ordinary int
	// Deadline is the last day of the plan.
	Deadline time.Time
}

// Plan2018 is plan 海政办发〔2018〕16号, gazette 2018 issue 2, lines 3488-3500 and the budget
// table at line 3638: 120,000 units, of which the subdistricts had installed 19,355; the
// remaining 100,645 are 5,000 networked units for households of elderly people living alone
// and of disabled people and 95,645 ordinary units, households with members aged 60+ first;
// done by the end of November 2018.
var Plan2018 = Plan{
	Year: 2018, Target: 120000, InstalledBefore: 19355, Networked: 5000, Ordinary: 95645,
	Deadline: time.Date(2018, 11, 30, 0, 0, 0, 0, beijing.Zone),
}

// plans are the known plans by year.
var plans = map[int]Plan{Plan2018.Year: Plan2018}

// Register binds the install and follow-up rules and the progress and export routes.
func Register(app core.App) {
	registerInstallRules(app)
	registerFollowupRules(app)
	registerQuotaRules(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		routes(se)
		return se.Next()
	})
}
