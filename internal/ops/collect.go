package ops

import (
	"context"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
)

var (
	descHead = prometheus.NewDesc("fieldsync_changelog_head_seq",
		"The change log's newest sequence number.", nil, nil)
	descHorizon = prometheus.NewDesc("fieldsync_changelog_horizon_seq",
		"The compaction horizon: cursors below it get a reset.", nil, nil)
	descPending = prometheus.NewDesc("fieldsync_photos_pending",
		"Photo records whose bytes have not arrived.", nil, nil)
	descPendingDay = prometheus.NewDesc("fieldsync_photos_pending_over_1d",
		"Photo records whose bytes have not arrived a day after the record.", nil, nil)
	descClients = prometheus.NewDesc("fieldsync_sync_clients",
		"Installations not revoked.", nil, nil)
	descSilent = prometheus.NewDesc("fieldsync_sync_clients_silent",
		"Installations not revoked whose last push (or registration) is older than the label.", []string{"over"}, nil)
	descScrapeErr = prometheus.NewDesc("fieldsync_scrape_errors",
		"1 when the figures read from the database at this scrape could not be read.", nil, nil)
)

// silentAges are the ages of the overdue-push gauge: a phone out of use over a weekend is
// silent for a few days; a week means a lost phone or a broken app.
var silentAges = []struct {
	label string
	age   time.Duration
}{{"1d", 24 * time.Hour}, {"3d", 72 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// dbCollector reads the figures that live in the database when Prometheus scrapes, from the
// read pool, so a scrape never waits for the writer.
type dbCollector struct {
	app     core.App
	now     func() time.Time
	timeout time.Duration
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHead, descHorizon, descPending, descPendingDay, descClients, descSilent, descScrapeErr} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := c.collect(ctx, ch); err != nil {
		c.app.Logger().Error("metrics: database figures", "error", err)
		ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 0)
}

func (c *dbCollector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	db := c.app.ConcurrentDB()
	var head, horizon float64
	err := db.NewQuery("SELECT (SELECT seq FROM fs_sync_head), (SELECT seq FROM fs_sync_horizon)").
		WithContext(ctx).Row(&head, &horizon)
	if err != nil {
		return err
	}
	now := c.now()
	var pending, pendingDay float64
	err = db.NewQuery("SELECT COUNT(*), COALESCE(SUM(created < {:cut}), 0) FROM "+schema.Photos+
		" WHERE status = 'pending'").Bind(dbx.Params{"cut": dbTime(now.Add(-24 * time.Hour))}).
		WithContext(ctx).Row(&pending, &pendingDay)
	if err != nil {
		return err
	}
	var clients float64
	silent := make([]float64, len(silentAges))
	params := dbx.Params{}
	sql := "SELECT COUNT(*)"
	for _, a := range silentAges {
		key := "c" + a.label
		params[key] = dbTime(now.Add(-a.age))
		sql += ", COALESCE(SUM(last < {:" + key + "}), 0)"
	}
	// The newest journal row of a client is one seek in the journal's client_id index (rowid
	// is the index's last column), so this costs two seeks per installation.
	sql += ` FROM (SELECT COALESCE((SELECT j.created FROM ` + schema.SyncJournal + ` j WHERE j.rowid =
		(SELECT MAX(rowid) FROM ` + schema.SyncJournal + ` WHERE client_id = c.client_id)), c.created) AS last
		FROM ` + schema.SyncClients + ` c WHERE c.revoked = FALSE)`
	dst := []any{&clients}
	for i := range silent {
		dst = append(dst, &silent[i])
	}
	if err := db.NewQuery(sql).Bind(params).WithContext(ctx).Row(dst...); err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(descHead, prometheus.GaugeValue, head)
	ch <- prometheus.MustNewConstMetric(descHorizon, prometheus.GaugeValue, horizon)
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, pending)
	ch <- prometheus.MustNewConstMetric(descPendingDay, prometheus.GaugeValue, pendingDay)
	ch <- prometheus.MustNewConstMetric(descClients, prometheus.GaugeValue, clients)
	for i, a := range silentAges {
		ch <- prometheus.MustNewConstMetric(descSilent, prometheus.GaugeValue, silent[i], a.label)
	}
	return nil
}

// dbTime formats t as PocketBase stores dates, so that text comparison orders them.
func dbTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") }

var (
	descPoolWaits = prometheus.NewDesc("fieldsync_sqlite_pool_waits_total",
		"Times a query waited for a connection of the pool (writer: SQLite's single write lock as this process takes it).",
		[]string{"pool"}, nil)
	descPoolWait = prometheus.NewDesc("fieldsync_sqlite_pool_wait_seconds_total",
		"Total time queries waited for a connection of the pool.", []string{"pool"}, nil)
	descPoolInUse = prometheus.NewDesc("fieldsync_sqlite_pool_in_use",
		"Connections of the pool in use at the scrape.", []string{"pool"}, nil)
)

// poolCollector reports how long the data database's callers waited for a connection.
//
// Why this measures the write lock honestly: PocketBase sends every write of the data
// database through one connection (the nonconcurrent pool, MaxOpenConns 1) and a transaction
// holds it from BEGIN to COMMIT, so within this process waiting for SQLite's single writer is
// waiting for that connection, and database/sql counts every such wait and its length. What it
// does not see: waits inside SQLite's busy handler for a writer of another process (the
// sqlite3 shell, a replicator checkpointing), which only such processes cause.
type poolCollector struct{ app core.App }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPoolWaits
	ch <- descPoolWait
	ch <- descPoolInUse
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range []struct {
		name string
		db   dbx.Builder
	}{{"writer", c.app.NonconcurrentDB()}, {"readers", c.app.ConcurrentDB()}} {
		db, ok := p.db.(*dbx.DB)
		if !ok {
			continue
		}
		st := db.DB().Stats()
		ch <- prometheus.MustNewConstMetric(descPoolWaits, prometheus.CounterValue, float64(st.WaitCount), p.name)
		ch <- prometheus.MustNewConstMetric(descPoolWait, prometheus.CounterValue, st.WaitDuration.Seconds(), p.name)
		ch <- prometheus.MustNewConstMetric(descPoolInUse, prometheus.GaugeValue, float64(st.InUse), p.name)
	}
}

var descPushQueue = prometheus.NewDesc("fieldsync_sync_push_queue",
	"Pushes holding or waiting for the database writer's turn (what=pushes), their new mutations (what=mutations), "+
		"and pushes turned away busy whose place is kept until they come back (what=booked).",
	[]string{"what"}, nil)

// pushQueueCollector reads the sync protocol's push queue when Prometheus scrapes.
type pushQueueCollector func() sync.QueueLength

func (c pushQueueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descPushQueue }

func (c pushQueueCollector) Collect(ch chan<- prometheus.Metric) {
	q := c()
	ch <- prometheus.MustNewConstMetric(descPushQueue, prometheus.GaugeValue, float64(q.Pushes), "pushes")
	ch <- prometheus.MustNewConstMetric(descPushQueue, prometheus.GaugeValue, float64(q.Mutations), "mutations")
	ch <- prometheus.MustNewConstMetric(descPushQueue, prometheus.GaugeValue, float64(q.Booked), "booked")
}

var descCompletions = prometheus.NewDesc("fieldsync_photo_completions",
	"Completions of photo uploads holding a slot (what=running: verifying, decoding, storing) "+
		"and waiting for one (what=waiting); one that waits too long is answered 503 server_busy.",
	[]string{"what"}, nil)

// completionsCollector reads the blob store's completions when Prometheus scrapes.
type completionsCollector func() blobs.Load

func (c completionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descCompletions }

func (c completionsCollector) Collect(ch chan<- prometheus.Metric) {
	l := c()
	ch <- prometheus.MustNewConstMetric(descCompletions, prometheus.GaugeValue, float64(l.Running), "running")
	ch <- prometheus.MustNewConstMetric(descCompletions, prometheus.GaugeValue, float64(l.Waiting), "waiting")
}
