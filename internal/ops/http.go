package ops

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/sync"
)

// httpMetrics are the metrics of every request, and of the sync and photo requests among
// them. Every label takes its value from a small fixed set: a route pattern as the code
// registered it ("/api/fs/photos/{id}"), never the path a client sent; a method from the
// standard ones; an outcome or refusal code from the code.
type httpMetrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec

	syncRequests  *prometheus.CounterVec
	syncRows      *prometheus.CounterVec
	syncBytes     *prometheus.CounterVec
	syncMutations *prometheus.CounterVec
	pushWait      prometheus.Histogram

	photoSeconds  *prometheus.HistogramVec
	photoRefusals *prometheus.CounterVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status."}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fieldsync_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"method", "route"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_rate_limited_total",
			Help: "Requests refused with 429 by a rate limit or throttle, by route pattern."}, []string{"route"}),
		syncRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_sync_requests_total",
			Help: "Pulls answered and pushes processed, by op and outcome (ok, gap, refused, busy: 503 sync_busy, failed)."}, []string{"op", "outcome"}),
		pushWait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fieldsync_sync_push_wait_seconds",
			Help:    "Time a push waited for the database writer's turn behind the pushes before it (refused pushes excluded).",
			Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		syncRows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_sync_rows_total",
			Help: "Changes sent by pulls (op=pull) and mutations received by pushes (op=push)."}, []string{"op"}),
		syncBytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_sync_bytes_total",
			Help: "Body bytes of pulls and pushes, received (in) and sent (out)."}, []string{"op", "direction"}),
		syncMutations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_sync_mutations_total",
			Help: "Pushed mutations by outcome; replayed counts repeats answered from the store."}, []string{"outcome"}),
		photoSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fieldsync_photo_pipeline_seconds",
			Help:    "Time from an upload's last byte to its outcome (slot wait, verify, decode, derive, store, record).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30}}, []string{"outcome"}),
		photoRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldsync_photo_refusals_total",
			Help: "Completed uploads refused, by error code (server_busy: no decode slot in time)."}, []string{"code"}),
	}
	reg.MustRegister(m.requests, m.duration, m.rateLimited, m.syncRequests, m.syncRows, m.syncBytes,
		m.syncMutations, m.pushWait, m.photoSeconds, m.photoRefusals)
	return m
}

// middlewarePriority runs the middleware before PocketBase's own (CORS, activity log, rate
// limits), so that it times and counts what they answer too.
const middlewarePriority = apis.DefaultCorsMiddlewarePriority - 1

func (m *httpMetrics) middleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "fieldsyncMetrics",
		Priority: middlewarePriority,
		Func: func(e *core.RequestEvent) error {
			start := time.Now()
			method, route := methodLabel(e.Request.Method), routeLabel(e.Request.Pattern)
			in, out := countBodies(e)
			err := e.Next()
			status := statusOf(e, err)
			m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
			if status == http.StatusTooManyRequests {
				m.rateLimited.WithLabelValues(route).Inc()
			}
			if t, ok := sync.TallyOf(e); ok {
				m.observeSync(t, status, in.n, out.n)
			}
			if c, ok := blobs.CompletionOf(e); ok {
				m.observePhoto(c)
			}
			return err
		},
	}
}

// statusOf is the status of e's answer; an error not yet written answers with its own status
// once the middlewares return (as PocketBase's activity log reads it).
func statusOf(e *core.RequestEvent, err error) int {
	if s := e.Status(); s != 0 {
		return s
	}
	if err != nil {
		return router.ToApiError(err).Status
	}
	return http.StatusOK
}

func (m *httpMetrics) observeSync(t sync.Tally, status int, in, out int64) {
	outcome := "ok"
	switch {
	case status == http.StatusConflict && t.Op == "push":
		outcome = "gap"
	case status == http.StatusServiceUnavailable && t.Op == "push":
		outcome = "busy"
	case status >= 500:
		outcome = "failed"
	case status >= 400:
		outcome = "refused"
	}
	m.syncRequests.WithLabelValues(t.Op, outcome).Inc()
	if t.Op == "push" && outcome != "busy" {
		m.pushWait.Observe(t.Wait.Seconds())
	}
	m.syncRows.WithLabelValues(t.Op).Add(float64(t.Rows))
	m.syncBytes.WithLabelValues(t.Op, "in").Add(float64(in))
	m.syncBytes.WithLabelValues(t.Op, "out").Add(float64(out))
	for o, n := range t.Outcomes {
		m.syncMutations.WithLabelValues(o).Add(float64(n))
	}
	if t.Replayed > 0 {
		m.syncMutations.WithLabelValues("replayed").Add(float64(t.Replayed))
	}
}

func (m *httpMetrics) observePhoto(c blobs.Completion) {
	outcome := "stored"
	if c.Err != nil {
		outcome = "failed"
		if fe, ok := fault.As(c.Err); ok {
			outcome = "refused"
			m.photoRefusals.WithLabelValues(fe.Code).Inc()
		}
	}
	m.photoSeconds.WithLabelValues(outcome).Observe(c.Elapsed.Seconds())
}

var methods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// methodLabel keeps the standard methods; a route without a method matches any a client
// invents, which must not become a label value each.
func methodLabel(m string) string {
	if methods[m] {
		return m
	}
	return "other"
}

// routeLabel is the path part of the pattern the request matched ("POST /api/x/{id}" gives
// "/api/x/{id}"); "/" is PocketBase's catch-all, which answers 404.
func routeLabel(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

// countBodies counts the body bytes of the sync protocol's requests and answers. Other
// requests keep their writer and body untouched: photo serving relies on the router's
// writer to send files efficiently.
func countBodies(e *core.RequestEvent) (*countingReader, *countingWriter) {
	in, out := &countingReader{}, &countingWriter{}
	if !strings.HasPrefix(routeLabel(e.Request.Pattern), "/api/sync/v1/") {
		return in, out
	}
	in.ReadCloser = e.Request.Body
	e.Request.Body = in
	out.ResponseWriter = e.Response
	e.Response = out
	return in, out
}

type countingReader struct {
	io.ReadCloser
	n int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n += int64(n)
	return n, err
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap lets the router find its own writer (status, flushing) under this one.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
