// Package app wires fieldsync's modules into a PocketBase app. It is the only place that knows
// every module; nothing imports it but the commands.
package app

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/audit"
	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/console"
	"github.com/haidian/fieldsync/internal/dust"
	"github.com/haidian/fieldsync/internal/fire"
	"github.com/haidian/fieldsync/internal/inspectorapp"
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

// Bind registers every module's hooks and routes on app, with the default sync settings.
func Bind(app core.App) {
	BindWith(app, sync.DefaultConfig())
}

// BindWith is Bind with explicit sync settings (the server reads them from the environment;
// tests inject a clock).
func BindWith(app core.App, cfg sync.Config) { BindServer(app, cfg, ops.Config{Now: cfg.Now}) }

// BindServer is BindWith with the operator's settings of metrics and readiness. The returned
// service takes further readiness checks and metrics (a replicator's, for one).
func BindServer(app core.App, cfg sync.Config, opsCfg ops.Config) *ops.Service {
	atomic.Register(app)
	access.Register(app)
	ruleguard.Register(app)
	audit.Register(app)
	sync.Register(app, cfg)
	sync.RegisterRevocation(app)
	signin.Register(app, signinConfig(cfg))
	rep := reports.Register(app, reportConfig(cfg))
	photos := photoConfig(app, cfg)
	photos.PublicGate = rep.PublicUploadGate
	blobs.Register(app, photos)
	rectify.Register(app, cfg.Now)
	fire.Register(app)
	smokealarm.Register(app)
	tutoring.Register(app, cfg.Now)
	dust.Register(app)
	monthly.Register(app)
	vocab.Register(app)
	notice.Register(app)
	console.Register(app)
	inspectorapp.Register(app)
	publicweb.Register(app, rep)
	return ops.Register(app, opsCfg)
}

// reportConfig is the public reports' settings, on the sync clock.
func reportConfig(cfg sync.Config) reports.Config {
	rc := reports.DefaultConfig()
	rc.Now = cfg.Now
	return rc
}

// signinConfig is the sign-in throttle's settings, on the sync clock.
func signinConfig(cfg sync.Config) signin.Config {
	sc := signin.DefaultConfig()
	sc.Now = cfg.Now
	return sc
}

// photoConfig is the photo pipeline's settings from the environment, on the sync clock.
func photoConfig(app core.App, cfg sync.Config) blobs.Config {
	photos, err := blobs.ConfigFromEnv()
	if err != nil {
		app.Logger().Error("photo settings ignored, defaults apply", "error", err)
	}
	photos.Now = cfg.Now
	return photos
}
