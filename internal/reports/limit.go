package reports

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
)

// Limit is a token bucket: Burst requests at once, then one more every Per.
type Limit struct {
	Burst int
	Per   time.Duration
}

// Limits bound public writes. A school's parents often share one carrier NAT address, so the
// address bucket is generous and the tight bucket is the device's: one phone cannot flood,
// a hundred parents on one address can still report. A request without a device id is
// counted in a device bucket of its address, so leaving the id out buys nothing.
type Limits struct {
	Address Limit // every public write from one address
	Device  Limit // reports and additions from one device
	Uploads Limit // public photo uploads from one device
	Client  Limit // requests created by one Open311 client (its api_key)
	Failure Limit // failed receipt and api_key checks from one address
}

// DefaultLimits returns the production limits.
func DefaultLimits() Limits {
	return Limits{
		Address: Limit{Burst: 120, Per: 30 * time.Second},
		Device:  Limit{Burst: 6, Per: 10 * time.Minute},
		Uploads: Limit{Burst: 30, Per: 2 * time.Minute},
		Client:  Limit{Burst: 600, Per: time.Second},
		Failure: Limit{Burst: 20, Per: time.Minute},
	}
}

type bucket struct {
	tokens float64
	at     time.Time
}

// limiter keeps buckets in memory: limits restart with the server, which is acceptable for
// abuse control (the duplicate check and the idempotency key are in the database).
type limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[string]*bucket
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, buckets: map[string]*bucket{}}
}

// maxBuckets bounds the limiter's memory; beyond it, refilled buckets are dropped.
const maxBuckets = 200_000

// level returns key's bucket refilled to now.
func (l *limiter) level(key string, lim Limit, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(lim.Burst), at: now}
		l.buckets[key] = b
		return b
	}
	if lim.Per > 0 && now.After(b.at) {
		b.tokens = min(float64(lim.Burst), b.tokens+float64(now.Sub(b.at))/float64(lim.Per))
	}
	b.at = now
	return b
}

func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.at) > 24*time.Hour {
			delete(l.buckets, k)
		}
	}
}

// charge is one bucket and its limit.
type charge struct {
	key string
	lim Limit
}

// take takes a token from every bucket, or from none when one is empty; it then says how long
// to wait.
func (l *limiter) take(charges ...charge) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, c := range charges {
		if b := l.level(c.key, c.lim, now); b.tokens < 1 {
			wait = max(wait, time.Duration((1-b.tokens)*float64(c.lim.Per)))
		}
	}
	if wait > 0 {
		return false, wait
	}
	for _, c := range charges {
		l.buckets[c.key].tokens--
	}
	return true, 0
}

// empty reports whether key's bucket has no token left, without taking one.
func (l *limiter) empty(key string, lim Limit) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.level(key, lim, l.now())
	if b.tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - b.tokens) * float64(lim.Per))
}

var errRateLimited = fault.New(fault.TooMany, "rate_limited",
	"提交过于频繁，请稍后再试", "too many requests; try again later")

// rateError is the refusal of a limited request; the wait goes into Retry-After.
type rateError struct {
	fe   *fault.Error
	wait time.Duration
}

func limited(wait time.Duration) error {
	return &rateError{fe: errRateLimited, wait: wait}
}

func (e *rateError) Error() string { return e.fe.Error() }
func (e *rateError) Unwrap() error { return e.fe }

func setRetryAfter(h http.Header, wait time.Duration) {
	h.Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
}

// deviceOf returns the device id a public client sends (X-Fieldsync-Device), or the one in
// the body, if any.
func deviceOf(e *core.RequestEvent, body string) string {
	d := e.Request.Header.Get("X-Fieldsync-Device")
	if d == "" {
		d = body
	}
	if len(d) > 128 {
		d = d[:128]
	}
	return d
}

// writeCharges are the buckets of one public write of kind ("report", "upload") from
// address ip and device.
func (s *Service) writeCharges(ip, device, kind string, dev Limit) []charge {
	devKey := kind + ":dev:" + device
	if device == "" {
		devKey = kind + ":nodev:" + ip
	}
	return []charge{{"ip:" + ip, s.cfg.Limits.Address}, {devKey, dev}}
}

// PublicUploadGate limits the public photo upload (internal/blobs calls it before accepting
// an announcement): per address and per device, as for reports, with its own device budget.
func (s *Service) PublicUploadGate(e *core.RequestEvent) error {
	ok, wait := s.limiter.take(s.writeCharges(e.RealIP(), deviceOf(e, ""), "upload", s.cfg.Limits.Uploads)...)
	if !ok {
		setRetryAfter(e.Response.Header(), wait)
		return limited(wait)
	}
	return nil
}

// checkFailures refuses an address that failed too many receipt or key checks.
func (s *Service) checkFailures(ip string) error {
	if empty, wait := s.limiter.empty("fail:"+ip, s.cfg.Limits.Failure); empty {
		return limited(wait)
	}
	return nil
}

func (s *Service) recordFailure(ip string) {
	s.limiter.take(charge{"fail:" + ip, s.cfg.Limits.Failure})
}
