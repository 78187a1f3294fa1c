package blobs_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/testkit"
)

// cutReader yields data and then fails, as a connection that breaks mid-chunk.
type cutReader struct {
	r io.Reader
}

var errCut = errors.New("connection cut")

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		return n, errCut
	}
	return n, err
}

// TestUpload_ResumesAfterCutsAtRandomBytes cuts each upload at random bytes, several times,
// resumes from the offset the server reports, and checks that the stored original is the
// exact file. The seed is printed; FIELDSYNC_SEED is not needed: each run's seed is logged.
func TestUpload_ResumesAfterCutsAtRandomBytes(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	for round := range 3 {
		data := encodeJPEG(t, picture(300+round*37, 200))
		photo := e.newPhoto(tok, data, testkit.SubdistrictA)
		res := e.announce(tok, data, "image/jpeg", "")
		if res.Status != 201 {
			t.Fatalf("announce: %d %s", res.Status, res.Body)
		}
		id := res.JSON(t)["id"].(string)
		offset, sent := int64(0), int64(0)
		var resumed []int64
		for cuts := 0; ; cuts++ {
			// Send a random stretch of what is left, then break the connection.
			left := int64(len(data)) - offset
			n := left
			if cuts < 4 && left > 0 {
				n = 1 + r.Int64N(left)
			}
			var body io.Reader = bytes.NewReader(data[offset : offset+n])
			// Once the server holds every byte (a cut came after the last one and the
			// upload is not yet complete), the phone sends an empty PATCH at the end; should
			// the upload complete meanwhile, HEAD then answers 404 and announcing again
			// below answers "stored".
			if left > 0 && (n < left || cuts < 4) {
				body = &cutReader{bytes.NewReader(data[offset : offset+n])}
			}
			e.patch(tok, id, offset, body)
			sent = max(sent, offset+n)
			head := e.raw("HEAD", "/api/fs/blobs/uploads/"+id, tok, nil, nil)
			if head.Status == 404 { // the last byte arrived and the upload completed
				break
			}
			if head.Status != 200 {
				t.Fatalf("HEAD: %d", head.Status)
			}
			// A cut request may still be writing what it received when HEAD asks, so the
			// offset may grow past this send's bytes, never past what was ever sent.
			got, _ := strconv.ParseInt(head.Header.Get("Upload-Offset"), 10, 64)
			if got < offset || got > sent {
				t.Fatalf("offset %d after sending %d from %d (%d sent in all)", got, n, offset, sent)
			}
			offset = got
			resumed = append(resumed, got)
			if cuts > 50 {
				t.Fatal("upload never completed")
			}
		}
		t.Logf("round %d: %d bytes, resumed at %v", round, len(data), resumed)
		// A lost final answer is recovered by announcing again.
		if again := e.announce(tok, data, "image/jpeg", ""); again.Status != 200 || again.JSON(t)["status"] != "stored" {
			t.Fatalf("re-announce after completion: %d %s", again.Status, again.Body)
		}
		got := e.get(tok, photo, "original")
		if got.Status != 200 || !bytes.Equal(got.Body, data) {
			t.Fatalf("round %d: original %d, %d bytes, want the exact %d bytes", round, got.Status, len(got.Body), len(data))
		}
	}
}

func TestUpload_WrongHashKeepsNothing(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(120, 80))
	res := e.srv.Do("POST", "/api/fs/blobs/uploads", tok,
		map[string]any{"sha256": hash([]byte("other bytes")), "size": len(data), "mime": "image/jpeg"})
	if res.Status != 201 {
		t.Fatalf("announce: %d %s", res.Status, res.Body)
	}
	got := e.patch(tok, res.JSON(t)["id"].(string), 0, bytes.NewReader(data))
	if got.Status != 400 || code(t, got) != "hash_mismatch" {
		t.Fatalf("wrong hash: %d %s", got.Status, got.Body)
	}
	e.assertNothingKept("wrong hash")
}

func TestUpload_CutUploadLeavesNoRecordAndNoFile(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(200, 100))
	res := e.announce(tok, data, "image/jpeg", "")
	id := res.JSON(t)["id"].(string)
	e.patch(tok, id, 0, &cutReader{bytes.NewReader(data[:len(data)/2])})
	if n := e.blobCount(); n != 0 {
		t.Fatalf("%d blob records after a cut upload", n)
	}
	// Abandoning it removes its part too.
	if del := e.raw("DELETE", "/api/fs/blobs/uploads/"+id, tok, nil, nil); del.Status != 204 {
		t.Fatalf("DELETE: %d %s", del.Status, del.Body)
	}
	e.assertNothingKept("abandoned upload")
}

func TestUpload_OffsetMustMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(200, 100))
	id := e.announce(tok, data, "image/jpeg", "").JSON(t)["id"].(string)
	if got := e.patch(tok, id, 0, bytes.NewReader(data[:100])); got.Status != 204 || got.Header.Get("Upload-Offset") != "100" {
		t.Fatalf("first chunk: %d %s %v", got.Status, got.Body, got.Header)
	}
	got := e.patch(tok, id, 50, bytes.NewReader(data[50:]))
	if got.Status != 409 || got.Header.Get("Upload-Offset") != "100" {
		t.Fatalf("stale offset: %d %s, offset %q", got.Status, got.Body, got.Header.Get("Upload-Offset"))
	}
	// Bytes past the announced size are refused and not stored.
	long := append(append([]byte{}, data[100:]...), "extra"...)
	if got := e.patch(tok, id, 100, bytes.NewReader(long)); got.Status != 413 {
		t.Fatalf("overlong chunk: %d %s", got.Status, got.Body)
	}
	if got := e.patch(tok, id, 100, bytes.NewReader(data[100:])); got.Status != 200 {
		t.Fatalf("rest: %d %s", got.Status, got.Body)
	}
}

// TestUpload_OnlyTheOwnerSeesAnUpload: another user's token, or none, finds no upload.
func TestUpload_OnlyTheOwnerSeesAnUpload(t *testing.T) {
	e := newEnv(t)
	data := encodeJPEG(t, picture(200, 100))
	id := e.announce(e.token(testkit.InspectorA), data, "image/jpeg", "").JSON(t)["id"].(string)
	for _, tok := range []string{"", e.token(testkit.InspectorB), e.token(testkit.SupervisorA)} {
		if got := e.patch(tok, id, 0, bytes.NewReader(data)); got.Status != 404 {
			t.Errorf("a stranger's chunk: %d %s", got.Status, got.Body)
		}
	}
	if got := e.announce(e.token(testkit.FireStaff), data, "image/jpeg", ""); got.Status != 403 {
		t.Errorf("agency staff announce: %d %s", got.Status, got.Body)
	}
	if got := e.announce("", data, "image/jpeg", ""); got.Status != 401 {
		t.Errorf("anonymous staff announce: %d %s", got.Status, got.Body)
	}
}

// TestUpload_RecordsBeforeBytes: a photo synced before its bytes is pending, then stored with
// the facts of its bytes once they arrive; a second photo of the same bytes by their holder
// is stored at once, and announcing them again sends nothing.
func TestUpload_RecordsBeforeBytes(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(640, 480))
	first := e.newPhoto(tok, data, testkit.SubdistrictA)
	if p := e.photo(first); p["status"] != "pending" {
		t.Fatalf("new photo: %v", p["status"])
	}
	if got := e.get(tok, first, ""); got.Status != 404 || code(t, got) != "photo_pending" {
		t.Fatalf("pending photo served: %d %s", got.Status, got.Body)
	}
	status, res := e.upload(tok, data, "image/jpeg", "")
	if status != 200 || res["photos"] != 1.0 {
		t.Fatalf("upload: %d %v", status, res)
	}
	p := e.photo(first)
	if p["status"] != "stored" || p["width"] != 640.0 || p["height"] != 480.0 || p["mime"] != "image/jpeg" ||
		p["size"] != float64(len(data)) || p["received_at"] == "" {
		t.Fatalf("stored photo: %v", p)
	}
	second := e.newPhoto(tok, data, testkit.SubdistrictA)
	if p := e.photo(second); p["status"] != "stored" {
		t.Fatalf("second photo of held bytes: %v", p["status"])
	}
	if again := e.announce(tok, data, "image/jpeg", ""); again.Status != 200 {
		t.Fatalf("re-announce: %d %s", again.Status, again.Body)
	}
	// Knowing the hash is not holding the bytes: another subdistrict's photo of the same hash
	// waits for its own inspector to send them, and then the server keeps one copy.
	tokB := e.token(testkit.InspectorB)
	other := e.newPhoto(tokB, data, testkit.SubdistrictB)
	if p := e.photo(other); p["status"] != "pending" {
		t.Fatalf("other subdistrict's photo: %v", p["status"])
	}
	if got := e.announce(tokB, data, "image/jpeg", ""); got.Status != 201 {
		t.Fatalf("other inspector's announce: %d %s", got.Status, got.Body)
	}
	if status, _ := e.upload(tokB, data, "image/jpeg", ""); status != 200 || e.photo(other)["status"] != "stored" || e.blobCount() != 1 {
		t.Fatalf("other inspector's upload: %d, photo %v, %d blobs", status, e.photo(other)["status"], e.blobCount())
	}
}

// TestUpload_StatusIsTheServers: a client cannot declare a photo stored or its facts.
func TestUpload_StatusIsTheServers(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	for _, field := range []map[string]any{{"status": "stored"}, {"reused": true}, {"captured_at": "2018-05-02 09:00:00.000Z"}} {
		body := map[string]any{"sha256": hash([]byte("x")), "subdistrict": testkit.SubdistrictA}
		for k, v := range field {
			body[k] = v
		}
		if res := e.srv.Do("POST", "/api/collections/photos/records", tok, body); res.Status != 400 {
			t.Errorf("create with %v: %d %s", field, res.Status, res.Body)
		}
	}
}

// TestUpload_ResumeDoesNotWaitForAStalledConnection: a chunk whose sender went silent (a phone
// that lost its signal leaves a half-open connection) does not hold the upload: the phone's
// next request, on a new connection, interrupts it and goes on from what arrived.
func TestUpload_ResumeDoesNotWaitForAStalledConnection(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(800, 600))
	id := e.announce(tok, data, "image/jpeg", "").JSON(t)["id"].(string)
	pr, pw := io.Pipe()
	defer pw.Close()
	stalled := make(chan testkit.Response, 1)
	go func() { stalled <- e.patch(tok, id, 0, pr) }()
	if _, err := pw.Write(data[:1000]); err != nil { // read by the server: the write returns
		t.Fatal(err)
	}
	start := time.Now()
	// The stalled request has taken 1000 bytes (or fewer, if still in flight): ask, resume.
	var last testkit.Response
	for range 5 {
		head := e.raw("HEAD", "/api/fs/blobs/uploads/"+id, tok, nil, nil)
		offset, _ := strconv.ParseInt(head.Header.Get("Upload-Offset"), 10, 64)
		if last = e.patch(tok, id, offset, bytes.NewReader(data[offset:])); last.Status == 200 {
			break
		}
	}
	if last.Status != 200 {
		t.Fatalf("resume: %d %s", last.Status, last.Body)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the resume waited %v for the stalled connection", d)
	}
	if old := <-stalled; old.Status == 200 {
		t.Errorf("the stalled request completed the upload: %s", old.Body)
	}
}
