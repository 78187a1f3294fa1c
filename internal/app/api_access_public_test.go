package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// accessPersonalFields are the fields that hold residents' personal data. No collection the
// public may read has a field of these names.
var accessPersonalFields = []string{
	"head_name", "phone", "email", "resident_born_on",
	"legal_rep_name", "legal_rep_hukou", "legal_rep_phone",
	"principal_name", "principal_hukou", "principal_phone",
}

// TestAccess_PublicData: everything an anonymous caller can get, from every collection and
// through every expand, holds none of the residents' personal data of the fixture; the
// public views are readable and have no personal field; the vocabularies are served.
func TestAccess_PublicData(t *testing.T) {
	p, _ := newTrickProbe(t)
	centre, err := p.app.FindRecordById(schema.Centres, testkit.Side("centre", "a"))
	if err != nil {
		t.Fatal(err)
	}
	centre.Set("principal_name", "陈校长")
	centre.Set("principal_phone", "13500000000")
	centre.Set("principal_hukou", "北京市海淀区")
	access.AsSystem(centre)
	if err := p.app.Save(centre); err != nil {
		t.Fatal(err)
	}
	personal := []string{
		"王秀兰", "13800000000", // households
		"张法人", "13900000000", "陈校长", "13500000000", "北京市海淀区", // tutoring centres
		"李家长", "13700000000", // report contacts
		trkHiddenHead, trkHiddenPhone, // the household added by the tricks
		"@fieldsync.test", // staff accounts
	}
	var paths []string
	for _, name := range accessCollections(t) {
		c := p.collection(name)
		if c.ListRule != nil && *c.ListRule == "" || c.ViewRule != nil && *c.ViewRule == "" {
			for _, f := range accessPersonalFields {
				if c.Fields.GetByName(f) != nil {
					t.Errorf("public collection %s has the personal field %s", name, f)
				}
			}
		}
		q := url.Values{"expand": {accessRelations(c)}, "perPage": {"1000"}}
		paths = append(paths, accessPath(name, "", q))
		if row, ok := accessMatrix[name]; ok && row.samples != nil {
			for _, id := range row.samples(p) {
				paths = append(paths, accessPath(name, id, url.Values{"expand": {accessRelations(c)}}))
			}
		}
	}
	paths = append(paths, "/api/fs/vocab",
		accessPath(schema.PublicCentreClasses, "", url.Values{"expand": {"centre"}, "fields": {"*,expand.centre.*"}}))
	for _, path := range paths {
		res := p.do(actAnon, "GET", path, nil)
		for _, s := range personal {
			if bytes.Contains(res.Body, []byte(s)) {
				t.Errorf("GET %s anonymously shows %q: %s", path, s, res.Body)
			}
		}
	}
	for _, view := range []string{schema.PublicCentres, schema.PublicCentreClasses} {
		if l := p.list(t, actAnon, view, nil); len(l.items) < 2 {
			t.Errorf("the public reads %d rows of %s", len(l.items), view)
		}
	}
	if res := p.do(actAnon, "GET", "/api/fs/vocab", nil); res.Status != 200 || res.JSON(t)["enums"] == nil {
		t.Errorf("vocab: %d %s", res.Status, res.Body)
	}
}

// accessRelations lists the relation fields of c, comma-separated, for an expand.
func accessRelations(c *core.Collection) string {
	var names []string
	for _, f := range c.Fields {
		if f.Type() == core.FieldTypeRelation {
			names = append(names, f.GetName())
		}
	}
	return strings.Join(names, ",")
}

// TestAccess_FileDownload: a photo's bytes (internal/blobs) are served only to someone who
// may view the photo, with their token or a file token; any other request answers like a
// photo that does not exist.
func TestAccess_FileDownload(t *testing.T) {
	p := newAccessProbe(t)
	img := accessPNG(t)
	sum := sha256.Sum256(img)
	sha := hex.EncodeToString(sum[:])
	for _, side := range []string{"a", "b"} {
		photo, err := p.app.FindRecordById(schema.Photos, testkit.Side("photo", side))
		if err != nil {
			t.Fatal(err)
		}
		photo.Set("sha256", sha)
		access.AsSystem(photo)
		if err := p.app.Save(photo); err != nil {
			t.Fatal(err)
		}
		p.uploadBlob(t, map[string]accessActor{"a": actInspA, "b": actInspB}[side], img)
	}
	photoPath := func(side, token string, variant string) string {
		q := url.Values{}
		if token != "" {
			q.Set("token", token)
		}
		return "/api/fs/photos/" + testkit.Side("photo", side) + "/" + variant + "?" + q.Encode()
	}
	read := accessMatrix[schema.Photos].read
	for a := range accessActorCount {
		t.Run(a.String(), func(t *testing.T) {
			token := p.fileToken(t, a)
			for _, side := range []string{"a", "b"} {
				res := p.do(actAnon, "GET", photoPath(side, token, "original"), nil)
				if strings.Contains(read[a], side) {
					if res.Status != 200 || !bytes.Equal(res.Body, img) {
						t.Errorf("downloads photo %s: %d %s", side, res.Status, res.Body)
					}
					continue
				}
				ghost := p.do(actAnon, "GET", "/api/fs/photos/"+accessGhostID+"/original?token="+token, nil)
				thumb := p.do(actAnon, "GET", photoPath(side, token, "thumb"), nil)
				withAuth := p.do(a, "GET", photoPath(side, "", "original"), nil)
				for _, r := range []struct {
					what string
					res  testkit.Response
				}{{"original", res}, {"thumb", thumb}, {"original with auth header", withAuth}} {
					if r.res.Status != 404 || !bytes.Equal(r.res.Body, ghost.Body) {
						t.Errorf("%s of photo %s: %d %s, but for a missing photo %d %s",
							r.what, side, r.res.Status, r.res.Body, ghost.Status, ghost.Body)
					}
				}
			}
		})
	}
	t.Run("auth header instead of a file token", func(t *testing.T) {
		if res := p.do(actInspA, "GET", photoPath("a", "", "original"), nil); res.Status != 200 {
			t.Errorf("got %d %s, want 200", res.Status, res.Body)
		}
	})
	t.Run("file token anonymously", func(t *testing.T) {
		if res := p.do(actAnon, "POST", "/api/files/token", nil); res.Status != 401 {
			t.Errorf("got %d %s, want 401", res.Status, res.Body)
		}
	})
}

// uploadBlob sends data through the blob upload protocol as a, in one chunk.
func (p *accessProbe) uploadBlob(t *testing.T, a accessActor, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	res := p.do(a, "POST", "/api/fs/blobs/uploads", map[string]any{
		"sha256": hex.EncodeToString(sum[:]), "size": len(data), "mime": "image/png"})
	if res.Status == 200 {
		return
	}
	id, _ := res.JSON(t)["id"].(string)
	req, err := http.NewRequest("PATCH", p.srv.URL+"/api/fs/blobs/uploads/"+id, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", p.tokens[a])
	req.Header.Set("Upload-Offset", "0")
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	if got.StatusCode != 200 {
		t.Fatalf("upload as %s: %d", a, got.StatusCode)
	}
}

// fileToken returns a's file token, from the API; "" for anonymous.
func (p *accessProbe) fileToken(t *testing.T, a accessActor) string {
	t.Helper()
	if a == actAnon {
		return ""
	}
	res := p.do(a, "POST", "/api/files/token", nil)
	token, _ := res.JSON(t)["token"].(string)
	if res.Status != 200 || token == "" {
		t.Fatalf("file token of %s: %d %s", a, res.Status, res.Body)
	}
	return token
}

// accessPNG returns a small valid PNG image.
func accessPNG(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAccess_Superusers: the district administrators' accounts are for superusers alone.
func TestAccess_Superusers(t *testing.T) {
	p := newAccessProbe(t)
	for a := range accessActorCount {
		t.Run(a.String(), func(t *testing.T) {
			list := p.do(a, "GET", accessPath(core.CollectionNameSuperusers, "", nil), nil)
			view := p.do(a, "GET", accessPath(core.CollectionNameSuperusers, testkit.Superuser, nil), nil)
			ghost := p.do(a, "GET", accessPath(core.CollectionNameSuperusers, accessGhostID, nil), nil)
			if a == actSuper {
				if l := p.list(t, a, core.CollectionNameSuperusers, nil); !slices.Contains(l.ids, testkit.Superuser) {
					t.Errorf("superuser lists %v", l.ids)
				}
				if view.Status != 200 {
					t.Errorf("superuser views own account: %d %s", view.Status, view.Body)
				}
				return
			}
			p.expectForbidden(t, list)
			p.expectForbidden(t, view)
			if !bytes.Equal(view.Body, ghost.Body) {
				t.Errorf("view answers %s, but for a missing account %s", view.Body, ghost.Body)
			}
		})
	}
}
