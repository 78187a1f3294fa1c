package ops

import (
	"context"
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
)

// check is one condition of readiness.
type check struct {
	name string
	fn   func(ctx context.Context, app core.App) error
}

// readyBody is the answer of a ready server. A server that is not ready answers 503 with
// fault's body, code not_ready and the same checks under data.checks.
type readyBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

var errNotReady = fault.New(fault.Internal, "not_ready",
	"服务尚未就绪：数据库或照片存储不可用", "not ready: the database or the photo store is unavailable")

// handleReady runs every check at once, each within the timeout. It says only which checks
// failed; why is in the server's log, as it may name hosts and paths.
func (s *Service) handleReady(e *core.RequestEvent) error {
	results := s.runChecks(e.Request.Context())
	body := readyBody{Status: "ready", Checks: map[string]string{}}
	ready := true
	for _, c := range s.checks {
		if err := results[c.name]; err != nil {
			ready = false
			body.Checks[c.name] = "failed"
			e.App.Logger().Error("readiness check failed", "check", c.name, "error", err)
			continue
		}
		body.Checks[c.name] = "ok"
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	if !ready {
		fb := errNotReady.Body()
		fb.Status = http.StatusServiceUnavailable
		fb.Data["checks"] = body.Checks
		return e.JSON(http.StatusServiceUnavailable, fb)
	}
	return e.JSON(http.StatusOK, body)
}

// runChecks runs the checks concurrently and returns each one's error; a check still running
// when the timeout passes counts as failed.
func (s *Service) runChecks(parent context.Context) map[string]error {
	ctx, cancel := context.WithTimeout(parent, s.cfg.ReadyTimeout)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	done := make(chan result, len(s.checks))
	for _, c := range s.checks {
		go func() {
			defer func() {
				if r := recover(); r != nil {
					done <- result{c.name, fmt.Errorf("panic: %v", r)}
				}
			}()
			done <- result{c.name, c.fn(ctx, s.app)}
		}()
	}
	out := map[string]error{}
	for range s.checks {
		select {
		case r := <-done:
			out[r.name] = r.err
		case <-ctx.Done():
			for _, c := range s.checks {
				if _, ok := out[c.name]; !ok {
					out[c.name] = fmt.Errorf("no answer within %s", s.cfg.ReadyTimeout)
				}
			}
			return out
		}
	}
	return out
}

// checkDatabase reads from the data database's read pool and takes its writer: a server
// whose writer stays held cannot accept a push.
func checkDatabase(ctx context.Context, app core.App) error {
	var one int
	if err := app.ConcurrentDB().NewQuery("SELECT 1").WithContext(ctx).Row(&one); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if err := app.NonconcurrentDB().NewQuery("SELECT 1").WithContext(ctx).Row(&one); err != nil {
		return fmt.Errorf("writer: %w", err)
	}
	return nil
}

// probeKey is the one object the checks write to the blob store, beside the blobs, never
// among them.
const probeKey = "fieldsync-probe"

// CheckBlobStore writes a small object to the blob store (PocketBase's filesystem: the data
// dir's storage or the S3 bucket) and deletes it: the store is usable only if it takes a write.
func CheckBlobStore(_ context.Context, app core.App) error {
	fsys, err := app.NewFilesystem()
	if err != nil {
		return fmt.Errorf("open blob store: %w", err)
	}
	defer fsys.Close()
	if err := fsys.Upload([]byte("ok"), probeKey); err != nil {
		return fmt.Errorf("write to blob store: %w", err)
	}
	if err := fsys.Delete(probeKey); err != nil {
		return fmt.Errorf("delete from blob store: %w", err)
	}
	return nil
}
