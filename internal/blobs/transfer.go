package blobs

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// idleTimeout is how long a chunk's body may send nothing before the server gives up on it
// and keeps what arrived. It replaces, for chunk bodies, the server's whole-request read
// timeout: a chunk over a slow link may take longer than that as long as bytes keep coming.
const idleTimeout = 60 * time.Second

// transfers tracks the chunk requests of each upload. A phone that lost its signal sends no
// FIN: its connection stays half-open, and the request reading it would hold the upload's lock
// until a timeout. When the phone resumes on a new connection, the new request interrupts every
// earlier one of the upload, which keeps what it received and lets go. An earlier request that
// has not begun to read yet is interrupted too: it stops at its first read.
type transfers struct {
	mu   sync.Mutex
	next uint64
	byID map[string]*arrivals
}

// arrivals are the chunk requests of one upload in flight.
type arrivals struct {
	latest   uint64    // the ticket of the newest request
	reading  *transfer // the chunk being read, if any
	inFlight int
}

func newTransfers() *transfers { return &transfers{byID: map[string]*arrivals{}} }

// arrive registers a chunk request for upload id, interrupts the earlier ones, and returns the
// request's ticket and the function to call when it is done.
func (t *transfers) arrive(id string) (ticket uint64, leave func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.byID[id]
	if a == nil {
		a = &arrivals{}
		t.byID[id] = a
	}
	t.next++
	a.latest, ticket = t.next, t.next
	a.inFlight++
	if a.reading != nil {
		a.reading.stop()
	}
	return ticket, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if a.inFlight--; a.inFlight == 0 {
			delete(t.byID, id)
		}
	}
}

// transfer is one chunk being read. Its interruption is sticky: the reader extends the read
// deadline before every read, so an interruption that fell between two reads must still stop
// the next one, or it would be undone and the resume would wait out the idle timeout.
type transfer struct {
	rc          *http.ResponseController
	interrupted atomic.Bool
}

func (tr *transfer) stop() {
	tr.interrupted.Store(true)
	tr.rc.SetReadDeadline(time.Now())
}

// watch returns the body of the chunk request with ticket for upload id, whose reads fail
// after idleTimeout without data or once a later request interrupts it, and the function that
// ends the watch.
func (t *transfers) watch(id string, ticket uint64, w http.ResponseWriter, body io.Reader) (io.Reader, func()) {
	tr := &transfer{rc: http.NewResponseController(w)}
	t.mu.Lock()
	a := t.byID[id]
	if a.latest != ticket {
		tr.interrupted.Store(true) // a later request arrived while this one waited
	}
	a.reading = tr
	t.mu.Unlock()
	return &idleReader{r: body, tr: tr}, func() {
		t.mu.Lock()
		if a.reading == tr {
			a.reading = nil
		}
		t.mu.Unlock()
	}
}

// idleReader moves the connection's read deadline forward before each read. Where the
// connection does not support deadlines, the server's own timeouts apply.
type idleReader struct {
	r  io.Reader
	tr *transfer
}

// errInterrupted ends a chunk whose upload was resumed on another connection.
var errInterrupted = errors.New("chunk interrupted by a resumed upload")

func (r *idleReader) Read(p []byte) (int, error) {
	if r.tr.interrupted.Load() {
		return 0, errInterrupted
	}
	r.tr.rc.SetReadDeadline(time.Now().Add(idleTimeout))
	if r.tr.interrupted.Load() { // interrupted while the deadline moved: stop now, not in a minute
		r.tr.rc.SetReadDeadline(time.Now())
	}
	return r.r.Read(p)
}

// skipBody makes the server give up reading the rest of a request's body at once, so that an
// answer given without reading it is not held back by draining it.
func skipBody(w http.ResponseWriter) {
	http.NewResponseController(w).SetReadDeadline(time.Now())
}
