package blobs_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

// newBusyEnv is newEnv on an app with one photo decoder (two completion slots) and a slot
// wait of a tenth of a second: a completion that finds both slots held is answered busy soon.
func newBusyEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testkit.NewAppWith(t, func(a core.App) {
		o := app.DefaultOptions()
		o.Settings.PhotoDecoders = 1
		o.PhotoSlotWait = 100 * time.Millisecond
		app.BindWith(a, o)
	}))
}

// TestUpload_BusyKeepsTheBytesAndSaysWhenToComeBack: with every completion slot held (two
// photos wait for a held writer), the last chunk of a third upload is answered 503
// server_busy, with the same whole seconds in Retry-After and data.retry_after and a message
// in Chinese and English; the upload keeps every byte (HEAD), the refusal is counted by its
// code, and once the slots are free the completing PATCH, sent again with no bytes, stores the
// photo once and gives the pending photo record its bytes.
func TestUpload_BusyKeepsTheBytesAndSaysWhenToComeBack(t *testing.T) {
	e := newBusyEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(320, 240))
	photo := e.newPhoto(tok, data, testkit.SubdistrictA)
	res := e.announce(tok, data, "image/jpeg", "")
	if res.Status != http.StatusCreated {
		t.Fatalf("announce: %d %s", res.Status, res.Body)
	}
	id := res.JSON(t)["id"].(string)
	half := int64(len(data) / 2)
	if got := e.patch(tok, id, 0, bytes.NewReader(data[:half])); got.Status != http.StatusNoContent {
		t.Fatalf("first half: %d %s", got.Status, got.Body)
	}

	release := testkit.HoldPhotoSlots(t, e.srv, tok, 2)
	busy := e.patch(tok, id, half, bytes.NewReader(data[half:]))
	var body struct {
		Status  int
		Code    string
		Message string
		Data    map[string]any
	}
	json.Unmarshal(busy.Body, &body)
	if busy.Status != http.StatusServiceUnavailable || body.Status != http.StatusServiceUnavailable || body.Code != "server_busy" {
		release()
		t.Fatalf("the last chunk with every slot held: %d %s, want 503 server_busy", busy.Status, busy.Body)
	}
	header, err := strconv.Atoi(busy.Header.Get("Retry-After"))
	if err != nil || header < 1 {
		t.Errorf("Retry-After %q, want whole seconds, at least 1", busy.Header.Get("Retry-After"))
	}
	if inBody, ok := body.Data["retry_after"].(float64); !ok || int(inBody) != header || inBody != float64(int(inBody)) {
		t.Errorf("data.retry_after %v, Retry-After %d: they must be the same whole seconds", body.Data["retry_after"], header)
	}
	if zh, en, ok := strings.Cut(body.Message, " / "); !ok || !strings.Contains(zh, "服务器繁忙") || !strings.Contains(en, "busy") {
		t.Errorf("message %q, want Chinese / English", body.Message)
	}
	head := e.raw(http.MethodHead, "/api/fs/blobs/uploads/"+id, tok, nil, nil)
	if head.Status != http.StatusOK || head.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("HEAD after the busy answer: %d, offset %q, want 200 and %d: the bytes must be kept",
			head.Status, head.Header.Get("Upload-Offset"), len(data))
	}
	admin := e.token(testkit.Superuser)
	if n := e.srv.Metric(t, admin, `fieldsync_photo_refusals_total{code="server_busy"}`); n != 1 {
		t.Errorf("%v busy refusals counted, want 1", n)
	}
	if n := e.srv.Metric(t, admin, `fieldsync_photo_pipeline_seconds_count{outcome="refused"}`); n != 1 {
		t.Errorf("%v refused completions timed, want 1", n)
	}
	if e.photo(photo)["status"] != "pending" {
		t.Errorf("the photo record is %v while its bytes wait, want pending", e.photo(photo)["status"])
	}

	release()
	done := e.patch(tok, id, int64(len(data)), bytes.NewReader(nil))
	if done.Status != http.StatusOK || done.JSON(t)["photos"] != float64(1) {
		t.Fatalf("the completing PATCH sent again: %d %s, want 200 and the pending photo given its bytes", done.Status, done.Body)
	}
	if again := e.patch(tok, id, int64(len(data)), bytes.NewReader(nil)); again.Status != http.StatusNotFound {
		t.Errorf("the same PATCH after the photo was stored: %d %s, want 404 (the upload is done)", again.Status, again.Body)
	}
	if again := e.announce(tok, data, "image/jpeg", ""); again.Status != http.StatusOK || again.JSON(t)["status"] != "stored" {
		t.Errorf("announcing the stored photo: %d %s", again.Status, again.Body)
	}
	if n := e.blobCount(); n != 3 { // the two held photos and this one
		t.Errorf("%d blobs, want 3: the photo stored once", n)
	}
	got := e.get(tok, photo, "original")
	if got.Status != http.StatusOK || !bytes.Equal(got.Body, data) {
		t.Errorf("original: %d, %d bytes, want the exact %d bytes", got.Status, len(got.Body), len(data))
	}
	if status := e.photo(photo)["status"]; status != "stored" {
		t.Errorf("the photo record is %v, want stored", status)
	}
	if n := e.srv.Metric(t, admin, `fieldsync_photo_completions{what="running"}`); n != 0 {
		t.Errorf("%v completions still running", n)
	}
}
