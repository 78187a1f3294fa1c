package ops

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Replication is what a replicator of the databases reports at each scrape.
type Replication struct {
	// Lag is the window of acknowledged writes a total loss of this machine would take: how
	// far the newest write safely on the replica is behind the newest write committed here.
	Lag float64 // seconds
	// Failures counts the replication attempts that failed since the server started.
	Failures uint64
}

var (
	descReplLag = prometheus.NewDesc("fieldsync_replication_lag_seconds",
		"How far the replica is behind the data database: the writes a total machine loss would take.", nil, nil)
	descReplFail = prometheus.NewDesc("fieldsync_replication_failures_total",
		"Replication attempts that failed since the server started.", nil, nil)
)

// ReportReplication is where a replication module (Litestream or another) plugs in: read is
// called at every scrape and its answer published as fieldsync_replication_lag_seconds and
// fieldsync_replication_failures_total, the figures docs/ops/alerts.yml alerts on. Without a
// replicator neither metric exists, and the alert on their absence says so.
func (s *Service) ReportReplication(read func() Replication) {
	s.reg.MustRegister(replicationCollector(read))
}

type replicationCollector func() Replication

func (r replicationCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descReplLag
	ch <- descReplFail
}

func (r replicationCollector) Collect(ch chan<- prometheus.Metric) {
	st := r()
	ch <- prometheus.MustNewConstMetric(descReplLag, prometheus.GaugeValue, st.Lag)
	ch <- prometheus.MustNewConstMetric(descReplFail, prometheus.CounterValue, float64(st.Failures))
}
