package ops_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
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
		o := app.DefaultOptions()
		o.Settings.MetricsToken, o.ReadyTimeout, o.Now = metricsToken, readyTimeout, now
		services.Store(a, app.BindWith(a, o))
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
	return srv.DoRaw(http.MethodGet, path, auth, nil, nil)
}

// photoJPEG is a real photo of w×h pixels, different for each seed: a smooth picture, or
// with noise one that hardly compresses (a large file).
func photoJPEG(t *testing.T, w, h int, seed uint64, noise bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, seed))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x * 4), uint8(y * 5), uint8(seed), 255}
			if noise {
				c = color.RGBA{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
