package blobs

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/blobs/photo"
	"github.com/haidian/fieldsync/internal/schema"
)

// variants maps the serving route's variant names to stored files.
var variants = map[string]string{
	"thumb": variantThumb, "preview": variantPreview, "original": variantOriginal,
}

// handleServe answers GET /api/fs/photos/{id}[/{variant}] with the photo's bytes: the
// thumbnail by default (what a phone's lists need), "preview" or "original" on request.
//
// Access is decided on every request, by the photos collection's view rule for the caller:
// the staff of the photo's subdistrict, the agency a finding showing it was referred to, and
// district administrators. Anyone else, and anyone without a token, gets the same 404 as for
// a photo that does not exist. URLs name the photo record, never the hash, and carry no
// credential. A browser (the admin UI) that cannot send headers may pass a short-lived
// PocketBase file token as ?token=.
//
// Responses carry the stored type with nosniff, a sandboxing CSP, and ETag = the SHA-256 of
// the original (suffixed by the variant for the derived images, which are other bytes); they
// may be cached privately and for ever, since the bytes behind a hash never change.
func (s *Service) handleServe(e *core.RequestEvent) error {
	variant := e.Request.PathValue("variant")
	if variant == "" {
		variant = "thumb"
	}
	file, ok := variants[variant]
	if !ok {
		return writeError(e, errNotFound)
	}
	rec, err := s.visiblePhoto(e)
	if err != nil {
		return writeError(e, err)
	}
	if rec.GetString(schema.FieldStatus) != "stored" {
		return writeError(e, errPending)
	}
	sha := rec.GetString("sha256")
	blob, err := findBlob(e.App, sha)
	if err != nil {
		return writeError(e, errPending)
	}
	mime := string(photo.JPEG)
	switch {
	case file == variantOriginal && blob.GetBool("original"):
		mime = blob.GetString("mime")
	case file == variantOriginal:
		file, variant = variantPreview, "preview" // a public upload keeps no original
	}
	etag := `"` + sha + `"`
	if file != variantOriginal {
		etag = `"` + sha + "-" + variant + `"`
	}
	h := e.Response.Header()
	h.Set("Content-Type", mime)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Disposition", `inline; filename="`+sha[:16]+"-"+variant+extension(mime)+`"`)
	fsys, err := e.App.NewFilesystem()
	if err != nil {
		return writeError(e, err)
	}
	defer fsys.Close()
	if err := fsys.Serve(e.Response, e.Request, blobKey(sha, file), sha[:16]+extension(mime)); err != nil {
		return writeError(e, errPending.Wrap(err))
	}
	return nil
}

func extension(mime string) string {
	if mime == string(photo.PNG) {
		return ".png"
	}
	return ".jpg"
}

// visiblePhoto returns the photo of the request's id if the caller may view it, and
// errNotFound otherwise, whether it exists or not.
func (s *Service) visiblePhoto(e *core.RequestEvent) (*core.Record, error) {
	auth := e.Auth
	if token := e.Request.URL.Query().Get("token"); auth == nil && token != "" {
		auth, _ = e.App.FindAuthRecordByToken(token, core.TokenTypeFile)
	}
	if auth == nil {
		return nil, errNotFound
	}
	photo, err := e.App.FindRecordById(schema.Photos, e.Request.PathValue("id"))
	if err != nil {
		return nil, errNotFound
	}
	if auth.IsSuperuser() {
		return photo, nil
	}
	info, err := e.RequestInfo()
	if err != nil {
		return nil, err
	}
	info.Auth = auth
	if ok, _ := e.App.CanAccessRecord(photo, info, photo.Collection().ViewRule); !ok {
		return nil, errNotFound
	}
	return photo, nil
}

// missingInspector is one uploader's evidence still missing, as supervisors see it.
type missingInspector struct {
	Uploader string         `json:"uploader"`
	Name     string         `json:"name"`
	Email    string         `json:"email"`
	Pending  int            `json:"pending"`
	Oldest   string         `json:"oldest"`
	Photos   []missingPhoto `json:"photos"`
}

type missingPhoto struct {
	ID          string `json:"id"`
	SHA256      string `json:"sha256"`
	Subdistrict string `json:"subdistrict"`
	Created     string `json:"created"`
}

// maxMissingListed bounds the photos listed per inspector; the count covers them all.
const maxMissingListed = 200

// handleMissing answers GET /api/fs/photos/missing: the photos of the caller's subdistricts
// whose bytes have not arrived, grouped by the inspector who must send them, oldest first.
// Supervisors see their subdistricts; district administrators see every subdistrict, or one
// with ?subdistrict=.
func (s *Service) handleMissing(e *core.RequestEvent) error {
	q := e.App.DB().Select("p.id", "p.sha256", "p.subdistrict", "p.created", "p.uploader",
		"coalesce(u.name, '') AS name", "coalesce(u.email, '') AS email").
		From(schema.Photos+" p").
		LeftJoin(schema.Users+" u", dbx.NewExp("u.id = p.uploader")).
		Where(dbx.HashExp{"p.status": "pending", "p.voided": false}).
		OrderBy("p.uploader", "p.created", "p.id")
	if sd := e.Request.URL.Query().Get("subdistrict"); sd != "" {
		q.AndWhere(dbx.HashExp{"p.subdistrict": sd})
	}
	if !e.Auth.IsSuperuser() {
		actor := access.ActorFromAuth(e.Auth)
		if actor.Role != access.Supervisor || len(actor.Subdistricts) == 0 {
			return writeError(e, errSupervisorOnly)
		}
		q.AndWhere(dbx.In("p.subdistrict", anySlice(actor.Subdistricts)...))
	}
	var rows []struct {
		ID, SHA256, Subdistrict, Created, Uploader, Name, Email string
	}
	if err := q.All(&rows); err != nil {
		return writeError(e, err)
	}
	out := []*missingInspector{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Uploader != r.Uploader {
			out = append(out, &missingInspector{Uploader: r.Uploader, Name: r.Name, Email: r.Email,
				Oldest: r.Created, Photos: []missingPhoto{}})
		}
		m := out[len(out)-1]
		m.Pending++
		m.Oldest = min(m.Oldest, r.Created)
		if len(m.Photos) < maxMissingListed {
			m.Photos = append(m.Photos, missingPhoto{ID: r.ID, SHA256: r.SHA256, Subdistrict: r.Subdistrict, Created: r.Created})
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"inspectors": out})
}
