package ops

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestReportReplication: what a replicator reports is published, read anew at every scrape,
// under the names the alert rules use.
func TestReportReplication(t *testing.T) {
	s := &Service{reg: prometheus.NewRegistry()}
	state := Replication{Lag: 2.5, Failures: 3}
	s.ReportReplication(func() Replication { return state })
	want := func(lag, failures float64) {
		t.Helper()
		fams, err := s.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range fams {
			m := f.GetMetric()[0]
			got[f.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
		if len(got) != 2 || got["fieldsync_replication_lag_seconds"] != lag || got["fieldsync_replication_failures_total"] != failures {
			t.Errorf("published %v, want lag %v and failures %v", got, lag, failures)
		}
	}
	want(2.5, 3)
	state = Replication{Lag: 0.25, Failures: 4}
	want(0.25, 4)
}
