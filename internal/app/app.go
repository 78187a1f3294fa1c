// Package app wires fieldsync's modules into a PocketBase app. It is the only place that knows
// every module; nothing imports it but the commands.
package app

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/audit"
	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/config"
	"github.com/haidian/fieldsync/internal/console"
	"github.com/haidian/fieldsync/internal/dust"
	"github.com/haidian/fieldsync/internal/fire"
	"github.com/haidian/fieldsync/internal/inspectorapp"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/monthly"
	"github.com/haidian/fieldsync/internal/notice"
	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/publicweb"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/ruleguard"
	"github.com/haidian/fieldsync/internal/signin"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/tutoring"
	"github.com/haidian/fieldsync/internal/vocab"

	// The schema, as Go migrations applied on start.
	_ "github.com/haidian/fieldsync/pb_migrations"
)

// Options are what BindWith gives the modules: the operator's settings, read once at start
// (internal/config), and the clock.
type Options struct {
	// Settings are the operator's settings; no module reads the environment itself.
	Settings config.Config
	// Now is every module's clock; tests inject their own. Nil means time.Now.
	Now func() time.Time
	// ReadyTimeout bounds each readiness check; zero means ops.DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// PhotoSlotWait is how long a completed photo upload waits for a completion slot before
	// it is answered busy; zero means the pipeline's decode wait (blobs.Config.SlotWait).
	// Tests shorten it to provoke the busy answer.
	PhotoSlotWait time.Duration
}

// DefaultOptions are the default settings on the real clock.
func DefaultOptions() Options { return Options{Settings: config.Default()} }

// Bind registers every module's hooks and routes on app, with the default settings.
func Bind(app core.App) { BindWith(app, DefaultOptions()) }

// BindWith is Bind with the operator's settings and a clock. The returned service takes
// further readiness checks and metrics (a replicator's, for one).
func BindWith(app core.App, o Options) *ops.Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	atomic.Register(app)
	access.Register(app)
	ruleguard.Register(app)
	audit.Register(app)
	localsetting.Register(app)
	syncs := sync.Register(app, syncConfig(o))
	sync.RegisterRevocation(app)
	signin.Register(app, signinConfig(o))
	rep := reports.Register(app, reportConfig(o))
	photos := photoConfig(o)
	photos.PublicGate = rep.PublicUploadGate
	blobStore := blobs.Register(app, photos)
	rectify.Register(app, o.Now)
	fire.Register(app)
	smokealarm.Register(app)
	tutoring.Register(app, o.Now)
	dust.Register(app)
	monthly.Register(app)
	vocab.Register(app)
	notice.Register(app)
	console.Register(app)
	inspectorapp.Register(app)
	publicweb.Register(app, rep)
	return ops.Register(app, ops.Config{MetricsToken: o.Settings.MetricsToken, ReadyTimeout: o.ReadyTimeout, Now: o.Now,
		PushQueue: syncs.PushQueue, PhotoCompletions: blobStore.Completions})
}

// syncConfig is the sync protocol's settings.
func syncConfig(o Options) sync.Config {
	sc := sync.DefaultConfig()
	sc.RemoveRetention = o.Settings.RemoveRetention
	sc.PushMaxWait = o.Settings.PushMaxWait
	sc.Now = o.Now
	return sc
}

// reportConfig is the public reports' settings.
func reportConfig(o Options) reports.Config {
	rc := reports.DefaultConfig()
	rc.ReceiptKey = []byte(o.Settings.ReceiptKey)
	rc.Now = o.Now
	return rc
}

// signinConfig is the sign-in throttle's settings.
func signinConfig(o Options) signin.Config {
	sc := signin.DefaultConfig()
	sc.Now = o.Now
	return sc
}

// photoConfig is the photo pipeline's settings.
func photoConfig(o Options) blobs.Config {
	photos := blobs.DefaultConfig()
	photos.Photo.Decoders = o.Settings.PhotoDecoders
	photos.Photo.MaxPixels = o.Settings.PhotoMaxPixels
	photos.SlotWait = o.PhotoSlotWait
	photos.Now = o.Now
	return photos
}
