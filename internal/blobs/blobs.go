// Package blobs stores photo bytes by their SHA-256 and makes them safe to show: resumable
// uploads that survive bad networks, a header-first image pipeline that refuses hostile files
// before decoding them, derived images made from one bounded decode, evidence facts read from
// EXIF, and per-request access checks when bytes are served.
//
// The routes live under /api/fs/blobs/ (uploads) and /api/fs/photos/ (serving, missing
// evidence). Records reference photos, and photos reference blobs by hash, so records sync to
// the server before their bytes: a photo stays pending until someone allowed to see it uploads
// the bytes it names.
package blobs

import (
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/blobs/photo"
)

// Config holds the blob store's settings; FIELDSYNC_PHOTO_* variables change some
// (internal/config).
type Config struct {
	// MaxBytes is the largest upload accepted.
	MaxBytes int64
	// Photo bounds the image pipeline.
	Photo photo.Limits
	// SlotWait is how long a completed upload waits for one of the completion slots (twice
	// as many as Photo.Decoders) before it is answered 503 server_busy; zero means
	// Photo.DecodeWait. Tests shorten it to provoke the busy answer.
	SlotWait time.Duration
	// PartTTL is how long an upload may rest before its part is removed.
	PartTTL time.Duration
	// CleanSchedule is the cron expression of the part cleaner.
	CleanSchedule string
	// GCSchedule is the cron expression of the collector of unreferenced blobs (Collect).
	GCSchedule string
	// GCGrace is how long a blob no photo refers to is kept (see Collect).
	GCGrace time.Duration
	// Now is the clock; tests inject their own.
	Now func() time.Time
	// PublicMaxBytes is the largest upload accepted through the public door.
	PublicMaxBytes int64
	// PublicGate, when set, is asked before a public upload starts and may refuse it (the
	// reports module limits it per address and device). Its error should be a *fault.Error.
	PublicGate func(e *core.RequestEvent) error
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{
		MaxBytes:       25 << 20,
		PublicMaxBytes: 12 << 20,
		Photo:          photo.DefaultLimits(),
		PartTTL:        48 * time.Hour,
		CleanSchedule:  "23 * * * *",
		GCSchedule:     "41 3 * * *",
		GCGrace:        7 * 24 * time.Hour,
		Now:            time.Now,
	}
}

// Service is the blob store bound to one app.
type Service struct {
	app      core.App
	cfg      Config
	pipeline *photo.Pipeline
	uploads  *uploads
	// finishing bounds the completions in progress (see complete).
	finishing *gate
	transfers *transfers
}

// partsDir is where upload parts rest, under the data dir: local even when blobs go to S3, and
// kept across restarts so that an upload resumes after one (PocketBase's own temp dir is
// emptied on every start). Backups leave it out.
const partsDir = "blob_parts"

// Register binds the upload and serving routes, the evidence hooks and the part cleaner to app.
func Register(app core.App, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SlotWait <= 0 {
		cfg.SlotWait = cfg.Photo.DecodeWait
	}
	s := &Service{app: app, cfg: cfg, pipeline: photo.NewPipeline(cfg.Photo),
		finishing: newGate(2*max(cfg.Photo.Decoders, 1), cfg.SlotWait), transfers: newTransfers()}
	s.uploads = newUploads(func() string { return filepath.Join(app.DataDir(), partsDir) }, cfg.Now)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		s.routes(se)
		return se.Next()
	})
	app.OnBackupCreate().BindFunc(func(e *core.BackupEvent) error {
		e.Exclude = append(e.Exclude, partsDir)
		return e.Next()
	})
	s.registerEvidence(app)
	registerBlobGuards(app)
	cronJob(app, "fieldsync_blob_parts", cfg.CleanSchedule, func() {
		if n, err := s.uploads.clean(cfg.PartTTL); err != nil {
			app.Logger().Error("blob part cleaning failed", "error", err)
		} else if n > 0 {
			app.Logger().Info("removed stale blob parts", "count", n)
		}
	})
	cronJob(app, "fieldsync_blob_gc", cfg.GCSchedule, func() {
		got, err := Collect(app, cfg.Now().Add(-cfg.GCGrace))
		if err != nil {
			app.Logger().Error("blob collection failed", "error", err)
		}
		if got.Blobs > 0 || got.Orphans > 0 {
			app.Logger().Info("collected unreferenced blobs", "blobs", got.Blobs, "orphans", got.Orphans)
		}
	})
	return s
}

// Completions is what the completions of uploads are doing now, for the metrics.
func (s *Service) Completions() Load { return s.finishing.load() }

// cronJob schedules job on app's cron; a panic is logged, not fatal to the server.
func cronJob(app core.App, id, schedule string, job func()) {
	app.Cron().MustAdd(id, schedule, func() {
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("scheduled job panicked", "job", id, "panic", r)
			}
		}()
		job()
	})
}
