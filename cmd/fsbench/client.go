package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/haidian/fieldsync/internal/sync"
)

// api talks to the server under test as a phone app or a script would, over loopback HTTP.
type api struct {
	base string
	http *http.Client
}

func newAPI(base string) *api {
	// One idle connection per simulated device, so 500 devices keep their connections
	// instead of opening a new one per request; no compression unless a call asks for it
	// (callAccepting), so bytes are what the server wrote.
	tr := &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, DisableCompression: true,
		IdleConnTimeout: time.Minute}
	return &api{base: base, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// httpError is a response with an unexpected status.
type httpError struct {
	method, path string
	status       int
	body         string
	retryAfter   time.Duration // the answer's Retry-After, 0 if none
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.method, e.path, e.status, e.body)
}

// call sends body as JSON (nil sends nothing) with the token and, when set, the sync client
// header, and decodes a 2xx answer into out (nil skips decoding). It returns the size of the
// response body.
func (a *api) call(ctx context.Context, method, path, token, client string, body, out any) (int, error) {
	return a.callAccepting(ctx, method, path, token, client, "", body, out)
}

// callAccepting is call with an Accept-Encoding ("" sends none, so the answer comes
// uncompressed). It returns the size of the body as it came over the wire, and decodes it
// as its Content-Encoding says.
func (a *api) callAccepting(ctx context.Context, method, path, token, client, accept string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if client != "" {
		req.Header.Set(sync.ClientHeader, client)
	}
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	res, err := a.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return len(raw), fmt.Errorf("read %s: %w", path, err)
	}
	wire := len(raw)
	if raw, err = decode(res.Header.Get("Content-Encoding"), raw); err != nil {
		return wire, fmt.Errorf("read %s: %w", path, err)
	}
	if res.StatusCode/100 != 2 {
		secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		return wire, &httpError{method: method, path: path, status: res.StatusCode, body: truncate(raw, 300),
			retryAfter: time.Duration(secs) * time.Second}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return wire, fmt.Errorf("decode %s: %w", path, err)
		}
	}
	return wire, nil
}

// zstdDecoder is shared: DecodeAll is safe for concurrent use.
var zstdDecoder, _ = zstd.NewReader(nil)

// decode undoes the content coding of a body.
func decode(coding string, raw []byte) ([]byte, error) {
	switch coding {
	case "":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "zstd":
		return zstdDecoder.DecodeAll(raw, nil)
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", coding)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// login signs in with a password and returns the token.
func (a *api) login(ctx context.Context, collection, email, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	_, err := a.call(ctx, http.MethodPost, "/api/collections/"+collection+"/auth-with-password", "", "",
		map[string]string{"identity": email, "password": password}, &out)
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", email, err)
	}
	return out.Token, nil
}

// register registers a sync client of the token's user.
func (a *api) register(ctx context.Context, token, clientID string) (*sync.ClientResponse, error) {
	var out sync.ClientResponse
	_, err := a.call(ctx, http.MethodPost, "/api/sync/v1/clients", token, clientID,
		sync.ClientRequest{ClientID: clientID, AppVersion: "fsbench", SchemaVersion: sync.SchemaVersion}, &out)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", clientID, err)
	}
	return &out, nil
}

// pullResponse is a pull answer as the benchmarks read it: the record data is left
// undecoded, since a benchmark only counts it.
type pullResponse struct {
	Scopes map[sync.Scope]struct {
		Status  string `json:"status"`
		Cursor  int64  `json:"cursor"`
		Floor   int64  `json:"floor"`
		HasMore bool   `json:"has_more"`
		Changes []struct {
			Coll string `json:"coll"`
			ID   string `json:"id"`
			Op   string `json:"op"`
		} `json:"changes"`
	} `json:"scopes"`
}

// device is one installation of the phone app: its user's token, its client id, its cursors
// and its last mid.
type device struct {
	api     *api
	token   string
	id      string
	cursors map[sync.Scope]sync.ScopeRequest
	mid     int64
	accept  string // the Accept-Encoding of its pulls; "" asks for none
	busy    int    // pushes answered 503 sync_busy and sent again after Retry-After
}

// pull sends one pull and advances the cursors as the protocol asks: the cursor of every scope
// kept, and the floor it returned sent back while a download from the start spans pages. It
// returns the response, its size, and whether some scope has more.
func (d *device) pull(ctx context.Context, limit int) (*pullResponse, int, bool, error) {
	var out pullResponse
	n, err := d.api.callAccepting(ctx, http.MethodPost, "/api/sync/v1/pull", d.token, d.id, d.accept,
		sync.PullRequest{ClientID: d.id, Scopes: d.cursors, LimitRows: limit}, &out)
	if err != nil {
		return nil, n, false, err
	}
	more := false
	for sc, sr := range out.Scopes {
		if sr.Status == sync.StatusRemoved {
			delete(d.cursors, sc)
			continue
		}
		d.cursors[sc] = sync.ScopeRequest{Cursor: sr.Cursor, Floor: sr.Floor}
		more = more || sr.HasMore
	}
	return &out, n, more, nil
}

// push sends creates of coll with the given data, numbering them from the device's next mid,
// and fails unless every one is applied.
func (d *device) push(ctx context.Context, coll string, ids []string, data []map[string]any) error {
	colls := make([]string, len(ids))
	for i := range colls {
		colls[i] = coll
	}
	return d.pushCreates(ctx, colls, ids, data)
}

// pushCreates is push with the collection of each create.
func (d *device) pushCreates(ctx context.Context, colls, ids []string, data []map[string]any) error {
	req := sync.PushRequest{ClientID: d.id, SentAt: time.Now().UTC().Format(time.RFC3339)}
	for i := range ids {
		req.Mutations = append(req.Mutations, sync.Mutation{MID: d.mid + int64(i) + 1, Op: sync.OpCreate,
			Coll: colls[i], ID: ids[i], Data: data[i]})
	}
	var out struct {
		Results []sync.Result `json:"results"`
		LastMID int64         `json:"last_mid"`
	}
	if err := d.sendPush(ctx, req, &out); err != nil {
		return err
	}
	d.mid = out.LastMID
	for _, r := range out.Results {
		if r.Outcome != sync.Applied {
			return fmt.Errorf("push mid %d: %s %s %s", r.MID, r.Outcome, r.Code, r.Message)
		}
	}
	if len(out.Results) != len(ids) {
		return fmt.Errorf("push: %d results for %d mutations", len(out.Results), len(ids))
	}
	return nil
}

// sendPush sends req until it is not answered busy: on 503 sync_busy it waits the answer's
// Retry-After, plus up to half of it again at random so that the phones turned away together
// do not come back together, and sends the same mids again, as a phone keeps its outbox.
func (d *device) sendPush(ctx context.Context, req sync.PushRequest, out any) error {
	for {
		_, err := d.api.call(ctx, http.MethodPost, "/api/sync/v1/push", d.token, d.id, req, out)
		var he *httpError
		if !errors.As(err, &he) || he.status != http.StatusServiceUnavailable || he.retryAfter <= 0 {
			return err
		}
		d.busy++
		if !pause(ctx, he.retryAfter+time.Duration(rand.Float64()*float64(he.retryAfter)/2)) {
			return ctx.Err()
		}
	}
}
