package blobs_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/testkit"
)

// storedAs returns what a camera stores for an upright picture and an EXIF orientation: the
// pixels as the sensor read them, which a viewer must transform to see the picture upright
// (EXIF 2.32, tag 0x0112).
func storedAs(upright image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(upright)
	case 3:
		return imaging.Rotate180(upright)
	case 4:
		return imaging.FlipV(upright)
	case 5:
		return imaging.Transpose(upright)
	case 6: // the viewer turns it 90° clockwise
		return imaging.Rotate90(upright)
	case 7:
		return imaging.Transverse(upright)
	case 8: // the viewer turns it 90° counter-clockwise
		return imaging.Rotate270(upright)
	}
	return upright
}

// TestEvidence_AllOrientationsComeOutUpright uploads the same landscape picture stored in
// each of the eight EXIF orientations and checks that preview and thumbnail are landscape
// with the red quadrant at the top left.
func TestEvidence_AllOrientationsComeOutUpright(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	upright := picture(480, 240)
	for o := 1; o <= 8; o++ {
		data := withAPP1(encodeJPEG(t, storedAs(upright, o)), exifTIFF(exifSpec{orientation: o}))
		photo := e.newPhoto(tok, data, testkit.SubdistrictA)
		if status, res := e.upload(tok, data, "image/jpeg", ""); status != 200 || res["width"] != 480.0 || res["height"] != 240.0 {
			t.Fatalf("orientation %d: %d %v", o, status, res)
		}
		for _, v := range []string{"preview", "thumb"} {
			got := e.get(tok, photo, v)
			img, err := jpeg.Decode(bytes.NewReader(got.Body))
			if err != nil {
				t.Fatalf("orientation %d %s: %d %v", o, v, got.Status, err)
			}
			b := img.Bounds()
			if b.Dx() <= b.Dy() {
				t.Errorf("orientation %d %s: %v is not landscape", o, v, b)
			}
			if !red(img, b.Dx()/8, b.Dy()/8) || red(img, b.Dx()*7/8, b.Dy()/8) || red(img, b.Dx()/8, b.Dy()*7/8) {
				t.Errorf("orientation %d %s: the red quadrant is not at the top left", o, v)
			}
		}
	}
}

func red(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r>>8 > 180 && g>>8 < 80 && b>>8 < 80
}

// beijingGPS is a point in Haidian: 39.959°N 116.298°E.
var beijingGPS = exifSpec{orientation: 1, taken: "2018:05:02 09:13:00", gps: true, lat: 39.959, lon: 116.298}

// TestEvidence_InspectorPhotoKeepsOriginalAndFacts: the original is kept byte for byte, and
// the photo records the capture time and place from EXIF beside the receive time.
func TestEvidence_InspectorPhotoKeepsOriginalAndFacts(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := withAPP1(encodeJPEG(t, picture(320, 200)), exifTIFF(beijingGPS))
	photo := e.newPhoto(tok, data, testkit.SubdistrictA)
	if status, res := e.upload(tok, data, "image/jpeg", ""); status != 200 {
		t.Fatalf("upload: %d %v", status, res)
	}
	p, _ := e.srv.App.FindRecordById("photos", photo)
	loc, _ := p.Get("captured_location").(types.GeoPoint)
	if got := p.GetDateTime("captured_at").Time().UTC().Format("2006-01-02 15:04:05"); got != "2018-05-02 01:13:00" {
		t.Errorf("captured_at %s, want 09:13 Beijing time", got)
	}
	if math.Abs(loc.Lat-39.959) > 1e-4 || math.Abs(loc.Lon-116.298) > 1e-4 {
		t.Errorf("captured_location %+v", loc)
	}
	if p.GetDateTime("received_at").IsZero() {
		t.Error("no received_at")
	}
	if got := e.get(tok, photo, "original"); !bytes.Equal(got.Body, data) {
		t.Errorf("original changed: %d bytes, want %d", len(got.Body), len(data))
	}
}

// TestEvidence_PublicUploadLeaksNoLocation: a resident's JPEG with GPS in its EXIF comes back
// with no EXIF, no GPS and no original anywhere: not in the served bytes, not in the stored
// files, not in the records.
func TestEvidence_PublicUploadLeaksNoLocation(t *testing.T) {
	e := newEnv(t)
	data := withAPP1(encodeJPEG(t, picture(2000, 1200)), exifTIFF(beijingGPS))
	note := "parent's note"
	com := append([]byte{0xff, 0xfe, 0, byte(len(note) + 2)}, note...)
	data = append(data[:2:2], append(com, data[2:]...)...) // a comment segment
	status, res := e.upload("", data, "image/jpeg", testkit.SubdistrictA)
	if status != 200 || res["photo"] == nil {
		t.Fatalf("public upload: %d %v", status, res)
	}
	photo := res["photo"].(string)
	p, _ := e.srv.App.FindRecordById("photos", photo)
	if loc, _ := p.Get("captured_location").(types.GeoPoint); loc.Lat != 0 || loc.Lon != 0 || !p.GetDateTime("captured_at").IsZero() {
		t.Errorf("public photo records %v at %v", loc, p.GetDateTime("captured_at"))
	}
	if !p.GetBool("public") || p.GetString("status") != "stored" || p.GetString("sha256") == hash(data) {
		t.Errorf("public photo: %v", p.PublicExport())
	}
	sup := e.token(testkit.SupervisorA)
	lat := binary.LittleEndian.AppendUint32(nil, 39) // the degrees rational of the GPS latitude
	for _, v := range []string{"", "preview", "original"} {
		got := e.get(sup, photo, v)
		if got.Status != 200 {
			t.Fatalf("%q: %d %s", v, got.Status, got.Body)
		}
		for _, leak := range [][]byte{[]byte("Exif"), []byte("II*\x00"), []byte("parent's note"), lat} {
			if bytes.Contains(got.Body, leak) {
				t.Errorf("%q carries %q", v, leak)
			}
		}
		if img, err := jpeg.Decode(bytes.NewReader(got.Body)); err != nil || max(img.Bounds().Dx(), img.Bounds().Dy()) > 1600 {
			t.Errorf("%q: not a re-encoded image of at most 1600 px: %v", v, err)
		}
	}
	for _, f := range e.storedFiles() {
		if strings.HasSuffix(f, "original") {
			t.Errorf("a public upload kept an original: %s", f)
		}
	}
	blob, _ := e.srv.App.FindFirstRecordByData("blobs", "sha256", p.GetString("sha256"))
	if blob == nil || blob.GetBool("original") || blob.Get("captured_location").(types.GeoPoint).Lat != 0 {
		t.Errorf("public blob: %v", blob)
	}
}

// TestEvidence_ReusedPhotoIsFlagged: the same bytes shown as evidence for a second finding
// flag the second photo.
func TestEvidence_ReusedPhotoIsFlagged(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(200, 100))
	first, second := e.newPhoto(tok, data, testkit.SubdistrictA), e.newPhoto(tok, data, testkit.SubdistrictA)
	finding := func(photo string) string {
		res := e.srv.Do("POST", "/api/collections/findings/records", tok, map[string]any{
			"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
			"category": "fire.wiring", "severity": "general", "description": "私拉电线", "photos": []string{photo}})
		if res.Status != 200 {
			t.Fatalf("finding: %d %s", res.Status, res.Body)
		}
		return res.JSON(t)["id"].(string)
	}
	finding(first)
	if e.photo(first)["reused"] != false {
		t.Fatal("first use flagged")
	}
	finding(second)
	if e.photo(second)["reused"] != true {
		t.Fatal("second use of the same bytes not flagged")
	}
	if e.photo(first)["reused"] != false {
		t.Error("the first photo was flagged too")
	}
	// In another subdistrict, the same bytes under another photo are flagged too.
	tokB := e.token(testkit.InspectorB)
	other := e.newPhoto(tokB, data, testkit.SubdistrictB)
	res := e.srv.Do("POST", "/api/collections/findings/records", tokB, map[string]any{
		"programme": "fire", "place": testkit.Side("venue", "b"), "subdistrict": testkit.SubdistrictB,
		"category": "fire.wiring", "severity": "general", "description": "私拉电线", "photos": []string{other}})
	if res.Status != 200 || e.photo(other)["reused"] != true {
		t.Errorf("reuse across subdistricts: %d, reused %v", res.Status, e.photo(other)["reused"])
	}
}

// TestEvidence_SupervisorSeesMissingEvidence: pending photos per inspector, for supervisors
// of the subdistrict only.
func TestEvidence_SupervisorSeesMissingEvidence(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	for i := range 3 {
		e.newPhoto(tok, encodeJPEG(t, picture(20+i, 20)), testkit.SubdistrictA)
	}
	e.newPhoto(e.token(testkit.InspectorB), encodeJPEG(t, picture(30, 20)), testkit.SubdistrictB)
	res := e.srv.Do("GET", "/api/fs/photos/missing", e.token(testkit.SupervisorA), nil)
	if res.Status != 200 {
		t.Fatalf("missing: %d %s", res.Status, res.Body)
	}
	found := false
	for _, x := range res.JSON(t)["inspectors"].([]any) {
		in := x.(map[string]any)
		for _, p := range in["photos"].([]any) {
			if p.(map[string]any)["subdistrict"] != testkit.SubdistrictA {
				t.Errorf("another subdistrict's photo listed: %v", p)
			}
		}
		if in["uploader"] == testkit.InspectorA {
			found = true
			if in["pending"] != 3.0 || in["email"] != "inspectora@fieldsync.test" {
				t.Errorf("inspector A: %v", in)
			}
		}
	}
	if !found {
		t.Errorf("inspector A missing from %s", res.Body)
	}
	if got := e.srv.Do("GET", "/api/fs/photos/missing", tok, nil); got.Status != 403 {
		t.Errorf("inspector: %d %s", got.Status, got.Body)
	}
}

// TestEvidence_DeletingABlob: a district administrator deletes a blob (say, an unlawful
// image); its files go, and its photos are pending again, a change the phones pull.
func TestEvidence_DeletingABlob(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(200, 100))
	photo := e.newPhoto(tok, data, testkit.SubdistrictA)
	e.upload(tok, data, "image/jpeg", "")
	blob, err := e.srv.App.FindFirstRecordByData("blobs", "sha256", hash(data))
	if err != nil {
		t.Fatal(err)
	}
	su := e.token(testkit.Superuser)
	if res := e.srv.Do("DELETE", "/api/collections/blobs/records/"+blob.Id, su, nil); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if p := e.photo(photo); p["status"] != "pending" {
		t.Errorf("photo after its blob's deletion: %v", p["status"])
	}
	e.assertNothingKept("deleted blob")
	if res := e.srv.Do("POST", "/api/collections/blobs/records", su, map[string]any{"sha256": hash(data), "mime": "image/jpeg"}); res.Status != 400 {
		t.Errorf("an administrator created a blob record: %d %s", res.Status, res.Body)
	}
}
