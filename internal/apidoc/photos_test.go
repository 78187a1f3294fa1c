package apidoc_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// photosScenario drives the photo endpoints as a phone does (the photos record synced, its
// bytes announced and sent in two chunks after a wrong offset, then served in every variant)
// and as a resident and a supervisor do, with every answer the document lists for them.
func photosScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	insp := srv.Token("users", testkit.InspectorA)
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-photos-a")
	p.register()
	img := testkit.JPEG(t, 1)
	sha := hexSHA(img)
	const photoID = "photoscenario01"
	if r := p.results(sync.Mutation{Op: sync.OpCreate, Coll: "photos", ID: photoID,
		Data: map[string]any{"sha256": sha, "subdistrict": testkit.SubdistrictA}}); r[0].Outcome != sync.Applied {
		t.Fatalf("create the photo record: %+v", r[0])
	}
	post := func(token, tmpl string, body any) answer {
		t.Helper()
		return call(t, k, srv, token, "", http.MethodPost, tmpl, tmpl, body)
	}
	const announce, public = "/api/fs/blobs/uploads", "/api/fs/blobs/public/uploads"
	const upload = "/api/fs/blobs/uploads/{id}"
	ann := func(b []byte) map[string]any {
		return map[string]any{"sha256": hexSHA(b), "size": len(b), "mime": "image/jpeg"}
	}
	var started struct{ ID string }
	a := post(insp, announce, ann(img))
	wantStatus(t, "announce", a, http.StatusCreated, "")
	a.decode(t, &started)
	wantStatus(t, "announce, bad hash", post(insp, announce, `{"sha256": "x", "size": 1, "mime": "image/jpeg"}`), http.StatusBadRequest, "upload_invalid")
	wantStatus(t, "announce, too big", post(insp, announce, fmt.Sprintf(`{"sha256": %q, "size": 1099511627776, "mime": "image/jpeg"}`, sha)), http.StatusRequestEntityTooLarge, "upload_too_large")
	wantStatus(t, "announce, anonymous", post("", announce, ann(img)), http.StatusUnauthorized, "")
	wantStatus(t, "announce, fire brigade", post(srv.Token("users", testkit.FireStaff), announce, ann(img)), http.StatusForbidden, "forbidden")

	at := "/api/fs/blobs/uploads/" + started.ID
	chunk := func(path string, offset int, b []byte) answer {
		t.Helper()
		h := http.Header{"Authorization": {insp}, "Upload-Offset": {strconv.Itoa(offset)},
			"Content-Type": {"application/offset+octet-stream"}, "Tus-Resumable": {"1.0.0"}}
		return send(t, k, srv, h, http.MethodPatch, upload, path, b)
	}
	other := func(method, path string) answer {
		t.Helper()
		return call(t, k, srv, insp, "", method, upload, path, nil)
	}
	// last sends file from offset to its end as a phone does: on 503 (busy, the bytes kept)
	// it asks the offset and sends the rest again.
	last := func(path string, offset int, file []byte) answer {
		t.Helper()
		for range 10 {
			a := chunk(path, offset, file[offset:])
			if a.Status != http.StatusServiceUnavailable {
				return a
			}
			var st struct{ Offset int }
			other(http.MethodGet, path).decode(t, &st)
			offset = st.Offset
		}
		t.Fatalf("%s: busy ten times", path)
		return answer{}
	}
	const gone = "/api/fs/blobs/uploads/nosuchupload00"
	wantStatus(t, "offset", other(http.MethodHead, at), http.StatusOK, "")
	wantStatus(t, "offset, unknown", other(http.MethodHead, gone), http.StatusNotFound, "")
	wantStatus(t, "offset as JSON", other(http.MethodGet, at), http.StatusOK, "")
	wantStatus(t, "offset as JSON, unknown", other(http.MethodGet, gone), http.StatusNotFound, "upload_not_found")
	half := len(img) / 2
	wantStatus(t, "a chunk at a wrong offset", chunk(at, 7, img[7:]), http.StatusConflict, "upload_offset_mismatch")
	wantStatus(t, "the first chunk", chunk(at, 0, img[:half]), http.StatusNoContent, "")
	wantStatus(t, "the last chunk", last(at, half, img), http.StatusOK, "")
	wantStatus(t, "a chunk, unknown", chunk(gone, 0, img), http.StatusNotFound, "upload_not_found")
	wantStatus(t, "announce bytes held", post(insp, announce, ann(img)), http.StatusOK, "")

	second, third := testkit.JPEG(t, 2), testkit.JPEG(t, 3)
	var s2 struct{ ID string }
	post(insp, announce, ann(second)).decode(t, &s2)
	wantStatus(t, "a chunk past the size", chunk("/api/fs/blobs/uploads/"+s2.ID, 0, append(bytes.Clone(second), 0)),
		http.StatusRequestEntityTooLarge, "upload_chunk_too_long")
	var s3 struct{ ID string }
	post(insp, announce, map[string]any{"sha256": hexSHA(third), "size": len(second), "mime": "image/jpeg"}).decode(t, &s3)
	wantStatus(t, "bytes of another hash", last("/api/fs/blobs/uploads/"+s3.ID, 0, second), http.StatusBadRequest, "hash_mismatch")
	wantStatus(t, "abandon", other(http.MethodDelete, "/api/fs/blobs/uploads/"+s2.ID), http.StatusNoContent, "")
	wantStatus(t, "abandon again", other(http.MethodDelete, "/api/fs/blobs/uploads/"+s2.ID), http.StatusNotFound, "upload_not_found")

	pub := func(b []byte, sd string) map[string]any {
		m := ann(b)
		m["subdistrict"] = sd
		return m
	}
	wantStatus(t, "public announce", post("", public, pub(second, testkit.SubdistrictA)), http.StatusCreated, "")
	wantStatus(t, "public announce, no such subdistrict", post("", public, pub(second, "nosuchsubdist00")), http.StatusBadRequest, "subdistrict_invalid")
	wantStatus(t, "public announce, too big", post("", public, fmt.Sprintf(`{"sha256": %q, "size": 1099511627776, "mime": "image/jpeg", "subdistrict": %q}`, sha, testkit.SubdistrictA)),
		http.StatusRequestEntityTooLarge, "upload_too_large")

	get := func(token, tmpl, path string) answer {
		t.Helper()
		return call(t, k, srv, token, "", http.MethodGet, tmpl, path, nil)
	}
	const thumb, variant = "/api/fs/photos/{id}", "/api/fs/photos/{id}/{variant}"
	wantStatus(t, "thumbnail", get(insp, thumb, "/api/fs/photos/"+photoID), http.StatusOK, "")
	for _, v := range []string{"thumb", "preview", "original"} {
		wantStatus(t, v, get(insp, variant, "/api/fs/photos/"+photoID+"/"+v), http.StatusOK, "")
	}
	wantStatus(t, "an unknown variant", get(insp, variant, "/api/fs/photos/"+photoID+"/huge"), http.StatusNotFound, "not_found")
	wantStatus(t, "a photo of another subdistrict", get(insp, thumb, "/api/fs/photos/"+testkit.Side("photo", "b")), http.StatusNotFound, "not_found")
	wantStatus(t, "a photo not uploaded", get(insp, thumb, "/api/fs/photos/"+testkit.Side("photo", "a")), http.StatusNotFound, "photo_pending")

	const missing = "/api/fs/photos/missing"
	wantStatus(t, "missing photos", get(srv.Token("users", testkit.SupervisorA), missing, missing), http.StatusOK, "")
	wantStatus(t, "missing photos, inspector", get(insp, missing, missing), http.StatusForbidden, "forbidden")
	wantStatus(t, "missing photos, anonymous", get("", missing, missing), http.StatusUnauthorized, "")
}

// photosBusyScenario: on a server with one photo decoder (two completion slots) and a short
// slot wait, both slots held by completions waiting for a held writer, the last chunk of an
// upload is answered 503 server_busy with the wait in Retry-After and data.retry_after; the
// upload keeps its bytes (HEAD), and the completing PATCH sent again once the slots are free
// stores the photo.
func photosBusyScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewAppWith(t, func(a core.App) {
		o := app.DefaultOptions()
		o.Settings.PhotoDecoders = 1
		o.PhotoSlotWait = 100 * time.Millisecond
		app.BindWith(a, o)
	}))
	insp := srv.Token("users", testkit.InspectorA)
	img := testkit.JPEG(t, 4)
	const announce, upload = "/api/fs/blobs/uploads", "/api/fs/blobs/uploads/{id}"
	a := call(t, k, srv, insp, "", http.MethodPost, announce, announce,
		map[string]any{"sha256": hexSHA(img), "size": len(img), "mime": "image/jpeg"})
	wantStatus(t, "announce", a, http.StatusCreated, "")
	var started struct{ ID string }
	a.decode(t, &started)
	at := "/api/fs/blobs/uploads/" + started.ID
	chunk := func(offset int, b []byte) answer {
		t.Helper()
		h := http.Header{"Authorization": {insp}, "Upload-Offset": {strconv.Itoa(offset)},
			"Content-Type": {"application/offset+octet-stream"}, "Tus-Resumable": {"1.0.0"}}
		return send(t, k, srv, h, http.MethodPatch, upload, at, b)
	}
	half := len(img) / 2
	wantStatus(t, "the first chunk", chunk(0, img[:half]), http.StatusNoContent, "")

	release := testkit.HoldPhotoSlots(t, srv, insp, 2)
	busy := chunk(half, img[half:])
	wantStatus(t, "the last chunk, every slot held", busy, http.StatusServiceUnavailable, "server_busy")
	var body struct {
		Data struct {
			RetryAfter int `json:"retry_after"`
		}
	}
	busy.decode(t, &body)
	if h := busy.Header.Get("Retry-After"); h == "" || h != strconv.Itoa(body.Data.RetryAfter) {
		t.Errorf("Retry-After %q, data.retry_after %d: they must agree", h, body.Data.RetryAfter)
	}
	head := call(t, k, srv, insp, "", http.MethodHead, upload, at, nil)
	wantStatus(t, "offset after the busy answer", head, http.StatusOK, "")
	if got := head.Header.Get("Upload-Offset"); got != strconv.Itoa(len(img)) {
		t.Errorf("offset %s after the busy answer, want %d: the bytes are kept", got, len(img))
	}
	release()
	wantStatus(t, "the completing PATCH sent again", chunk(len(img), nil), http.StatusOK, "")
}

func hexSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
