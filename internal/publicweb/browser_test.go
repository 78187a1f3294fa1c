package publicweb_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

var screenshots = flag.String("publicweb.screenshots", "", "write screenshots of the public pages to this directory (docs/public)")

// The browser reaches the test server under this name, as a phone reaches the public address:
// a loopback address would be refused as the public address (internal/publicurl).
const publicHost = "fieldsync.test"

// phone starts a headless Chromium with a fresh profile, 390×844 like a phone, that resolves
// publicHost to loopback and treats base as a secure origin (as HTTPS would be in production,
// where the page hashes photos with crypto.subtle).
func phone(t *testing.T, base string) context.Context {
	t.Helper()
	ctx := browsertest.Start(t, 390, 844,
		chromedp.Flag("host-resolver-rules", "MAP "+publicHost+" 127.0.0.1"),
		chromedp.Flag("unsafely-treat-insecure-origin-as-secure", base))
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	return ctx
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Run(t, ctx, actions...)
}

func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Value(t, ctx, a)
}

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browsertest.Shoot(t, ctx, *screenshots, name)
}

// photoJPEG is a camera-like JPEG; with gps, it carries an EXIF GPS position.
func photoJPEG(t *testing.T, gps bool, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			img.SetRGBA(x, y, color.RGBA{shade, uint8(x * 255 / 640), uint8(y * 255 / 480), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	jpg := buf.Bytes()
	if !gps {
		return jpg
	}
	// APP1 "Exif": a little-endian TIFF whose IFD0 points at a GPS IFD of 39°54'N 116°18'E.
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	entry := func(tag, typ uint16, count, val uint32) []byte {
		b := make([]byte, 12)
		le.PutUint16(b, tag)
		le.PutUint16(b[2:], typ)
		le.PutUint32(b[4:], count)
		le.PutUint32(b[8:], val)
		return b
	}
	tiff = append(tiff, 1, 0)
	tiff = append(tiff, entry(0x8825, 4, 1, 26)...) // GPS IFD at 8+2+12+4
	tiff = append(tiff, 0, 0, 0, 0)
	const data = 26 + 2 + 4*12 + 4 // after the GPS IFD
	tiff = append(tiff, 4, 0)
	tiff = append(tiff, entry(1, 2, 2, uint32('N'))...)
	tiff = append(tiff, entry(2, 5, 3, data)...)
	tiff = append(tiff, entry(3, 2, 2, uint32('E'))...)
	tiff = append(tiff, entry(4, 5, 3, data+24)...)
	tiff = append(tiff, 0, 0, 0, 0)
	for _, v := range []uint32{39, 1, 54, 1, 0, 1, 116, 1, 18, 1, 0, 1} {
		tiff = le.AppendUint32(tiff, v)
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(payload)+2))
	return append(append(append(append([]byte{}, jpg[:2]...), seg...), payload...), jpg[2:]...)
}

// hasMetadata says whether a JPEG carries an APP1 (EXIF, XMP) segment.
func hasMetadata(jpg []byte) bool {
	return bytes.Contains(jpg, []byte("Exif\x00\x00")) || bytes.Contains(jpg, []byte{0xff, 0xe1})
}

// TestBrowser_ParentReportsAndFollows is the walk at 390×844: the QR code decodes to
// the centre's public page; the parent opens it, reports with two photos (one with GPS), gets a
// tracking number, code and link, opens the link, and on a fresh profile finds the report by
// typing the code, adds information; staff fix it through the API; the page shows it fixed
// and the parent disputes. axe-core finds no serious violation on any page, no page shows the
// contact, and the served photos carry no metadata.
func TestBrowser_ParentReportsAndFollows(t *testing.T) {
	axe := browsertest.AxeSource(t, "testdata/axe")
	srv := testkit.Serve(t, testkit.NewApp(t))
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	base := "http://" + publicHost + ":" + port
	setAppURL(t, srv.App, base)
	centre := testkit.Side("centre", "a")

	// Scan: the printed code decodes to the centre's page on the public address.
	qr := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+centre+"/qr.png", "", nil)
	img, _, err := image.Decode(bytes.NewReader(qr.Body))
	if err != nil {
		t.Fatalf("qr: %d %v", qr.Status, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || decoded.GetText() != base+"/c/"+centre {
		t.Fatalf("the QR code says %v (%v)", decoded, err)
	}

	ctx := phone(t, base)
	run(t, ctx, chromedp.Navigate(decoded.GetText()), chromedp.WaitVisible(`.report-top a`))
	if h1 := value(t, ctx, chromedp.Text(`h1`)); h1 != "学而思测试校区 a" {
		t.Errorf("centre page h1 %q", h1)
	}
	browsertest.CheckA11y(t, ctx, axe, "centre page")
	shoot(t, ctx, "centre")

	// Report with two photos, one carrying GPS.
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "classroom.jpg"), filepath.Join(dir, "timetable.jpg")}
	for i, f := range files {
		if err := os.WriteFile(f, photoJPEG(t, i == 0, uint8(60+100*i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, chromedp.Click(`.report-top a`), chromedp.WaitVisible(`#description`))
	browsertest.CheckA11y(t, ctx, axe, "report form")
	run(t, ctx,
		chromedp.Click(`input[value="tutoring.exam_cramming"]`),
		chromedp.SendKeys(`#description`, "五年级数学班周末教初中方程"),
		chromedp.SetUploadFiles(`#photo-input-0`, files),
		chromedp.SendKeys(`#phone`, "13911112222"),
		chromedp.SendKeys(`#email`, "sun.parent@example.com"),
	)
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("input[name=photo]").length === 2`, chromedp.WithPollingTimeout(30*time.Second)))
	shoot(t, ctx, "form")
	run(t, ctx, chromedp.Click(`#report-form button[type=submit]`), chromedp.WaitVisible(`#code`))
	tracking := value(t, ctx, chromedp.Text(`#tracking`))
	code := value(t, ctx, chromedp.Text(`#code`))
	link := value(t, ctx, chromedp.Text(`#link`))
	if link != base+"/t/"+tracking+"/"+code {
		t.Fatalf("link %q for %s %s", link, tracking, code)
	}
	browsertest.CheckA11y(t, ctx, axe, "receipt page")
	shoot(t, ctx, "done")

	// The bookmarked link.
	run(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(`#status`))
	if st := value(t, ctx, chromedp.Text(`#status`)); st != "已受理" {
		t.Errorf("status %q", st)
	}
	browsertest.CheckA11y(t, ctx, axe, "tracking page")
	pages := []string{value(t, ctx, chromedp.OuterHTML(`html`))}

	// A fresh profile, with the code written down.
	other := phone(t, base)
	run(t, other, chromedp.Navigate(base+"/c?q=培训&area="+testkit.SubdistrictA), chromedp.WaitVisible(`.results`))
	browsertest.CheckA11y(t, other, axe, "search page")
	shoot(t, other, "search")
	run(t, other, chromedp.Navigate(base+"/t"), chromedp.WaitVisible(`#code`))
	browsertest.CheckA11y(t, other, axe, "find page")
	run(t, other,
		chromedp.SendKeys(`#tracking`, tracking),
		chromedp.SendKeys(`#code`, strings.ToLower(strings.ReplaceAll(code, "-", " "))),
		chromedp.Click(`main form button`),
		chromedp.WaitVisible(`#status`),
		chromedp.SendKeys(`#text-info`, "每周六上午 9 点上课"),
		chromedp.Click(`form.add button`),
		chromedp.WaitVisible(`.ok`),
	)
	r, err := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": tracking})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.App.CountRecords(schema.ReportUpdates, dbx.HashExp{"report": r.Id, "kind": "info"}); n != 1 {
		t.Errorf("%d additions stored", n)
	}
	shoot(t, other, "tracking")

	fixThroughAPI(t, srv, r.Id)
	run(t, other, chromedp.Reload(), chromedp.WaitVisible(`#text-dispute`))
	if st := value(t, other, chromedp.Text(`#status`)); st != "已整改" {
		t.Errorf("after the fix: %q", st)
	}
	browsertest.CheckA11y(t, other, axe, "fixed tracking page")
	shoot(t, other, "fixed")
	// The page after the dispute has no dispute form any more (the case is disputed).
	run(t, other, chromedp.SendKeys(`#text-dispute`, "周六上午还在上课"), chromedp.Click(`#text-dispute ~ button`),
		chromedp.WaitNotPresent(`#text-dispute`), chromedp.WaitVisible(`#status`))
	if st := value(t, other, chromedp.Text(`#status`)); st != "举报人对整改有异议" {
		t.Errorf("after the dispute: %q", st)
	}
	pages = append(pages, value(t, other, chromedp.OuterHTML(`html`)))
	for _, p := range pages {
		for _, c := range []string{"13911112222", "sun.parent@example.com"} {
			if strings.Contains(p, c) {
				t.Errorf("a page shows %q", c)
			}
		}
	}

	// The photos as stored and served carry no metadata, the GPS one included.
	r, _ = srv.App.FindRecordById(schema.Reports, r.Id)
	photos := r.GetStringSlice("photos")
	if len(photos) != 2 || !hasMetadata(photoJPEG(t, true, 60)) {
		t.Fatalf("photos %v", photos)
	}
	for _, id := range photos {
		res := srv.Do(http.MethodGet, "/api/fs/photos/"+url.PathEscape(id), srv.Token("users", testkit.SupervisorA), nil)
		if res.Status != http.StatusOK || len(res.Body) < 1000 {
			t.Fatalf("photo %s: %d", id, res.Status)
		}
		if hasMetadata(res.Body) {
			t.Errorf("photo %s is served with metadata", id)
		}
	}
}
