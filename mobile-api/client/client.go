package client

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/http"
	stdsync "sync"
	"time"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the server's address, such as "https://fieldsync.example.org".
	BaseURL string
	// Token is the PocketBase auth token of the signed-in user. TokenFunc, when set, is asked
	// instead before every request, so an app can refresh tokens.
	Token     string
	TokenFunc func(ctx context.Context) (string, error)
	// ClientID names this installation. It is stored on first open; empty means generate one.
	// Opening a store with a different id is an error.
	ClientID   string
	AppVersion string
	// SchemaVersion is the schema the app was built for; zero means this package's.
	SchemaVersion int
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Now is the device clock, used for the device_time of mutations; nil means time.Now.
	Now func() time.Time
	// MaxPush and PullRows cap the mutations of one push and the rows of one pull below the
	// server's limits; zero means the server's limit.
	MaxPush  int
	PullRows int
}

// Client is one installation of the phone app: its local store and its server.
type Client struct {
	cfg Config
	db  *sql.DB
	id  string

	net    stdsync.Mutex // held by network operations, one at a time
	limits *Limits       // nil until registered in this process
}

// Open opens the local store at path, creating it if needed.
func Open(ctx context.Context, path string, cfg Config) (*Client, error) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SchemaVersion == 0 {
		cfg.SchemaVersion = SchemaVersion
	}
	want := cfg.ClientID
	if want == "" {
		want = "c" + randomID(20)
	}
	db, err := openStore(ctx, path)
	if err != nil {
		return nil, err
	}
	id, err := initMeta(ctx, db, want)
	if err == nil && cfg.ClientID != "" && id != cfg.ClientID {
		err = fmt.Errorf("open: store belongs to client %q, not %q", id, cfg.ClientID)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Client{cfg: cfg, db: db, id: id}, nil
}

// Close closes the local store. Queued mutations stay in it for the next Open.
func (c *Client) Close() error { return c.db.Close() }

// ID returns the client id of this installation.
func (c *Client) ID() string { return c.id }

// Register announces this installation to the server and learns the server's limits and the
// last mid it has applied for this client. Mids up to that one were applied, even those whose
// answer never arrived: their outbox entries are dropped (the server keeps their effect, and
// files sync issues for any that did not apply). The next local edit is numbered after it.
//
// Push and Pull register first if this process has not. Register returns an error matching
// ErrSchemaMismatch when the server speaks another schema, and ErrRevoked when an
// administrator revoked this installation.
func (c *Client) Register(ctx context.Context) error {
	c.net.Lock()
	defer c.net.Unlock()
	return c.register(ctx)
}

func (c *Client) register(ctx context.Context) error {
	var res clientResponse
	req := clientRequest{ClientID: c.id, AppVersion: c.cfg.AppVersion, SchemaVersion: c.cfg.SchemaVersion}
	if err := c.post(ctx, "/api/sync/v1/clients", req, &res); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if res.SchemaVersion != c.cfg.SchemaVersion {
		return fmt.Errorf("register: %w", &SchemaError{Client: c.cfg.SchemaVersion, Server: res.SchemaVersion})
	}
	err := c.inTx(ctx, func(tx *sql.Tx) error { return realign(ctx, tx, res.LastMID) })
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	c.limits = &res.Limits
	return nil
}

// registered registers the client if this process has not yet.
func (c *Client) registered(ctx context.Context) error {
	if c.limits != nil {
		return nil
	}
	return c.register(ctx)
}

// Sync pushes the outbox, then pulls. It stops at the first error; nothing is lost by stopping.
func (c *Client) Sync(ctx context.Context) (PushReport, PullReport, error) {
	push, err := c.Push(ctx)
	if err != nil {
		return push, PullReport{}, err
	}
	pull, err := c.Pull(ctx)
	return push, pull, err
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomID returns n random lowercase letters and digits, each equally likely.
func randomID(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < 252 && len(out) < n { // 252 = 7*36: no modulo bias
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(out)
}
