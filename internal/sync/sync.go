// Package sync is fieldsync's offline sync protocol: a sequence-numbered change log written in
// the same transaction as every change to a synced collection, scoped pulls from one snapshot,
// exactly-once pushes with per-field conflict detection, a journal of push attempts (diagnostic; see appendJournal),
// and the compaction of old removal markers.
//
// The endpoints live under /api/sync/v1/; mobile-api/openapi.yaml is their contract.
package sync

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Config holds the protocol's limits and retention.
type Config struct {
	// RemoveRetention is how long removal markers are kept. A client whose cursor is older
	// than the compacted markers re-downloads the scope (status "reset").
	RemoveRetention time.Duration
	DefaultPullRows int
	MaxPullRows     int
	MaxMutations    int
	MaxBodyBytes    int64
	// SkewTolerance is the device clock difference beyond which a push is flagged.
	SkewTolerance time.Duration
	// PushMaxWait is the longest a push may expect to wait for the database's writer behind
	// the pushes queued before it; a push that would wait longer is answered 503 sync_busy
	// with Retry-After at once, before anything of it is stored. Zero never refuses a push.
	PushMaxWait time.Duration
	// CompactSchedule is the cron expression of the compaction job.
	CompactSchedule string
	// Now is the clock; tests inject their own.
	Now func() time.Time
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{
		RemoveRetention: 30 * 24 * time.Hour,
		DefaultPullRows: 1000,
		MaxPullRows:     5000,
		MaxMutations:    500,
		MaxBodyBytes:    16 << 20,
		SkewTolerance:   5 * time.Minute,
		PushMaxWait:     30 * time.Second,
		CompactSchedule: "17 3 * * *",
		Now:             time.Now,
	}
}

// Service is the sync protocol bound to one app.
type Service struct {
	app core.App
	cfg Config
	log *changeLog
	// rules evaluates the API rules of pushed mutations (see ruleVerdicts).
	rules *ruleVerdicts
	// pushes orders the pushes' turns at the writer (see admission).
	pushes *admission
	now    func() time.Time
}

// PushQueue is the pushes queued for the writer now, for the metrics.
func (s *Service) PushQueue() QueueLength { return s.pushes.length() }

// Register binds the change log, the membership history, the locks, the routes and the
// compaction job to app.
func Register(app core.App, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// The queue measures real durations (the writer's commit rate), not the app's clock,
	// which tests may hold still.
	s := &Service{app: app, cfg: cfg, now: cfg.Now, rules: newRuleVerdicts(), pushes: newAdmission(cfg.PushMaxWait, time.Now)}
	s.log = newChangeLog(cfg.Now, s.poke)
	s.log.register(app)
	s.rules.register(app)
	s.registerMemberships(app)
	registerLocks(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		s.routes(se)
		return se.Next()
	})
	app.Cron().MustAdd("fieldsync_sync_compact", cfg.CompactSchedule, func() {
		// A panic in a job must never take the server down.
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("sync compaction panicked", "panic", r)
			}
		}()
		if _, err := Compact(app, s.now().Add(-cfg.RemoveRetention)); err != nil {
			app.Logger().Error("sync compaction failed", "error", err)
		}
	})
	return s
}
