package blobs

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// idleTimeout is how long a chunk's body may send nothing before the server gives up on it
// and keeps what arrived. It replaces, for chunk bodies, the server's whole-request read
// timeout: a chunk over a slow link may take longer than that as long as bytes keep coming.
const idleTimeout = 60 * time.Second

// transfers tracks the chunk in progress per upload. A phone that lost its signal sends no
// FIN: its connection stays half-open, and the request reading it would hold the upload's lock
// until a timeout. When the phone resumes on a new connection, the new request interrupts the
// old one, which keeps what it received and lets go.
type transfers struct {
	mu sync.Mutex
	m  map[string]*transfer
}

type transfer struct{ stop func() }

func newTransfers() *transfers { return &transfers{m: map[string]*transfer{}} }

// interrupt stops the chunk in progress for upload id, if any.
func (t *transfers) interrupt(id string) {
	t.mu.Lock()
	tr := t.m[id]
	t.mu.Unlock()
	if tr != nil {
		tr.stop()
	}
}

// watch registers the chunk being read from w's connection as upload id's and returns its
// body, whose reads fail after idleTimeout without data or once interrupted, and the function
// that unregisters it.
func (t *transfers) watch(id string, w http.ResponseWriter, body io.Reader) (io.Reader, func()) {
	rc := http.NewResponseController(w)
	tr := &transfer{stop: func() { rc.SetReadDeadline(time.Now()) }}
	t.mu.Lock()
	t.m[id] = tr
	t.mu.Unlock()
	return &idleReader{r: body, rc: rc}, func() {
		t.mu.Lock()
		if t.m[id] == tr {
			delete(t.m, id)
		}
		t.mu.Unlock()
	}
}

// idleReader moves the connection's read deadline forward before each read. Where the
// connection does not support deadlines, the server's own timeouts apply.
type idleReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (r *idleReader) Read(p []byte) (int, error) {
	r.rc.SetReadDeadline(time.Now().Add(idleTimeout))
	return r.r.Read(p)
}
