// Package litestream publishes the replication of the data database by a Litestream running
// beside the server (README, "Continuous replication with Litestream") as fieldsync's
// replication metrics, read from Litestream's control socket at every scrape.
//
// Litestream records a successful sync of a database every sync interval, whether or not
// there was anything to upload, so the time since the last one bounds the window of
// committed writes not yet on the replica: about the sync interval while all is well,
// growing while S3 or Litestream is down.
package litestream

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	stdsync "sync"
	"time"

	"github.com/haidian/fieldsync/internal/ops"
)

// Config says where Litestream's control socket is and which database to report.
type Config struct {
	// Socket is the path of Litestream's control socket (its configuration's
	// socket: {enabled: true, path: …}).
	Socket string
	// DB is the path of the data database as Litestream's configuration names it.
	DB string
	// Now is the clock.
	Now func() time.Time
}

// Register makes svc publish DB's replication as Litestream reports it.
func Register(svc *ops.Service, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &reporter{cfg: cfg, started: cfg.Now(), client: &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", cfg.Socket)
		}},
	}}
	svc.ReportReplication(r.read)
}

// reporter remembers the last sync it saw, so that while Litestream cannot be asked the lag
// keeps growing from there rather than vanish.
type reporter struct {
	cfg      Config
	client   *http.Client
	started  time.Time
	mu       stdsync.Mutex
	lastSync time.Time
	failures uint64
}

// read is called at every scrape. A failed reading (Litestream unreachable, the database
// not among its databases, not replicating, or never synced) counts as a failure.
func (r *reporter) read() ops.Replication {
	last, err := r.lastSyncAt()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failures++
	} else if last.After(r.lastSync) {
		r.lastSync = last
	}
	since := r.lastSync
	if since.IsZero() {
		since = r.started
	}
	return ops.Replication{Lag: max(0, r.cfg.Now().Sub(since).Seconds()), Failures: r.failures}
}

// lastSyncAt asks Litestream's GET /list when it last synced the database.
func (r *reporter) lastSyncAt() (time.Time, error) {
	res, err := r.client.Get("http://litestream/list")
	if err != nil {
		return time.Time{}, fmt.Errorf("litestream list: %w", err)
	}
	defer res.Body.Close()
	var list struct {
		Databases []struct {
			Path       string     `json:"path"`
			Status     string     `json:"status"`
			LastSyncAt *time.Time `json:"last_sync_at"`
		} `json:"databases"`
	}
	if res.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("litestream list: status %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		return time.Time{}, fmt.Errorf("litestream list: %w", err)
	}
	for _, db := range list.Databases {
		if filepath.Clean(db.Path) != filepath.Clean(r.cfg.DB) {
			continue
		}
		if db.Status != "replicating" || db.LastSyncAt == nil {
			return time.Time{}, fmt.Errorf("litestream: %s is %s, last synced %v", db.Path, db.Status, db.LastSyncAt)
		}
		return *db.LastSyncAt, nil
	}
	return time.Time{}, fmt.Errorf("litestream does not replicate %s", r.cfg.DB)
}
