package testkit

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// NetMode is what a simulated phone network does to the next requests.
type NetMode int32

// The network modes.
const (
	Online     NetMode = iota
	Offline            // requests fail before reaching the server
	LoseAnswer         // requests reach the server; their answers are lost
	Duplicate          // every request is delivered twice; the second answer is returned
)

// NetModes is how many modes there are, for picking one at random.
const NetModes = 4

// ErrNoSignal is what a phone sees when the network fails it.
var ErrNoSignal = errors.New("no signal")

// FlakyNet is a phone's network in front of a real server: an http.RoundTripper that drops
// requests, loses answers after the server acted, or delivers requests twice. It fakes no
// server behaviour; every request that gets through is served by the real server.
type FlakyNet struct{ mode atomic.Int32 }

// SetMode changes what the network does from the next request on.
func (n *FlakyNet) SetMode(m NetMode) { n.mode.Store(int32(m)) }

// Mode returns the current mode.
func (n *FlakyNet) Mode() NetMode { return NetMode(n.mode.Load()) }

// RoundTrip sends req according to the mode.
func (n *FlakyNet) RoundTrip(req *http.Request) (*http.Response, error) {
	mode := n.Mode()
	if mode == Offline {
		return nil, ErrNoSignal
	}
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	send := func() (*http.Response, error) {
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		return http.DefaultTransport.RoundTrip(r)
	}
	if mode == Duplicate {
		if res, err := send(); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
	res, err := send()
	if mode == LoseAnswer && err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil, ErrNoSignal
	}
	return res, err
}
