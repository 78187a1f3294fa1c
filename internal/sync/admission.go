package sync

import (
	"context"
	"fmt"
	"math"
	stdsync "sync"
	"time"

	"github.com/haidian/fieldsync/internal/fault"
)

// admission lets pushes take the database's single writer one at a time, in the order they
// arrived, and turns away at once a push that would wait longer than maxWait.
//
// Without it, every push waits for the writer in database/sql's pool, which hands a freed
// connection to any one of its waiters: past the knee some phones waited far longer than the
// queue was long, and the queue grew without bound until phones timed out. With it, a push
// holds its ticket for all of its transactions (not one per group): the writer serves one push
// after another, so the first to come is the first answered, and a push's wait is the work of
// the pushes ahead of it, which the queue can estimate. Taking a ticket per group would share
// the writer round-robin instead, so that every push in the queue finished late together.
//
// A push turned away keeps its place: its work is booked behind the queue and the wait it is
// told (Retry-After) is when its turn would come, so that pushes turned away later are told
// later times; when it comes back it is let in whatever the queue's length. Without booking,
// refused phones came back at random against new arrivals, and under a long overload a phone
// could be turned away dozens of times while later ones got in.
//
// Only pushes queue here: REST, batch and server jobs take the writer in the pool as before,
// beside the one push that holds the ticket.
type admission struct {
	maxWait time.Duration // 0: never turn a push away
	now     func() time.Time

	mu      stdsync.Mutex
	queue   []*ticket // in arrival order; queue[0] holds the writer's turn
	pending int       // the new mutations of every push in queue
	rate    commitRate
	// booked are the pushes turned away and expected back, by sync client; bookedMutations
	// is their new mutations.
	booked          map[string]booking
	bookedMutations int
}

// booking is the place a push turned away keeps until it comes back, or until expires if it
// does not.
type booking struct {
	mutations int
	expires   time.Time
}

// ticket is one push's place in the queue.
type ticket struct {
	mutations int
	turn      chan struct{} // closed when the push's turn comes
	granted   time.Time
}

// commitRate is the mutations pushes decided per second of holding their turn, weighted
// towards the recent pushes: the ratio of two sums, of mutations and of seconds, in which each
// push counts rateDecay times less than the push after it.
type commitRate struct {
	mutations, seconds float64
}

// rateDecay is how fast older pushes stop counting: after about ten pushes (a fraction of a
// second under load) a push weighs a third of what it did.
const rateDecay = 0.9

// assumedRate is the rate before any push was measured: well below what one node decides on
// a quiet machine (1,113 mutations/s at 500 devices), so a cold server errs towards refusing.
const assumedRate = 500.0

// maxRetryAfter bounds the wait a refused push is told to observe.
const maxRetryAfter = 5 * time.Minute

func (r *commitRate) add(mutations int, d time.Duration) {
	r.mutations = r.mutations*rateDecay + float64(mutations)
	r.seconds = r.seconds*rateDecay + d.Seconds()
}

// perSecond is the current estimate, assumedRate until a push has taken measurable time.
func (r *commitRate) perSecond() float64 {
	if r.seconds <= 0 || r.mutations <= 0 {
		return assumedRate
	}
	return r.mutations / r.seconds
}

// BusyError refuses a push whose expected wait for the writer is longer than the configured
// bound. Nothing of the push was stored: the phone keeps its outbox and sends the same mids
// again after RetryAfter.
type BusyError struct {
	RetryAfter time.Duration
}

func (b *BusyError) Error() string { return errSyncBusy.Error() }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, as the Retry-After header
// carries it.
func (b *BusyError) RetryAfterSeconds() int { return int(math.Ceil(b.RetryAfter.Seconds())) }

// Unwrap gives the fault the phone receives (sync_busy).
func (b *BusyError) Unwrap() error { return errSyncBusy }

var errSyncBusy = fault.New(fault.Busy, "sync_busy",
	"服务器繁忙，变更已保留在本机，请稍后自动重试", "the server is busy; your changes stay on the phone and are sent again later")

func newAdmission(maxWait time.Duration, now func() time.Time) *admission {
	return &admission{maxWait: maxWait, now: now}
}

// admit waits for the turn of a push of client with mutations new mutations and returns the
// function that ends it, called with the number of mutations the push decided (calls after the
// first do nothing), and how long the push waited. A push with no new mutations needs no writer
// and passes at once. A push that would wait longer than maxWait behind the pushes queued and
// booked before it gets a *BusyError at once, and its place is booked; the first push in an
// empty queue, and a push whose place was booked, are never turned away. If ctx ends while the
// push waits (the phone gave up), it leaves the queue with ctx's error.
func (a *admission) admit(ctx context.Context, client string, mutations int) (done func(decided int), wait time.Duration, err error) {
	if mutations == 0 {
		return func(int) {}, 0, nil
	}
	arrived := a.now()
	a.mu.Lock()
	a.expireBookings(arrived)
	if b, ok := a.booked[client]; ok {
		delete(a.booked, client)
		a.bookedMutations -= b.mutations
	} else if expected := a.expectedWait(); len(a.queue) > 0 && a.maxWait > 0 && expected > a.maxWait {
		retry := a.retryAfter(expected)
		a.book(client, mutations, arrived.Add(retry*3/2+max(a.maxWait, 10*time.Second)))
		a.mu.Unlock()
		return nil, 0, &BusyError{RetryAfter: retry}
	}
	t := &ticket{mutations: mutations, turn: make(chan struct{})}
	a.queue = append(a.queue, t)
	a.pending += mutations
	if len(a.queue) == 1 {
		a.grant(t)
	}
	a.mu.Unlock()

	select {
	case <-t.turn:
		return func(decided int) { a.leave(t, decided) }, a.now().Sub(arrived), nil
	case <-ctx.Done():
		a.leave(t, 0)
		return nil, a.now().Sub(arrived), fmt.Errorf("wait for the writer: %w", ctx.Err())
	}
}

// book keeps the place of client's push turned away until expires: the wait it was told, the
// up to half again a phone adds, and some slack. Called with mu held.
func (a *admission) book(client string, mutations int, expires time.Time) {
	if a.booked == nil {
		a.booked = map[string]booking{}
	}
	a.booked[client] = booking{mutations: mutations, expires: expires}
	a.bookedMutations += mutations
}

// expireBookings forgets the places of pushes that did not come back in time (the phone was
// switched off, or gave up). Called with mu held.
func (a *admission) expireBookings(now time.Time) {
	for c, b := range a.booked {
		if now.After(b.expires) {
			delete(a.booked, c)
			a.bookedMutations -= b.mutations
		}
	}
}

// expectedWait is how long a push arriving now would wait: the new mutations queued or booked
// ahead of it at the recent rate. Called with mu held.
func (a *admission) expectedWait() time.Duration {
	return time.Duration(float64(a.pending+a.bookedMutations) / a.rate.perSecond() * float64(time.Second))
}

// retryAfter is the wait told to a push refused when the expected wait of the queue and the
// bookings is expected: the time until they would have shrunk to the bound, so that the phone
// comes back when its turn nears rather than after all of it drained (which would leave the
// writer idle at the end of a burst); but at least a tenth of the bound (3 s by default) and a
// second, and at most maxRetryAfter. The phone adds up to half of it at random.
func (a *admission) retryAfter(expected time.Duration) time.Duration {
	return min(max(expected-a.maxWait, a.maxWait/10, time.Second), maxRetryAfter)
}

// grant gives t its turn. Called with mu held.
func (a *admission) grant(t *ticket) {
	t.granted = a.now()
	close(t.turn)
}

// leave takes t out of the queue: at the end of its turn, counting the mutations it decided
// towards the rate, or when its push gave up waiting. If t held the turn, the next push gets
// it.
func (a *admission) leave(t *ticket, decided int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, q := range a.queue {
		if q != t {
			continue
		}
		a.queue = append(a.queue[:i], a.queue[i+1:]...)
		a.pending -= t.mutations
		if i > 0 {
			return
		}
		if decided > 0 {
			a.rate.add(decided, a.now().Sub(t.granted))
		}
		if len(a.queue) > 0 {
			a.grant(a.queue[0])
		}
		return
	}
}

// QueueLength is the push queue as the metrics show it.
type QueueLength struct {
	Pushes    int // pushes holding or waiting for the writer's turn
	Mutations int // their new mutations
	Booked    int // pushes turned away whose place is kept until they come back
}

func (a *admission) length() QueueLength {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expireBookings(a.now())
	return QueueLength{Pushes: len(a.queue), Mutations: a.pending, Booked: len(a.booked)}
}
