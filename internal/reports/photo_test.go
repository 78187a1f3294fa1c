package reports_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// uploadPublic sends a photo through the public upload from dev and returns its photo id, or
// the status of a refused announcement.
func uploadPublic(t *testing.T, srv *testkit.Server, dev string, data []byte) (string, int) {
	t.Helper()
	sum := sha256.Sum256(data)
	res := do(t, srv, http.MethodPost, "/api/fs/blobs/public/uploads", map[string]any{"sha256": hex.EncodeToString(sum[:]),
		"size": len(data), "mime": "image/jpeg", "subdistrict": testkit.SubdistrictB}, "X-Fieldsync-Device", dev)
	if res.Status != http.StatusCreated {
		return "", res.Status
	}
	id := res.JSON(t)["id"].(string)
	res = do(t, srv, http.MethodPatch, "/api/fs/blobs/uploads/"+id, string(data),
		"Upload-Offset", "0", "Content-Type", "application/offset+octet-stream", "Tus-Resumable", "1.0.0", "Content-Length", strconv.Itoa(len(data)))
	if res.Status != http.StatusOK {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)["photo"].(string), res.Status
}

// TestPhotos_PublicPath: a resident's photos come through the public upload, stripped, and
// each attaches to one report only, moving to the report's subdistrict; one device's uploads
// are limited.
func TestPhotos_PublicPath(t *testing.T) {
	srv := newServer(t)
	dev := device()
	p1, _ := uploadPublic(t, srv, dev, testkit.JPEG(t, 1))
	p2, _ := uploadPublic(t, srv, dev, testkit.JPEG(t, 2))
	body := report("key-photos-000000001")
	body["photos"] = []string{p1, p2}
	s := submit(t, srv, body, dev, http.StatusCreated)
	r := reportByTracking(t, srv.App, s.Tracking)
	if len(r.GetStringSlice("photos")) != 2 {
		t.Fatalf("photos: %v", r.GetStringSlice("photos"))
	}
	for _, id := range []string{p1, p2} {
		p, err := srv.App.FindRecordById(schema.Photos, id)
		if err != nil || p.GetString("subdistrict") != testkit.SubdistrictA || !p.GetBool("public") {
			t.Errorf("photo %s: %v %v", id, p, err)
		}
	}
	if v := view(t, srv, s.Tracking, s.Receipt); v["photos"] != float64(2) {
		t.Errorf("view photos: %v", v["photos"])
	}
	// A photo already shown by a report is not attached again, not even to an addition.
	again := report("key-photos-000000002")
	again["category"], again["photos"] = "tutoring.fees", []string{p1}
	submit(t, srv, again, device(), http.StatusBadRequest)
	res := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/info", map[string]any{"text": "再发一张", "photos": []string{p2}},
		"X-Report-Receipt", s.Receipt)
	if res.Status != http.StatusBadRequest {
		t.Errorf("a used photo on an addition: %d %s", res.Status, res.Body)
	}
	p3, _ := uploadPublic(t, srv, dev, testkit.JPEG(t, 3))
	res = do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/info", map[string]any{"text": "再发一张", "photos": []string{p3}},
		"X-Report-Receipt", s.Receipt)
	if res.Status != http.StatusCreated {
		t.Errorf("a new photo on an addition: %d %s", res.Status, res.Body)
	}
	if n, _ := srv.App.CountRecords(schema.ReportUpdates, dbx.HashExp{"report": r.Id}); n != 1 {
		t.Errorf("%d additions", n)
	}
	// One device announces 30 uploads at once, then waits.
	limited := 0
	for i := 0; i < 40 && limited == 0; i++ {
		data := testkit.JPEG(t, 10+i)
		sum := sha256.Sum256(data)
		st := do(t, srv, http.MethodPost, "/api/fs/blobs/public/uploads", map[string]any{"sha256": hex.EncodeToString(sum[:]),
			"size": len(data), "mime": "image/jpeg", "subdistrict": testkit.SubdistrictA}, "X-Fieldsync-Device", dev).Status
		if st == http.StatusTooManyRequests {
			limited = i
		}
	}
	if limited == 0 || limited > 30 {
		t.Errorf("uploads held back after %d announcements", limited)
	}
}
