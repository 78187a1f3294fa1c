package rectify

import (
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/table"
)

// EscalateSchedule is how often the deadline job runs.
const EscalateSchedule = "*/5 * * * *"

// registration is what the routes need of Register's arguments.
type registration struct{ now func() time.Time }

// Register binds the lifecycle's invariants to every save of a finding, the timeline, figures
// and milestones routes and the deadline job, which read the time from now.
func Register(app core.App, now func() time.Time) {
	reg := &registration{now: now}
	registerAuthority(app)
	app.OnRecordCreate(schema.Findings).BindFunc(func(e *core.RecordEvent) error {
		if err := checkFinding(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordUpdate(schema.Findings).BindFunc(func(e *core.RecordEvent) error {
		if err := checkFinding(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/fs/findings/{id}/timeline", handleTimeline)
		se.Router.GET("/api/fs/rectify/figures", reg.handleFigures).Bind(apis.RequireAuth())
		se.Router.GET("/api/fs/rectify/figures.csv", reg.handleFiguresFile(table.CSV)).Bind(apis.RequireAuth())
		se.Router.GET("/api/fs/rectify/figures.xlsx", reg.handleFiguresFile(table.XLSX)).Bind(apis.RequireAuth())
		se.Router.GET("/api/fs/milestones", reg.handleMilestones).Bind(apis.RequireAuth())
		se.Router.GET("/api/fs/milestones.csv", reg.handleMilestonesFile(table.CSV)).Bind(apis.RequireAuth())
		se.Router.GET("/api/fs/milestones.xlsx", reg.handleMilestonesFile(table.XLSX)).Bind(apis.RequireAuth())
		return se.Next()
	})
	app.Cron().MustAdd("fieldsync_escalate", EscalateSchedule, func() {
		// A panic in a job must never take the server down.
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("escalation panicked", "panic", r)
			}
		}()
		if _, _, err := Escalate(app, now()); err != nil {
			app.Logger().Error("escalation failed", "error", err)
		}
	})
}
