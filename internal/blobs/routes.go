package blobs

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/blobs/photo"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// The upload protocol is a subset of tus 1.0 (https://tus.io/protocols/resumable-upload):
// the transfer half as tus has it, so a phone can use a tus client library for it, and our
// own creation, because tus creation carries metadata as base64 headers and knows nothing of
// content addressing.
//
//	POST   /api/fs/blobs/uploads         {sha256, size, mime}        staff
//	POST   /api/fs/blobs/public/uploads  {sha256, size, mime, subdistrict}  anyone
//	   200 {"status": "stored"}  the server has the bytes and the caller holds them: done
//	   201 {"status": "uploading", "id", "offset", "size"}  Location: the upload
//	HEAD   /api/fs/blobs/uploads/{id}    Upload-Offset, Upload-Length (tus)
//	GET    /api/fs/blobs/uploads/{id}    the same as JSON
//	PATCH  /api/fs/blobs/uploads/{id}    Upload-Offset: n, body: bytes from n
//	   204 Upload-Offset: the new offset (more to send)
//	   200 {"status": "stored", ...}  the last byte arrived and the file was accepted
//	   409 the offset is not the server's: ask with HEAD and resume from there
//	   503 server_busy: every completion slot is busy: send the last PATCH again after
//	       Retry-After (also data.retry_after) seconds; the bytes are kept
//	DELETE /api/fs/blobs/uploads/{id}    abandon the upload
//
// The last PATCH verifies size and SHA-256, checks and decodes the image and stores it, in
// the same request: no separate "complete" call, so a lost answer costs nothing but a new
// announcement, which then answers "stored". Announcing is idempotent: a staff member's
// upload of a hash has one id, so a phone that lost it resumes where it was.
func (s *Service) routes(se *core.ServeEvent) {
	g := se.Router.Group("/api/fs/blobs")
	g.Bind(apis.BodyLimit(s.cfg.MaxBytes + 1<<20))
	g.POST("/uploads", s.handleAnnounce).Bind(apis.RequireAuth(schema.Users))
	g.POST("/public/uploads", s.handlePublicAnnounce)
	g.HEAD("/uploads/{id}", s.handleOffset)
	g.GET("/uploads/{id}", s.handleOffset)
	g.PATCH("/uploads/{id}", s.handleChunk)
	g.DELETE("/uploads/{id}", s.handleAbandon)

	p := se.Router.Group("/api/fs/photos")
	p.GET("/missing", s.handleMissing).Bind(apis.RequireAuth(schema.Users, core.CollectionNameSuperusers))
	p.GET("/{id}", s.handleServe)
	p.GET("/{id}/{variant}", s.handleServe)
}

// announcement is the body of an upload announcement.
type announcement struct {
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	Mime        string `json:"mime"`
	Subdistrict string `json:"subdistrict"`
}

// uploadState is the answer to an announcement or an offset query.
type uploadState struct {
	Status string `json:"status"` // "uploading" or "stored"
	ID     string `json:"id,omitempty"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s *Service) readAnnouncement(e *core.RequestEvent) (announcement, error) {
	var a announcement
	if err := json.NewDecoder(io.LimitReader(e.Request.Body, 4096)).Decode(&a); err != nil {
		return a, errBadAnnounce.Wrap(err)
	}
	switch {
	case !sha256RE.MatchString(a.SHA256) || a.Size <= 0:
		return a, errBadAnnounce
	case a.Size > s.cfg.MaxBytes:
		return a, errTooBig
	case a.Mime != string(photo.JPEG) && a.Mime != string(photo.PNG):
		return a, photo.ErrFormat
	}
	return a, nil
}

func (s *Service) handleAnnounce(e *core.RequestEvent) error {
	actor := access.ActorFromAuth(e.Auth)
	if !actor.FieldStaff() {
		return writeError(e, errStaffOnly)
	}
	a, err := s.readAnnouncement(e)
	if err != nil {
		return writeError(e, err)
	}
	if done, err := s.dedupe(a.SHA256, actor); err != nil {
		return writeError(e, err)
	} else if done {
		return e.JSON(http.StatusOK, uploadState{Status: "stored", Offset: a.Size, Size: a.Size, SHA256: a.SHA256})
	}
	return s.startUpload(e, Upload{SHA256: a.SHA256, Size: a.Size, Mime: a.Mime, Owner: actor.ID})
}

// dedupe reports whether the server has sha's bytes and actor holds them; if so it gives
// them to actor's pending photos of sha, and the upload is done without a byte sent.
func (s *Service) dedupe(sha string, actor access.Actor) (bool, error) {
	blob, err := findBlob(s.app, sha)
	if err != nil || !blob.GetBool("original") || !s.holds(s.app, blob, actor) {
		return false, nil
	}
	err = s.app.RunInTransaction(func(tx core.App) error {
		_, err := s.markStored(tx, blob, access.Attribution{Actor: actor, Door: access.DoorREST, Trusted: true})
		return err
	})
	return err == nil, err
}

// handlePublicAnnounce starts a resident's upload. There is no deduplication on this door:
// it would tell an anonymous caller whether the server holds given bytes.
func (s *Service) handlePublicAnnounce(e *core.RequestEvent) error {
	if s.cfg.PublicGate != nil {
		if err := s.cfg.PublicGate(e); err != nil {
			return writeError(e, err)
		}
	}
	a, err := s.readAnnouncement(e)
	if err != nil {
		return writeError(e, err)
	}
	if s.cfg.PublicMaxBytes > 0 && a.Size > s.cfg.PublicMaxBytes {
		return writeError(e, errTooBig)
	}
	if _, err := e.App.FindRecordById(schema.Subdistricts, a.Subdistrict); err != nil {
		return writeError(e, errSubdistrict)
	}
	return s.startUpload(e, Upload{SHA256: a.SHA256, Size: a.Size, Mime: a.Mime, Subdistrict: a.Subdistrict})
}

func (s *Service) startUpload(e *core.RequestEvent, u Upload) error {
	u, offset, err := s.uploads.announce(u)
	if err != nil {
		return writeError(e, err)
	}
	h := e.Response.Header()
	h.Set("Location", "/api/fs/blobs/uploads/"+u.ID)
	setTus(h, offset, u.Size)
	return e.JSON(http.StatusCreated, uploadState{Status: "uploading", ID: u.ID, Offset: offset, Size: u.Size, SHA256: u.SHA256})
}

func setTus(h http.Header, offset, size int64) {
	h.Set("Tus-Resumable", "1.0.0")
	h.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	h.Set("Upload-Length", strconv.FormatInt(size, 10))
	h.Set("Cache-Control", "no-store")
}

// openUpload returns the upload of the request's id if the caller may use it: its owner for
// a staff upload, the bearer of the id for a public one. Anything else is "not found".
func (s *Service) openUpload(e *core.RequestEvent) (Upload, int64, error) {
	u, offset, err := s.uploads.read(e.Request.PathValue("id"))
	if err != nil {
		return u, 0, err
	}
	if !u.Public() && (e.Auth == nil || e.Auth.Id != u.Owner || e.Auth.Collection().Name != schema.Users) {
		return u, 0, errUploadGone
	}
	return u, offset, nil
}

func (s *Service) handleOffset(e *core.RequestEvent) error {
	u, offset, err := s.openUpload(e)
	if err != nil {
		return writeError(e, err)
	}
	setTus(e.Response.Header(), offset, u.Size)
	if e.Request.Method == http.MethodHead {
		return e.NoContent(http.StatusOK)
	}
	return e.JSON(http.StatusOK, uploadState{Status: "uploading", ID: u.ID, Offset: offset, Size: u.Size, SHA256: u.SHA256})
}

func (s *Service) handleChunk(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	// An answer given before the body is read (or after its reading stopped) must not wait
	// for the rest of it: the server drains an unread body before it answers, and a stalled
	// phone never sends it.
	refuse := func(err error) error {
		skipBody(e.Response)
		return writeError(e, err)
	}
	// A resuming client does not wait for its dead connection; only the upload's owner (or,
	// for a public one, the bearer of its id) may interrupt it.
	if _, _, err := s.openUpload(e); err != nil {
		return refuse(err)
	}
	ticket, leave := s.transfers.arrive(id) // interrupts the chunks in progress before this one
	defer leave()
	defer s.uploads.lock(id)()
	u, offset, err := s.openUpload(e)
	if err != nil {
		return refuse(err)
	}
	claimed, err := strconv.ParseInt(e.Request.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || claimed != offset {
		setTus(e.Response.Header(), offset, u.Size)
		return refuse(errOffset)
	}
	body, done := s.transfers.watch(id, ticket, e.Response, e.Request.Body)
	offset, err = s.uploads.appendChunk(u, offset, body)
	done()
	setTus(e.Response.Header(), offset, u.Size)
	if err != nil {
		if _, ok := fault.As(err); ok {
			return refuse(err)
		}
		// A broken connection: what arrived is kept, and the client resumes from the offset.
		return refuse(fault.New(fault.Invalid, "upload_interrupted",
			"传输中断, 请查询偏移量后继续", "the transfer broke off; ask for the offset and resume").Wrap(err))
	}
	if offset < u.Size {
		return e.NoContent(http.StatusNoContent)
	}
	return s.finish(e, u)
}

// completed is the answer to the last chunk.
type completed struct {
	Status string `json:"status"`
	SHA256 string `json:"sha256"` // for a public upload, the hash of the stored, re-encoded image
	Size   int64  `json:"size"`
	Mime   string `json:"mime"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// Photo is the photo a public upload made, to attach to a report.
	Photo string `json:"photo,omitempty"`
	// Photos is how many of the uploader's pending photos now have their bytes.
	Photos int `json:"photos"`
}

func (s *Service) finish(e *core.RequestEvent, u Upload) error {
	start := time.Now()
	out, err := s.complete(e.Request.Context(), u)
	e.Set(completionKey, Completion{Elapsed: time.Since(start), Err: err})
	if err != nil {
		return writeError(e, err)
	}
	b := out.Blob
	res := completed{Status: "stored", SHA256: b.GetString("sha256"), Size: int64(b.GetInt("size")),
		Mime: b.GetString("mime"), Width: b.GetInt("width"), Height: b.GetInt("height"), Photos: out.Marked}
	if out.Photo != nil {
		res.Photo = out.Photo.Id
	}
	return e.JSON(http.StatusOK, res)
}

func (s *Service) handleAbandon(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	if _, _, err := s.openUpload(e); err != nil {
		return writeError(e, err)
	}
	_, leave := s.transfers.arrive(id) // interrupts the chunk in progress
	defer leave()
	defer s.uploads.lock(id)()
	if _, _, err := s.openUpload(e); err != nil {
		return writeError(e, err)
	}
	s.uploads.remove(id)
	e.Response.Header().Set("Tus-Resumable", "1.0.0")
	return e.NoContent(http.StatusNoContent)
}
