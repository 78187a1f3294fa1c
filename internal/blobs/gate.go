package blobs

import (
	"context"
	stdsync "sync"
	"time"

	"github.com/haidian/fieldsync/internal/blobs/photo"
	"github.com/haidian/fieldsync/internal/fault"
)

// gate bounds the completions in progress: each holds its file in memory (up to MaxBytes)
// while it waits for a decode slot, so at most twice as many as there are decoders run at
// once, and the rest wait for a slot up to the configured wait, then are answered busy with
// the time after which the completions now waiting will have had their turn.
type gate struct {
	slots chan struct{}
	wait  time.Duration

	mu      stdsync.Mutex
	waiting int     // completions waiting for a slot
	hold    float64 // seconds a completion holds its slot, weighted towards the recent ones; 0 until measured
}

// holdDecay is how fast older completions stop counting in hold: after about ten a
// completion weighs a third of what it did (as the push admission's rate).
const holdDecay = 0.9

// assumedHold is the time a completion holds its slot before any was measured: a 12-megapixel
// phone photo's verification, decode and derived images take about half a second on the
// project's machine (docs/benchmarks.md, "Photo pipeline").
const assumedHold = 500 * time.Millisecond

// maxRetryAfter bounds the wait a completion turned away is told, as a push's.
const maxRetryAfter = 5 * time.Minute

func newGate(slots int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, max(slots, 1)), wait: wait}
}

// enter waits for a slot and returns the function that frees it. After the gate's wait, or
// when ctx ends, it gives up with photo.ErrBusy carrying the wait to tell the client.
func (g *gate) enter(ctx context.Context) (leave func(), err error) {
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
		entered := time.Now()
		return func() {
			g.observe(time.Since(entered))
			<-g.slots
		}, nil
	case <-timer.C:
	case <-ctx.Done():
		err = ctx.Err()
	}
	g.mu.Lock()
	g.waiting--
	g.mu.Unlock()
	return nil, g.busy(photo.ErrBusy, err)
}

// observe counts a completion that held its slot for d towards hold. Durations are measured on
// the monotonic clock, not the injected one: they are the work's, not the calendar's.
func (g *gate) observe(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold == 0 {
		g.hold = d.Seconds()
		return
	}
	g.hold = g.hold*holdDecay + d.Seconds()*(1-holdDecay)
}

// busy returns refusal (photo.ErrBusy, from the gate or the pipeline's decode slots) with
// its cause, if any, and the wait to tell the client.
func (g *gate) busy(refusal *fault.Error, cause error) *fault.Error {
	if cause != nil {
		refusal = refusal.Wrap(cause)
	}
	return refusal.After(g.retryAfter())
}

// retryAfter is the wait told to a completion turned away: the time until the completions
// waiting now, and this one, would have had a slot, at the recent hold time per slot
// ((waiting+1) × hold / slots). A completion is turned away after waiting the gate's wait, and
// channel senders are served in order, so those still waiting came after it: when it comes
// back they are through, and it queues only behind those that arrive meanwhile. At least a
// second, at most maxRetryAfter; the phone adds up to half of it at random so that those
// turned away together do not return together.
func (g *gate) retryAfter() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	hold := time.Duration(g.hold * float64(time.Second))
	if g.hold == 0 {
		hold = assumedHold
	}
	d := time.Duration(float64(g.waiting+1) * float64(hold) / float64(cap(g.slots)))
	return min(max(d, time.Second), maxRetryAfter)
}

// Load is what the completions are doing, for the metrics.
type Load struct {
	Running int // completions holding a slot: verifying, decoding, storing
	Waiting int // completions waiting for a slot
}

func (g *gate) load() Load {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Load{Running: len(g.slots), Waiting: g.waiting}
}
