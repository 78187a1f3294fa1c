package testkit

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// HoldWriter takes app's single database writer, as a long transaction of another door would,
// until the returned function is called (at the latest when the test ends): writes begun
// meanwhile wait for it, pushes queue behind it.
func HoldWriter(t testing.TB, app core.App) (release func()) {
	t.Helper()
	held, done, ended := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		ended <- app.RunInTransaction(func(core.App) error {
			close(held)
			<-done
			return nil
		})
	}()
	<-held
	var once stdsync.Once
	release = func() {
		once.Do(func() {
			close(done)
			if err := <-ended; err != nil {
				t.Errorf("holding the writer: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// Metric reads one sample of /metrics, named with its labels as Prometheus prints it
// (`fieldsync_sync_push_queue{what="pushes"}`), with the given authorization (a district
// administrator's token, or "Bearer " and the scraper's); 0 when absent.
func (s *Server) Metric(t testing.TB, authorization, sample string) float64 {
	t.Helper()
	res := s.DoRaw(http.MethodGet, "/metrics", authorization, nil, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("scrape: %d %s", res.Status, res.Body)
	}
	sc := bufio.NewScanner(bytes.NewReader(res.Body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", sample, err)
			}
			return f
		}
	}
	return 0
}
