// Package tutoring holds the rules of the tutoring-centre programme (校外培训机构专项治理,
// plan 海政办发〔2018〕31号, gazette lines 4595-4912; shared/domain.md §3): the registry of
// centres and its credit codes, the inspection checklist, the outcomes and the white and black
// lists, the daily reports (一) and (二), the import of the agencies' registries and the public
// lookup parents reach from a centre's QR code.
//
// The rules on records are model hooks, so they hold whichever door a save came through
// (REST, batch, sync push, admin UI, JS hooks, server code):
//
//   - a centre's unified social credit code is checked against GB 32100-2015 (credit_code_*);
//   - its qualification class is derived from its licences, never typed;
//   - the rectification opinion (outcome, given by a supervisor's centre.decide@1 command)
//     guide_licence or rectify needs a deadline (centre_outcome_deadline) and puts an operating
//     centre into rectification; stop stops it; the white and black lists and the filing of
//     classes are the education commission's decisions (decisions.go), never derived;
//   - a major safety hazard found at a centre suspends it at once;
//   - the school categories of daily report (二) are found at schools, the other tutoring
//     categories at tutoring centres (tutoring_category_place);
//   - a tutoring inspection's checklist holds only known items, all true or false
//     (tutoring_checklist_invalid), and an inspection that found a violation or a failed safety
//     check fails, whatever result was sent.
//
// The figures and exports are computed from the stored records on every request.
package tutoring

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the programme's rules and routes; now dates the qualification history.
func Register(app core.App, now func() time.Time) {
	app.OnRecordCreate(schema.Centres).BindFunc(checkCentre)
	app.OnRecordUpdate(schema.Centres).BindFunc(checkCentre)
	app.OnRecordCreate(schema.Centres).BindFunc(keepHistory(now))
	app.OnRecordUpdate(schema.Centres).BindFunc(keepHistory(now))
	app.OnRecordUpdate(schema.CentreClasses).BindFunc(unfileEdited)
	app.OnRecordCreate(schema.Inspections).BindFunc(checkInspection)
	app.OnRecordUpdate(schema.Inspections).BindFunc(checkInspection)
	app.OnRecordCreate(schema.Findings).BindFunc(checkFindingPlace)
	app.OnRecordUpdate(schema.Findings).BindFunc(checkFindingPlace)
	app.OnRecordCreate(schema.Findings).BindFunc(suspendOnMajorHazard)
	app.OnRecordUpdate(schema.Findings).BindFunc(suspendOnMajorHazard)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		failInterruptedImports(se.App)
		routes(se, now)
		return se.Next()
	})
}
