package blobs_test

import (
	"bytes"
	"image/jpeg"
	"testing"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestServe_OnlyToThoseWhoMaySeeThePhoto: a stored photo of subdistrict A is served to its
// inspector, its supervisor, district administrators, and the agency a finding showing it was
// referred to; everyone else, inspector B first, gets the 404 of a photo that does not exist.
func TestServe_OnlyToThoseWhoMaySeeThePhoto(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(900, 600))
	photo := e.newPhoto(tok, data, testkit.SubdistrictA)
	e.upload(tok, data, "image/jpeg", "")
	ghost := e.get(tok, "nosuchphoto0000", "")
	check := func(who, token string, want int) {
		t.Helper()
		for _, v := range []string{"", "thumb", "preview", "original"} {
			got := e.get(token, photo, v)
			if got.Status != want {
				t.Errorf("%s %q: %d %s, want %d", who, v, got.Status, got.Body, want)
			}
			if want == 404 && !bytes.Equal(got.Body, ghost.Body) {
				t.Errorf("%s %q: %s, unlike a missing photo's %s", who, v, got.Body, ghost.Body)
			}
		}
	}
	check("inspector A", tok, 200)
	check("supervisor A", e.token(testkit.SupervisorA), 200)
	check("superuser", e.token(testkit.Superuser), 200)
	check("inspector B", e.token(testkit.InspectorB), 404)
	check("supervisor B", e.token(testkit.SupervisorB), 404)
	check("fire brigade, no referral showing it", e.token(testkit.FireStaff), 404)
	check("anonymous", "", 404)

	// Finding A is referred to the fire brigade: once it shows the photo, the brigade sees it.
	f, _ := e.srv.App.FindRecordById("findings", testkit.Side("finding", "a"))
	f.Set("photos", []string{photo})
	access.AsSystem(f)
	if err := e.srv.App.Save(f); err != nil {
		t.Fatal(err)
	}
	check("fire brigade, referred finding shows it", e.token(testkit.FireStaff), 200)
}

func TestServe_HeadersAndCaching(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(2400, 1800))
	photo := e.newPhoto(tok, data, testkit.SubdistrictA)
	e.upload(tok, data, "image/jpeg", "")
	sha := hash(data)
	for _, c := range []struct {
		variant, etag string
		maxEdge       int
	}{
		{"", `"` + sha + `-thumb"`, 320},
		{"thumb", `"` + sha + `-thumb"`, 320},
		{"preview", `"` + sha + `-preview"`, 1600},
		{"original", `"` + sha + `"`, 2400},
	} {
		got := e.get(tok, photo, c.variant)
		h := got.Header
		if got.Status != 200 || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("ETag") != c.etag || h.Get("Content-Security-Policy") == "" {
			t.Errorf("%q: %d %v", c.variant, got.Status, h)
		}
		img, err := jpeg.DecodeConfig(bytes.NewReader(got.Body))
		if err != nil || max(img.Width, img.Height) != c.maxEdge {
			t.Errorf("%q: %dx%d %v, want a long edge of %d", c.variant, img.Width, img.Height, err, c.maxEdge)
		}
		path := "/api/fs/photos/" + photo
		if c.variant != "" {
			path += "/" + c.variant
		}
		again := e.raw("GET", path, tok, map[string]string{"If-None-Match": c.etag}, nil)
		if again.Status != 304 || len(again.Body) != 0 {
			t.Errorf("%q revalidation: %d", c.variant, again.Status)
		}
	}
	if got := e.get(tok, photo, "exif"); got.Status != 404 {
		t.Errorf("unknown variant: %d", got.Status)
	}
}
