package blobs_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// TestHostile_RefusedBeforeDecode sends files made to hurt a decoder through the inspectors'
// upload path. Each is refused with a 4xx and a code that says why, nothing of it is kept,
// and the server goes on serving. None reaches a decoder: the structure walk and the header
// refuse them (a decode of the two floods would need gigabytes).
func TestHostile_RefusedBeforeDecode(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	good := encodeJPEG(t, picture(400, 300))
	cases := []struct {
		name, mime string
		data       []byte
		status     int
		code       string
	}{
		{"png declaring 50000x50000", "image/png", pngDeclaring(t, 50000, 50000, 8, 6, 1), 413, "image_too_many_pixels"},
		{"jpeg declaring 65500x65500", "image/jpeg", jpegDeclaring(t, 65500, 65500), 413, "image_too_many_pixels"},
		// 7000x7000 RGBA at 16 bits: within the pixel budget, but 392 MB once inflated from
		// about 400 KB of zlib.
		{"compressed bomb", "image/png", pngDeclaring(t, 7000, 7000, 16, 6, 7000), 413, "image_too_costly"},
		{"truncated jpeg", "image/jpeg", good[:len(good)*2/3], 400, "image_truncated"},
		{"truncated png", "image/png", encodePNG(t, picture(200, 100))[:300], 400, "image_truncated"},
		{"text renamed .jpg", "image/jpeg", []byte("<html><body>not a photo</body></html>"), 400, "unsupported_format"},
		{"zip renamed .jpg", "image/jpeg", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 500)...), 400, "unsupported_format"},
		{"png declared as jpeg", "image/jpeg", encodePNG(t, picture(20, 10)), 400, "mime_mismatch"},
		{"webp", "image/jpeg", append([]byte("RIFF\x10\x00\x00\x00WEBPVP8 "), make([]byte, 64)...), 400, "unsupported_format"},
		{"heic", "image/jpeg", append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 64)...), 400, "unsupported_format"},
		{"jpeg without frame", "image/jpeg", []byte("\xff\xd8\xff\xd9"), 400, "image_corrupt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, res := e.upload(tok, c.data, c.mime, "")
			if status != c.status || res["code"] != c.code {
				t.Fatalf("got %d %v, want %d %s", status, res, c.status, c.code)
			}
			if msg, _ := res["message"].(string); !bytes.Contains([]byte(msg), []byte(" / ")) {
				t.Errorf("message %q is not bilingual", msg)
			}
			e.assertNothingKept(c.name)
			if h := e.srv.Do("GET", "/api/health", "", nil); h.Status != 200 {
				t.Fatalf("server after %s: %d", c.name, h.Status)
			}
		})
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("heap high-water after all: %d MiB in use, %d MiB from the OS", m.HeapInuse>>20, m.Sys>>20)
	if m.Sys > 1<<30 {
		t.Errorf("the process took %d MiB from the OS", m.Sys>>20)
	}
}

// TestHostile_PayloadAfterTheImage: an HTML or ZIP payload appended to a JPEG. The inspector's
// original is kept byte for byte (it is evidence, and phones append trailers of their own),
// served only as image/jpeg with nosniff and a sandbox; the derived images carry none of it.
func TestHostile_PayloadAfterTheImage(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	payloads := map[string][]byte{
		"html": []byte("<html><script>alert(document.cookie)</script></html>"),
		"zip":  append([]byte("PK\x03\x04\x14\x00\x00\x00"), bytes.Repeat([]byte("payload!"), 64)...),
	}
	for name, payload := range payloads {
		data := append(encodeJPEG(t, picture(500, 300)), payload...)
		photo := e.newPhoto(tok, data, testkit.SubdistrictA)
		if status, res := e.upload(tok, data, "image/jpeg", ""); status != 200 {
			t.Fatalf("%s: %d %v", name, status, res)
		}
		for _, v := range []string{"thumb", "preview"} {
			got := e.get(tok, photo, v)
			if got.Status != 200 || bytes.Contains(got.Body, payload[:4]) || !bytes.HasSuffix(got.Body, []byte{0xff, 0xd9}) {
				t.Errorf("%s %s: %d, carries the payload or does not end at EOI", name, v, got.Status)
			}
		}
		orig := e.get(tok, photo, "original")
		if !bytes.Equal(orig.Body, data) || orig.Header.Get("Content-Type") != "image/jpeg" ||
			orig.Header.Get("X-Content-Type-Options") != "nosniff" || orig.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s original: %d %v", name, orig.Status, orig.Header)
		}
		blob, err := e.srv.App.FindFirstRecordByData("blobs", "sha256", hash(data))
		if err != nil || blob.GetInt("trailing_bytes") != len(payload) {
			t.Errorf("%s: trailing bytes recorded %v (%v), want %d", name, blob.GetInt("trailing_bytes"), err, len(payload))
		}
	}
}

// TestHostile_ConcurrentUploads: more uploads finish at once than there are decode slots; they
// queue, none fails, and the server answers other requests meanwhile.
func TestHostile_ConcurrentUploads(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	const n = 8
	type answer struct {
		status int
		res    map[string]any
	}
	done := make(chan answer, n)
	for i := range n {
		data := encodeJPEG(t, picture(1200+i, 900))
		res := e.announce(tok, data, "image/jpeg", "")
		id := res.JSON(t)["id"].(string)
		go func() {
			r := e.patch(tok, id, 0, bytes.NewReader(data))
			var out map[string]any
			_ = json.Unmarshal(r.Body, &out)
			done <- answer{r.Status, out}
		}()
	}
	if h := e.srv.Do("GET", "/api/health", "", nil); h.Status != 200 {
		t.Errorf("health during uploads: %d", h.Status)
	}
	for range n {
		if a := <-done; a.status != 200 {
			t.Errorf("concurrent upload: %d %v", a.status, a.res)
		}
	}
	if got := e.blobCount(); got != n {
		t.Errorf("%d blobs, want %d", got, n)
	}
}
