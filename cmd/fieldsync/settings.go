package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/cityview"
	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/sqlite"
	"github.com/haidian/fieldsync/internal/sync"
)

// settings are the server's settings from the environment, read once at start.
type settings struct {
	durability sqlite.Synchronous
	readers    int
	sync       sync.Config
	ops        ops.Config
	city       cityview.Config
	// litestreamSocket is Litestream's control socket, when Litestream replicates the
	// databases beside the server: the replication metrics are read from it.
	litestreamSocket string
}

// metricsTokenEnv names the bearer token a Prometheus scraper reads /metrics with.
const metricsTokenEnv = "FIELDSYNC_METRICS_TOKEN"

// litestreamSocketEnv names the path of Litestream's control socket.
const litestreamSocketEnv = "FIELDSYNC_LITESTREAM_SOCKET"

// cityTokenEnv names the bearer token the city view reads this district's figures with.
const cityTokenEnv = "FIELDSYNC_CITY_TOKEN"

// readSettings reads every FIELDSYNC_ variable and reports every bad one at once, so an
// operator fixes them in one go rather than one per failed start.
func readSettings() (settings, error) {
	var s settings
	var errs []error
	var err error
	s.durability, err = sqlite.SynchronousFromEnv()
	errs = append(errs, err)
	s.readers, err = sqlite.ReadersFromEnv()
	errs = append(errs, err)
	s.sync, err = sync.ConfigFromEnv()
	errs = append(errs, err)
	// The blob store reads its settings when it is bound; a bad one must stop the start
	// here rather than be logged and replaced by the default there.
	_, err = blobs.ConfigFromEnv()
	errs = append(errs, err)
	if k, set := os.LookupEnv(reports.ReceiptKeyEnv); set && len(k) < 32 {
		// Shorter keys are ignored by the receipts, which would sign with the generated key.
		errs = append(errs, fmt.Errorf("%s must be at least 32 bytes, got %d", reports.ReceiptKeyEnv, len(k)))
	}
	s.ops.MetricsToken = os.Getenv(metricsTokenEnv)
	s.city.Token = os.Getenv(cityTokenEnv)
	s.litestreamSocket = os.Getenv(litestreamSocketEnv)
	for _, t := range []struct{ env, token string }{{metricsTokenEnv, s.ops.MetricsToken}, {cityTokenEnv, s.city.Token}} {
		if n := len(t.token); n > 0 && n < ops.MinTokenLength {
			errs = append(errs, fmt.Errorf("%s must be at least %d characters, got %d", t.env, ops.MinTokenLength, n))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return s, &ops.StartupError{Check: "settings", Err: err, Fixable: true,
			Hint: "fix the environment variables named above (README: Configuration)"}
	}
	return s, nil
}
