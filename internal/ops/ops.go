// Package ops is what an operator watches a running server with: Prometheus metrics at
// /metrics (for a configured token or a district administrator), a readiness check at
// /api/fs/ready, and the start-up checks that refuse to serve on a broken install.
//
// The other modules stay unaware of it: HTTP metrics come from one middleware that labels a
// request by its route pattern, never its path; the sync protocol and the blob store leave a
// small summary on their requests (sync.TallyOf, blobs.CompletionOf) that the middleware reads
// after the answer; the rest is read from the database when Prometheus scrapes.
package ops

import (
	"context"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/sync"
)

// Config holds the operator's settings of metrics and readiness.
type Config struct {
	// MetricsToken, when set, lets a scraper read /metrics with "Authorization: Bearer
	// <token>". Without it only district administrators (superusers) may read them.
	MetricsToken string
	// ReadyTimeout bounds each readiness check; zero means DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// Now is the clock; tests inject their own.
	Now func() time.Time
	// PushQueue, when set, reads the pushes queued for the database's writer (sync's
	// admission), for fieldsync_sync_push_queue.
	PushQueue func() sync.QueueLength
	// PhotoCompletions, when set, reads the completions of photo uploads running and waiting
	// for a slot (the blob store's), for fieldsync_photo_completions.
	PhotoCompletions func() blobs.Load
}

// DefaultReadyTimeout is how long a readiness check may take before it counts as failed.
const DefaultReadyTimeout = 5 * time.Second

// MinTokenLength is the shortest metrics token accepted: a scraper's token is a password
// nobody types, so it can be long.
const MinTokenLength = 32

// Service is the metrics and readiness of one app.
type Service struct {
	app    core.App
	cfg    Config
	reg    *prometheus.Registry
	http   *httpMetrics
	checks []check
}

// Register binds the metrics middleware, /metrics and /api/fs/ready to app. Other modules
// add what they know through the returned Service (AddReadyCheck, ReportReplication).
func Register(app core.App, cfg Config) *Service {
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{app: app, cfg: cfg, reg: prometheus.NewRegistry()}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.http = newHTTPMetrics(s.reg)
	s.reg.MustRegister(&dbCollector{app: app, now: cfg.Now, timeout: cfg.ReadyTimeout}, poolCollector{app: app})
	if cfg.PushQueue != nil {
		s.reg.MustRegister(pushQueueCollector(cfg.PushQueue))
	}
	if cfg.PhotoCompletions != nil {
		s.reg.MustRegister(completionsCollector(cfg.PhotoCompletions))
	}
	s.AddReadyCheck("database", checkDatabase)
	s.AddReadyCheck("blob_store", CheckBlobStore)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(s.http.middleware())
		// Scrapers and probes ask every few seconds: their answers would flood the request
		// log, which keeps the failed ones.
		quiet := apis.SkipSuccessActivityLog()
		se.Router.GET("/metrics", s.handleMetrics).Bind(quiet)
		se.Router.GET("/api/fs/ready", s.handleReady).Bind(quiet) // and HEAD, as GET routes do
		return se.Next()
	})
	return s
}

// AddReadyCheck adds a named check to /api/fs/ready: the server is ready only while every
// check returns nil within the timeout. The replication module registers its own here (for
// example "replication", failing when the replica is unreachable).
func (s *Service) AddReadyCheck(name string, fn func(ctx context.Context, app core.App) error) {
	s.checks = append(s.checks, check{name: name, fn: fn})
}

// MustRegister adds collectors of other modules to /metrics.
func (s *Service) MustRegister(cs ...prometheus.Collector) { s.reg.MustRegister(cs...) }
