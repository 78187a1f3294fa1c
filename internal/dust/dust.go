// Package dust holds the rules of the dust programme (扬尘治理, Blue Sky 2018, plan
// 海政办发〔2018〕19号, gazette lines 3682-3772; shared/domain.md §4): the six-100% checklist of
// construction sites, the checks of roads, stockpiles, mixing stations and muck trucks, the
// bare-land ledger's treated share, and the monthly ranking of the 29 subdistricts.
//
// The rules on records are model hooks, so they hold at every door:
//
//   - a dust inspection of a construction site records all six items of the Beijing "six
//     100%" rule, each true or false (dust_checklist_incomplete); the site complies only if all
//     six hold, so the server sets the result: pass when all six hold, fail otherwise;
//   - a dust checklist holds only known items (dust_checklist_invalid) and its suppression
//     devices only known devices; any other dust check with a false item fails;
//   - the bare-land ledger records bare-land places only (dust_land_place), each entry's
//     treatment fitting its state (dust_land_treatment_mismatch): cover for covered, green for
//     greened, pave for paved, none for bare;
//   - an illegal concrete mixing station is a finding at a mixing-station place
//     (dust_mixing_station_place): "find one, close one" goes through the shared lifecycle.
//
// Violations are findings of the dust programme: the inspector orders rectification by a
// deadline (finding.order@1) and the environment bureau or urban management may record a
// stop-work order (enforcement_actions, measure stop_work); closure needs a passing
// re-inspection with photos, as for every programme (internal/rectify).
package dust

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the programme's rules and routes.
func Register(app core.App) {
	app.OnRecordCreate(schema.Inspections).BindFunc(checkInspection)
	app.OnRecordUpdate(schema.Inspections).BindFunc(checkInspection)
	app.OnRecordCreate(schema.Findings).BindFunc(checkFinding)
	app.OnRecordUpdate(schema.Findings).BindFunc(checkFinding)
	app.OnRecordCreate(schema.LandEntries).BindFunc(checkLandEntry)
	app.OnRecordUpdate(schema.LandEntries).BindFunc(checkLandEntry)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		routes(se)
		return se.Next()
	})
}
