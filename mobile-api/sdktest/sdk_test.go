package sdktest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// TestSDK starts one server and runs every file of mobile-api/js/test in node against it. Each
// JS test makes its own users through the superuser token, so the tests do not share state.
// Outside CI it skips when node or the SDK's npm packages are missing; under CI=true (where
// make test runs npm ci first) it fails.
func TestSDK(t *testing.T) {
	jsDir, err := filepath.Abs("../js")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(jsDir, "node_modules", "fake-indexeddb"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the SDK's npm packages are missing (make test runs npm ci in mobile-api/js): %v", err)
		}
		t.Skipf("node or the SDK's npm packages are missing (cd mobile-api/js && npm ci): %v", err)
	}
	a := testkit.NewApp(t)
	srv := testkit.Serve(t, a)
	busy := testkit.Serve(t, busyApp(t))
	h := newHarness(t, srv, jsDir)
	h.busy = busy
	front := &http.Server{Handler: h}
	ln := listen(t)
	go front.Serve(ln)
	t.Cleanup(func() { front.Close() })

	env := append(os.Environ(),
		"FS_URL=http://"+ln.Addr().String(),
		"FS_PASSWORD="+testkit.Password,
		"FS_SU_TOKEN="+srv.Token("_superusers", testkit.Superuser),
		"FS_SD_A="+testkit.SubdistrictA,
		"FS_SD_B="+testkit.SubdistrictB,
		"FS_FINDING_A="+testkit.Side("finding", "a"),
		"FS_PLACE_A="+testkit.Side("venue", "a"),
		"FS_CLASS_A="+testkit.Side("class", "a"),
		"FS_PHOTO="+writeJPEG(t),
		"FS_BUSY_URL="+busy.URL,
		"FS_BUSY_SU_TOKEN="+busy.Token("_superusers", testkit.Superuser),
	)
	if os.Getenv("FS_SEEDS") == "" && os.Getenv("FIELDSYNC_LONG") == "1" {
		env = append(env, "FS_SEEDS=40") // the convergence test's long run; make test runs 3
	}
	if p := chromiumPath(); p != "" {
		env = append(env, "FS_CHROMIUM="+p)
	} else if os.Getenv("CI") == "true" {
		t.Fatal("chromium is missing: make test installs Debian's chromium")
	}
	args := []string{"--test", "--test-concurrency=1", "--test-reporter=spec"}
	if only := os.Getenv("FS_JS_ONLY"); only != "" {
		args = append(args, "--test-name-pattern="+only)
	}
	files, _ := filepath.Glob(filepath.Join(jsDir, "test", "*.test.mjs"))
	// FS_JS_REPEAT=n runs them n times against the one server, to hunt a flaky test.
	repeat, _ := strconv.Atoi(os.Getenv("FS_JS_REPEAT"))
	for i := range max(repeat, 1) {
		cmd := exec.CommandContext(t.Context(), node, append(args, files...)...)
		cmd.Dir, cmd.Env = jsDir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		t.Log("\n" + out.String())
		if err != nil {
			t.Fatalf("node --test (run %d): %v", i+1, err)
		}
	}
}

// busyApp is a second app, for the SDK's busy tests, whose pushes are answered 503 sync_busy
// as soon as one push is queued before them (a push admission bound of a nanosecond), and
// whose photo completions have two slots (one decoder) and are answered 503 server_busy after
// a tenth of a second without one.
func busyApp(t *testing.T) *tests.TestApp {
	return testkit.NewAppWith(t, func(a core.App) {
		o := app.DefaultOptions()
		o.Settings.PushMaxWait = time.Nanosecond
		o.Settings.PhotoDecoders = 1
		o.PhotoSlotWait = 100 * time.Millisecond
		app.BindWith(a, o)
	})
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("FIELDSYNC_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

// harness fronts the real server with a reverse proxy that the JS tests steer through
// /__test/ to break the network the way phones meet it (a cut upload, a lost answer), to run
// the server's compaction, and that serves the SDK bundle and a test page at /__sdk/ (same
// origin as the API, as the inspector web app will be).
type harness struct {
	t     *testing.T
	srv   *testkit.Server
	proxy *httputil.ReverseProxy
	js    string

	mu       stdsync.Mutex
	cutAfter int64  // > 0: the next PATCH is cut after this many bytes
	lose     string // a path: the answer of the next POST to it is lost
	delay    time.Duration
	seen     map[string]int // requests forwarded to the server, by path

	busy          *testkit.Server // the busy test's server (busyApp)
	releaseWriter func()          // ends the transaction holding busy's writer; nil when not held
	releaseSlots  func()          // frees busy's photo completion slots; nil when not held
}

func newHarness(t *testing.T, srv *testkit.Server, jsDir string) *harness {
	u, _ := url.Parse(srv.URL)
	h := &harness{t: t, srv: srv, js: jsDir, proxy: httputil.NewSingleHostReverseProxy(u)}
	h.proxy.FlushInterval = -1 // realtime events go out at once
	h.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { cut(w) }
	return h
}

// errCut ends a request body midway, as a phone losing its signal.
var errCut = errors.New("connection cut")

type cutBody struct {
	r    interface{ Read([]byte) (int, error) }
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errCut
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cutBody) Close() error { return nil }

// cut drops the client's connection without an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusBadGateway)
}

func (h *harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if Assets(h.js, w, r) {
		return
	}
	if strings.HasPrefix(r.URL.Path, "/__test/") {
		h.control(w, r)
		return
	}
	h.mu.Lock()
	if h.seen == nil {
		h.seen = map[string]int{}
	}
	h.seen[r.URL.Path]++
	cutAfter, lose, delay := h.cutAfter, h.lose, h.delay
	if r.Method == http.MethodPatch && cutAfter > 0 {
		h.cutAfter = 0
	} else {
		cutAfter = 0
	}
	if r.Method == http.MethodPost && lose == r.URL.Path {
		h.lose = ""
	} else {
		lose = ""
	}
	h.mu.Unlock()
	if delay > 0 && strings.HasPrefix(r.URL.Path, "/api/sync/") {
		time.Sleep(delay)
	}
	// The request is read whole before it is forwarded. Streamed, it raced: Go's server closes
	// a request body the handler has not read to its end when the answer's header goes out
	// (net/http's chunkWriter.writeHeader), while the proxy's transport may still be reading
	// it (its last read, for EOF, or the body itself when the server answered first, as the
	// 403 of a revoked device). That read failed, the transport closed the upstream connection
	// as a failed send, and the answer being copied from it broke off: the phone saw "other
	// side closed" or "terminated".
	body, err := io.ReadAll(r.Body)
	if err != nil {
		cut(w)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	if cutAfter > 0 {
		r.Body = &cutBody{r: r.Body, left: cutAfter}
	}
	if lose != "" {
		// The server gets the whole request and answers; the phone never hears it.
		rec := &discard{header: http.Header{}}
		h.proxy.ServeHTTP(rec, r)
		cut(w)
		return
	}
	h.proxy.ServeHTTP(w, r)
}

type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// control steers the harness: cut?bytes=n, lose?path=/api/sync/v1/push, delay?ms=n, compact,
// hold-busy-writer and release-busy-writer, hold-photo-slots and release-photo-slots (of the
// busy server); seen?path=p answers how many requests to p the harness forwarded.
func (h *harness) control(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.mu.Lock()
	defer h.mu.Unlock()
	switch strings.TrimPrefix(r.URL.Path, "/__test/") {
	case "seen":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, h.seen[q.Get("path")])
		return
	case "cut":
		h.cutAfter, _ = strconv.ParseInt(q.Get("bytes"), 10, 64)
	case "lose":
		h.lose = q.Get("path")
	case "delay":
		ms, _ := strconv.Atoi(q.Get("ms"))
		h.delay = time.Duration(ms) * time.Millisecond
	case "hold-busy-writer":
		// A long transaction of another door: pushes to the busy server queue behind it.
		h.releaseWriter = testkit.HoldWriter(h.t, h.busy.App)
	case "release-busy-writer":
		if h.releaseWriter == nil {
			http.Error(w, "the busy server's writer is not held", http.StatusConflict)
			return
		}
		h.releaseWriter()
		h.releaseWriter = nil
	case "hold-photo-slots":
		// Both photo completion slots of the busy server taken by photos waiting for its
		// writer: the next completion is answered 503 server_busy.
		h.releaseSlots = testkit.HoldPhotoSlots(h.t, h.busy, h.busy.Token("users", testkit.InspectorA), 2)
	case "release-photo-slots":
		if h.releaseSlots == nil {
			http.Error(w, "the busy server's photo slots are not held", http.StatusConflict)
			return
		}
		h.releaseSlots()
		h.releaseSlots = nil
	case "compact":
		// What the server does daily: drop removal markers, raising the horizon.
		if _, err := sync.Compact(h.srv.App, time.Now().Add(time.Hour)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeJPEG writes a 1200x900 JPEG of noise (about 1 MB, several upload chunks) and returns its path.
func writeJPEG(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 900))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.IntN(256))
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
