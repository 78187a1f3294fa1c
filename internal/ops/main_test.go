package ops_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// metricsToken is the scraper's token of every test app here.
const metricsToken = "test-scraper-token-0123456789abcdef"

// readyTimeout keeps the test of a held writer short.
const readyTimeout = time.Second

// offset moves the clock of every test app here (sync and metrics alike) ahead of the wall's.
var offset atomic.Int64

func now() time.Time { return time.Now().Add(time.Duration(offset.Load())) }

// services holds the ops service of each test app, for the tests that register on it.
var services stdsync.Map

func opsOf(a core.App) *ops.Service {
	s, _ := services.Load(a)
	return s.(*ops.Service)
}

func TestMain(m *testing.M) {
	testkit.SetBind(func(a core.App) {
		cfg := sync.DefaultConfig()
		cfg.Now = now
		services.Store(a, app.BindServer(a, cfg, ops.Config{MetricsToken: metricsToken, ReadyTimeout: readyTimeout, Now: now}))
	})
	testkit.Main(m)
}

// samples are the series of one scrape: "name{labels}" (labels as the text format prints
// them, sorted by name) to value.
type samples map[string]float64

// scrape reads /metrics with the scraper's token.
func scrape(t *testing.T, srv *testkit.Server) (samples, string) {
	t.Helper()
	res := get(t, srv, "/metrics", "Bearer "+metricsToken)
	if res.Status != http.StatusOK {
		t.Fatalf("scrape: %d %s", res.Status, res.Body)
	}
	out := samples{}
	sc := bufio.NewScanner(bytes.NewReader(res.Body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out, string(res.Body)
}

// delta is how much series moved between two scrapes.
func delta(before, after samples, series string) float64 { return after[series] - before[series] }

func get(t *testing.T, srv *testkit.Server, path, auth string) testkit.Response {
	t.Helper()
	return send(t, srv, http.MethodGet, path, auth, nil, nil)
}

func send(t *testing.T, srv *testkit.Server, method, path, auth string, header map[string]string, body []byte) testkit.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	// Identity encoding, so that the body read here is byte for byte the body sent.
	req.Header.Set("Accept-Encoding", "identity")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.Response{Status: res.StatusCode, Body: data, Header: res.Header}
}

// smallJPEG is a real photo of a few pixels, different for each seed.
func smallJPEG(t *testing.T, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), seed, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
