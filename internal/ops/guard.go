package ops

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haidian/fieldsync/internal/fault"
)

var (
	errMetricsAuth = fault.New(fault.Permission, "metrics_unauthorized",
		"需要监控令牌或区级管理员身份", "a metrics token or a district administrator's sign-in is required")
)

// handleMetrics serves the metrics to a scraper with the configured token or to a district
// administrator; everyone else gets 401 (no credentials) or 403 (a user's sign-in).
func (s *Service) handleMetrics(e *core.RequestEvent) error {
	if !s.mayReadMetrics(e) {
		fb := errMetricsAuth.Body()
		if e.Auth == nil {
			fb.Status = 401
		}
		return e.JSON(fb.Status, fb)
	}
	promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(e.Response, e.Request)
	return nil
}

func (s *Service) mayReadMetrics(e *core.RequestEvent) bool {
	if e.HasSuperuserAuth() {
		return true
	}
	return BearerIs(e.Request, s.cfg.MetricsToken)
}

// BearerIs reports whether r carries "Authorization: Bearer <token>"; an empty token matches
// nothing. It is the check of the operator's configured tokens (the metrics scraper's, the
// city view's), which are compared in constant time.
func BearerIs(r *http.Request, token string) bool {
	if token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	// Hashing first makes the comparison's time independent of the token's length too.
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
