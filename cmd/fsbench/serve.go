package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	stdsync "sync"
	"syscall"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"

	fsapp "github.com/haidian/fieldsync/internal/app"
	fsconfig "github.com/haidian/fieldsync/internal/config"
	"github.com/haidian/fieldsync/internal/sqlite"
)

// serveEnv, set to 1, makes fsbench the server under test instead of the benchmark: the
// diagnostic server that --cpuprofile needs, since fieldsync itself has no profiling switch
// and fsbench leaves that binary alone. Its wiring is cmd/fieldsync's (database settings,
// app.BindWith and the settings of the environment, internal/config) without the JS hooks plugin, which
// the benchmark's dir gives no hooks to load anyway.
const serveEnv = "FSBENCH_SERVE"

// profileEnv names the file the diagnostic server writes its CPU profile to. The profile
// covers what lies between SIGUSR1 and SIGUSR2 (or the shutdown), so that the benchmark
// profiles its timed part and not the sign-ins and warm-ups before it.
const profileEnv = "FSBENCH_SERVE_CPUPROFILE"

func serveDiagnostic() error {
	cfg, err := fsconfig.FromEnv()
	if err != nil {
		return err
	}
	pbCfg := pocketbase.Config{DBConnect: sqlite.DBConnect(cfg.Synchronous), DataMaxOpenConns: cfg.DBReaders, DataMaxIdleConns: cfg.DBReaders}
	pb := pocketbase.NewWithConfig(pbCfg)
	fsapp.BindWith(pb, fsapp.Options{Settings: cfg})
	path := os.Getenv(profileEnv)
	if path == "" {
		return pb.Start()
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer f.Close()
	pb.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(labelRoute)
		return se.Next()
	})
	stop := profileOnSignals(f)
	// Start returns once SIGTERM has shut the server down.
	err = pb.Start()
	stop()
	return err
}

// profileOnSignals starts the CPU profile into f on SIGUSR1 and stops it on SIGUSR2, once;
// the returned func stops it if it still runs.
func profileOnSignals(f *os.File) (stop func()) {
	marks := make(chan os.Signal, 2)
	signal.Notify(marks, syscall.SIGUSR1, syscall.SIGUSR2)
	var mu stdsync.Mutex
	profiling, done := false, false
	go func() {
		defer func() { _ = recover() }() // a failed profile must never take the server down
		for sig := range marks {
			mu.Lock()
			switch {
			case sig == syscall.SIGUSR1 && !profiling && !done:
				profiling = pprof.StartCPUProfile(f) == nil
			case sig == syscall.SIGUSR2 && profiling:
				pprof.StopCPUProfile()
				profiling, done = false, true
			}
			mu.Unlock()
		}
	}()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if profiling {
			pprof.StopCPUProfile()
			profiling, done = false, true
		}
	}
}

// labelRoute labels the CPU samples of a request with its path, so a profile tells apart
// the time of /api/sync/v1/push from that of /api/batch (go tool pprof -tagfocus
// route=/api/batch). The label follows the goroutines the request starts, such as the
// one a batch runs its transaction on. Middlewares bound before it (PocketBase's, among
// them the auth token's record lookup) run unlabelled.
func labelRoute(e *core.RequestEvent) error {
	var err error
	pprof.Do(e.Request.Context(), pprof.Labels("route", e.Request.URL.Path), func(context.Context) {
		err = e.Next()
	})
	return err
}
