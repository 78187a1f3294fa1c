package publicweb_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// flakyLink stands between the phone and the server as a weak mobile connection does. It drops
// two chunk uploads of the first photo: one after the server has stored the chunk (the answer is
// lost, so the page's idea of the offset is behind the server's), and one before the server
// sees it.
type flakyLink struct {
	target *url.URL
	proxy  *httputil.ReverseProxy

	mu      stdsync.Mutex
	patches int
	dropped []string
	heads   int
	trace   []string
}

func newFlakyLink(t *testing.T, server string) *flakyLink {
	t.Helper()
	target, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	return &flakyLink{target: target, proxy: httputil.NewSingleHostReverseProxy(target)}
}

func (l *flakyLink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	isChunk := r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/api/fs/blobs/")
	l.mu.Lock()
	l.trace = append(l.trace, r.Method+" "+r.Header.Get("Upload-Offset"))
	if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/api/fs/blobs/") {
		l.heads++
	}
	n := 0
	if isChunk {
		l.patches++
		n = l.patches
	}
	l.mu.Unlock()
	switch n {
	case 2: // the chunk reaches the server; its answer never reaches the phone
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = l.target.Scheme, l.target.Host, l.target.Host, ""
		res, err := http.DefaultTransport.RoundTrip(out)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			l.drop(w, "answer lost after "+res.Status)
			return
		}
		l.drop(w, "forwarding failed: "+err.Error())
	case 4: // the connection breaks before the chunk reaches the server (the body is read
		// whole first: a reset while the browser still sends makes Chromium resend by itself)
		io.Copy(io.Discard, r.Body)
		l.drop(w, "chunk lost")
	default:
		l.proxy.ServeHTTP(w, r)
	}
}

// drop breaks the phone's connection in the middle of an answer. The first bytes matter:
// Chromium silently resends a request whose reused connection closed before any byte came
// back, which would hide the break from the page's script.
func (l *flakyLink) drop(w http.ResponseWriter, why string) {
	l.mu.Lock()
	l.dropped = append(l.dropped, why)
	l.mu.Unlock()
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	buf.WriteString("HTTP/1.1 2")
	buf.Flush()
	conn.Close()
}

// noisyJPEG is a photo of about 1.5 MB, so that it goes up in several 256 KB chunks.
func noisyJPEG(t *testing.T) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 16))
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for y := range 1200 {
		for x := range 1600 {
			img.SetRGBA(x, y, color.RGBA{uint8(rng.IntN(256)), uint8(x * 255 / 1600), uint8(rng.IntN(256)), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBrowser_PhotoUploadResumesOverAWeakConnection: the report page's script, in Chromium,
// uploads a photo of several chunks through a connection that loses one chunk's answer and cuts
// another chunk's body. The script asks the server where it is (HEAD) and resumes; the photo
// arrives whole (the server checks the page's SHA-256 before it keeps a photo) and once, and
// the report is sent with it.
func TestBrowser_PhotoUploadResumesOverAWeakConnection(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	link := newFlakyLink(t, srv.URL)
	front := httptest.NewServer(link)
	t.Cleanup(front.Close)
	base := "http://" + publicHost + ":" + front.URL[strings.LastIndex(front.URL, ":")+1:]
	setAppURL(t, srv.App, base)

	photo := noisyJPEG(t)
	if len(photo) < 5*256<<10 {
		t.Fatalf("the photo is %d bytes: too small to need five chunks", len(photo))
	}
	file := filepath.Join(t.TempDir(), "classroom.jpg")
	if err := os.WriteFile(file, photo, 0o644); err != nil {
		t.Fatal(err)
	}

	photosBefore, err := srv.App.CountRecords(schema.Photos)
	if err != nil {
		t.Fatal(err)
	}
	ctx := phone(t, base)
	run(t, ctx,
		chromedp.Navigate(base+"/r?centre="+testkit.Side("centre", "a")),
		chromedp.WaitVisible(`#description`),
		chromedp.Click(`input[value="tutoring.exam_cramming"]`),
		chromedp.SendKeys(`#description`, "周末在教室里上初中课程"),
		chromedp.SetUploadFiles(`#photo-input-0`, []string{file}),
	)
	done := value(t, ctx, chromedp.Poll[string](`(() => { const li = document.querySelector(".uploads li");
		return li && /已上传|上传失败/.test(li.textContent) ? li.textContent : null })()`, chromedp.WithPollingTimeout(60*time.Second)))
	if !strings.Contains(done, "已上传") {
		t.Fatalf("the upload ended %q", done)
	}
	link.mu.Lock()
	dropped, patches, heads := append([]string(nil), link.dropped...), link.patches, link.heads
	link.mu.Unlock()
	if len(dropped) != 2 || heads < 2 {
		t.Fatalf("the link dropped %v and saw %d HEADs: the weak connection was not exercised", dropped, heads)
	}
	if !strings.HasPrefix(dropped[0], "answer lost after 204") {
		t.Errorf("the first drop should lose a stored chunk's answer: %q", dropped[0])
	}
	chunks := (len(photo) + 256<<10 - 1) / (256 << 10)
	t.Logf("%d bytes in %d chunks: %d PATCHes, %d HEADs, dropped %v; requests %v", len(photo), chunks, patches, heads, dropped, link.trace)

	run(t, ctx, chromedp.Click(`#report-form button[type=submit]`), chromedp.WaitVisible(`#code`))
	tracking := value(t, ctx, chromedp.Text(`#tracking`))
	r, err := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": tracking})
	if err != nil {
		t.Fatal(err)
	}
	ids := r.GetStringSlice("photos")
	if len(ids) != 1 {
		t.Fatalf("the report carries %d photos", len(ids))
	}
	p, err := srv.App.FindRecordById(schema.Photos, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	// A public photo is stored re-encoded without its metadata, so its hash is not the
	// original's; the server compared the page's SHA-256 of the original with the bytes it
	// received before re-encoding, and a wrong byte would have failed the upload.
	if p.GetString("status") != "stored" || p.GetInt("width") != 1600 || p.GetInt("height") != 1200 {
		t.Errorf("photo %s: %s %dx%d", p.Id, p.GetString("status"), p.GetInt("width"), p.GetInt("height"))
	}
	if n, _ := srv.App.CountRecords(schema.Photos); n != photosBefore+1 {
		t.Errorf("%d photos stored for one upload", n-photosBefore)
	}
	res := srv.Do(http.MethodGet, "/api/fs/photos/"+url.PathEscape(ids[0]), srv.Token("users", testkit.SupervisorA), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("serving the photo: %d", res.Status)
	}
}
