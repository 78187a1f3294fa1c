// Package reports takes reports from parents and residents without an account, gives each
// reporter a receipt to follow, amend and dispute their report, keeps their contact details
// from everyone but the supervisors who handle the report, and serves the same data through
// the Open311 GeoReport v2 standard.
//
// Routes:
//
//	GET  /api/fs/reports/form               categories, subdistricts and who sees what
//	POST /api/fs/reports                    submit (idempotency_key makes a retry count once)
//	GET  /api/fs/reports/{tracking}         the report as its reporter sees it   X-Report-Receipt
//	POST /api/fs/reports/{tracking}/info    add information and photos            X-Report-Receipt
//	POST /api/fs/reports/{tracking}/dispute dispute a fix within 30 days          X-Report-Receipt
//	POST /api/fs/open311/keys               issue an Open311 api_key (district administrators)
//	/open311/v2/...                         Open311 GeoReport v2 (open311.go)
//
// Staff handle reports with the commands of triage.go (report.assign@1, report.link@1,
// report.inspect@1, report.reject@1, report.close@1), through POST /api/fs/commands or a sync
// push. A report linked to a finding follows the finding's lifecycle: "fixed" only when the
// finding is closed on a passing re-inspection, which is not the same as "closed".
package reports

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// Config holds the module's settings.
type Config struct {
	// Now is the clock; tests inject their own.
	Now func() time.Time
	// ReceiptTTL is how long a receipt stays valid.
	ReceiptTTL time.Duration
	// DisputeWindow is how long after a fix its reporter may dispute it.
	DisputeWindow time.Duration
	// DuplicateWindow and DuplicateRadius decide when a new report joins an open case: same
	// category and place (or, without a registered place, a point within the radius in metres),
	// reported within the window.
	DuplicateWindow time.Duration
	DuplicateRadius float64
	// TriageWithin is how long a new report may wait for triage before its supervisors are
	// reminded (once).
	TriageWithin time.Duration
	// Jurisdiction is the Open311 jurisdiction_id this server answers for.
	Jurisdiction string
	// Limits bound what one address, device or client may send.
	Limits Limits
	// ReceiptKey, when set (32 bytes or more: internal/config checks it), signs receipts
	// instead of the key generated in the database on first start, so an operator can keep
	// the key out of backups.
	ReceiptKey []byte
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{
		Now:             time.Now,
		ReceiptTTL:      2 * 365 * 24 * time.Hour,
		DisputeWindow:   30 * 24 * time.Hour,
		DuplicateWindow: 30 * 24 * time.Hour,
		DuplicateRadius: 50,
		TriageWithin:    48 * time.Hour,
		Jurisdiction:    "haidian.beijing.gov.cn",
		Limits:          DefaultLimits(),
	}
}

// Service is the reports module bound to one app.
type Service struct {
	app     core.App
	cfg     Config
	limiter *limiter
	keys    *keyring
}

// Register binds the routes and the hooks that keep a report's status and history, and
// returns the service (its PublicUploadGate guards the public photo upload).
func Register(app core.App, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{app: app, cfg: cfg, limiter: newLimiter(cfg.Now), keys: &keyring{operator: cfg.ReceiptKey}}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		s.routes(se)
		s.open311Routes(se)
		return se.Next()
	})
	app.OnRecordCreate(schema.Reports).BindFunc(func(e *core.RecordEvent) error {
		s.recordHistory(e.App, e.Record)
		return e.Next()
	})
	app.OnRecordUpdate(schema.Reports).BindFunc(func(e *core.RecordEvent) error {
		s.recordHistory(e.App, e.Record)
		return e.Next()
	})
	app.OnRecordUpdate(schema.Findings).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return s.followFinding(e.App, e.Record)
	})
	app.Cron().MustAdd("fieldsync_report_reminders", ReminderSchedule, func() {
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("report reminders panicked", "panic", r)
			}
		}()
		if _, err := s.remindUntriaged(app); err != nil {
			app.Logger().Error("report reminders failed", "error", err)
		}
	})
	return s
}

// ReminderSchedule is how often untriaged reports are looked for.
const ReminderSchedule = "17 * * * *"
