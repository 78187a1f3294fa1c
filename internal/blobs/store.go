package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/blobs/photo"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// Storage layout, in PocketBase's filesystem (pb_data/storage locally, the bucket with S3):
//
//	blobs/<first two hex digits>/<sha256>/original     the bytes as uploaded (staff only)
//	blobs/<first two hex digits>/<sha256>/preview.jpg  long edge ≤ 1600 px, upright, no metadata
//	blobs/<first two hex digits>/<sha256>/thumb.jpg    long edge ≤ 320 px, upright, no metadata
//
// The two-digit level keeps local directories small. Keys are derived from the hash alone, so
// a second upload of the same bytes writes nothing, and no key is ever reused for other bytes.
const (
	variantOriginal = "original"
	variantPreview  = "preview.jpg"
	variantThumb    = "thumb.jpg"
)

func blobKey(sha, variant string) string { return blobPrefix(sha) + variant }

// blobPrefix is the common prefix of sha's files.
func blobPrefix(sha string) string { return "blobs/" + sha[:2] + "/" + sha + "/" }

// stored is the outcome of a completed upload.
type stored struct {
	Blob   *core.Record
	Photo  *core.Record // the photo a public upload made
	Marked int          // pending photos that now have their bytes
}

// complete turns a fully received upload into a blob: it verifies the bytes against the
// announcement, runs the pipeline, writes the files and records the blob, then gives the
// uploader's pending photos their bytes. A failure leaves no file and no record behind. The
// part goes once the outcome is final (see final): stored, or refused for what the file is. A
// busy pipeline or a server fault keeps it, so the client retries the last PATCH (an empty one
// at the full offset will do) without sending the file again; the cleaner removes it otherwise.
//
// Completions are bounded too (see gate): a busy answer, from the gate or from the pipeline's
// decode slots, carries the wait the gate estimates.
func (s *Service) complete(ctx context.Context, a Upload) (out *stored, err error) {
	defer func() {
		if final(err) {
			s.uploads.remove(a.ID)
		}
	}()
	leave, err := s.finishing.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	out, err = s.store(ctx, a)
	if fe, ok := fault.As(err); ok && fe.Code == photo.ErrBusy.Code && fe.RetryAfter == 0 {
		return nil, s.finishing.busy(fe, nil)
	}
	return out, err
}

// final reports whether a completion's outcome is final, so that its part can go: stored, or
// refused for what the file is. A busy server (fault.Busy) and a server fault (fault.Internal,
// or an error that is no fault) keep the part: the same bytes may be accepted later.
func final(err error) bool {
	if err == nil {
		return true
	}
	fe, ok := fault.As(err)
	return ok && fe.Kind != fault.Internal && fe.Kind != fault.Busy
}

func (s *Service) store(ctx context.Context, a Upload) (*stored, error) {
	data, err := s.uploads.readAll(a)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
		return nil, errHash
	}
	if f, err := photo.Sniff(data); err != nil {
		return nil, err
	} else if string(f) != a.Mime {
		return nil, errMimeMismatch
	}
	res, err := s.pipeline.Process(ctx, data)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{variantPreview: res.Preview, variantThumb: res.Thumb}
	sha := a.SHA256
	if a.Public() {
		// Nothing of a resident's file is kept: not its bytes, not its metadata. The blob is
		// the re-encoded preview, addressed by its own hash.
		sum := sha256.Sum256(res.Preview)
		sha = hex.EncodeToString(sum[:])
		res.Exif = photo.Exif{Orientation: 1}
	} else {
		files[variantOriginal] = data
	}
	// The files and the record of a hash are written under its lock, which the collector and
	// a blob's deletion take too: none of them can remove files another is about to record.
	defer blobLocks.lock(sha)()
	written, err := s.writeFiles(sha, files)
	if err != nil {
		return nil, err
	}
	var out *stored
	err = s.app.RunInTransaction(func(tx core.App) error {
		var err error
		out, err = s.record(tx, a, sha, res)
		return err
	})
	if err != nil && written {
		dropFilesUnlessRecorded(s.app, sha)
	}
	return out, err
}

// writeFiles uploads files under sha's keys, unless the blob is already recorded (another
// upload of the same bytes won the race). It reports whether it wrote.
func (s *Service) writeFiles(sha string, files map[string][]byte) (bool, error) {
	if _, err := findBlob(s.app, sha); err == nil {
		return false, nil
	}
	fsys, err := s.app.NewFilesystem()
	if err != nil {
		return false, err
	}
	defer fsys.Close()
	for _, name := range []string{variantOriginal, variantPreview, variantThumb} {
		if data, ok := files[name]; ok {
			if err := fsys.Upload(data, blobKey(sha, name)); err != nil {
				dropFilesUnlessRecorded(s.app, sha)
				return false, fmt.Errorf("store %s: %w", name, err)
			}
		}
	}
	return true, nil
}

// dropFilesUnlessRecorded deletes sha's files when no blob record claims them, and reports
// whether it deleted them. Callers hold sha's lock (blobLocks). Failures are logged: the
// collector removes what is left on a later run.
func dropFilesUnlessRecorded(app core.App, sha string) bool {
	if _, err := findBlob(app, sha); err == nil {
		return false
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		app.Logger().Error("blob cleanup", "sha256", sha, "error", err)
		return false
	}
	defer fsys.Close()
	if errs := fsys.DeletePrefix(blobPrefix(sha)); len(errs) > 0 {
		app.Logger().Error("blob cleanup", "sha256", sha, "error", errors.Join(errs...))
		return false
	}
	return true
}

func findBlob(app core.App, sha string) (*core.Record, error) {
	return app.FindFirstRecordByData(schema.Blobs, "sha256", sha)
}

// record saves the blob (or adds the uploader to an existing one's holders), makes the
// public upload's photo, and marks the uploader's pending photos of the hash stored.
func (s *Service) record(tx core.App, a Upload, sha string, res *photo.Result) (*stored, error) {
	attr, err := uploaderOf(tx, a)
	if err != nil {
		return nil, err
	}
	blob, err := findBlob(tx, sha)
	if err != nil {
		blob, err = s.newBlob(tx, sha, a, res, attr)
		if err != nil {
			return nil, err
		}
	}
	out := &stored{Blob: blob}
	if a.Public() {
		out.Photo, err = s.publicPhoto(tx, blob, a.Subdistrict, attr)
		return out, err
	}
	if !slices.Contains(blob.GetStringSlice("holders"), a.Owner) {
		blob.Set("holders+", a.Owner)
		access.Attribute(blob, attr)
		if err := tx.Save(blob); err != nil {
			return nil, fmt.Errorf("add holder: %w", err)
		}
	}
	out.Marked, err = s.markStored(tx, blob, attr)
	return out, err
}

// uploaderOf is the attribution of the writes an upload makes: its uploader (a resident for
// a public upload), through the REST door, trusted, because the store has verified the bytes
// and derives every value it writes from them.
func uploaderOf(tx core.App, a Upload) (access.Attribution, error) {
	attr := access.Attribution{Actor: access.Actor{Kind: access.KindAnonymous}, Door: access.DoorREST, Trusted: true}
	if a.Public() {
		return attr, nil
	}
	owner, err := tx.FindRecordById(schema.Users, a.Owner)
	if err != nil {
		return attr, fmt.Errorf("uploader: %w", err)
	}
	attr.Actor = access.ActorFromAuth(owner)
	return attr, nil
}

func (s *Service) newBlob(tx core.App, sha string, a Upload, res *photo.Result, attr access.Attribution) (*core.Record, error) {
	coll, err := tx.FindCollectionByNameOrId(schema.Blobs)
	if err != nil {
		return nil, err
	}
	blob := core.NewRecord(coll)
	blob.Load(map[string]any{
		"sha256": sha, "mime": string(res.Header.Format),
		"width": res.Width, "height": res.Height, "orientation": res.Exif.Orientation,
		"preview_size": len(res.Preview), "thumb_size": len(res.Thumb),
	})
	if a.Public() {
		blob.Set("size", len(res.Preview))
		blob.Set("mime", string(photo.JPEG))
	} else {
		blob.Set("size", a.Size)
		blob.Set("original", true)
		blob.Set("trailing_bytes", a.Size-int64(res.Header.End))
		blob.Set("holders", []string{a.Owner})
		if !res.Exif.CapturedAt.IsZero() {
			blob.Set("captured_at", res.Exif.CapturedAt)
		}
		if res.Exif.HasGPS {
			blob.Set("captured_location", types.GeoPoint{Lon: res.Exif.Lon, Lat: res.Exif.Lat})
		}
	}
	access.Attribute(blob, attr)
	if err := tx.Save(blob); err != nil {
		return nil, fmt.Errorf("save blob: %w", err)
	}
	return blob, nil
}

// factsFields are the fields a photo copies from its blob when its bytes arrive.
var factsFields = []string{"mime", "size", "width", "height", "captured_at", "captured_location"}

// giveBytes marks photo stored with blob's facts and the receive time.
func (s *Service) giveBytes(p, blob *core.Record) {
	p.Set(schema.FieldStatus, "stored")
	p.Set("received_at", s.cfg.Now().UTC())
	for _, f := range factsFields {
		p.Set(f, blob.Get(f))
	}
}

// markStored gives blob's bytes to the pending photos of its hash that actor may see (those
// of actor's subdistricts), and returns how many. Photos of other subdistricts wait for
// someone of theirs to upload the same bytes: knowing a hash is not having the photo.
func (s *Service) markStored(tx core.App, blob *core.Record, attr access.Attribution) (int, error) {
	actor := attr.Actor
	if !actor.IsStaff() || len(actor.Subdistricts) == 0 {
		return 0, nil
	}
	photos, err := tx.FindAllRecords(schema.Photos,
		dbx.HashExp{"sha256": blob.GetString("sha256"), schema.FieldStatus: "pending"},
		dbx.In(schema.FieldSubdistrict, anySlice(actor.Subdistricts)...))
	if err != nil {
		return 0, err
	}
	for _, p := range photos {
		s.giveBytes(p, blob)
		access.Attribute(p, attr)
		if err := tx.Save(p); err != nil {
			return 0, fmt.Errorf("mark photo %s stored: %w", p.Id, err)
		}
	}
	return len(photos), nil
}

// publicPhoto makes the photo of a resident's upload, stored at once, in subdistrict.
func (s *Service) publicPhoto(tx core.App, blob *core.Record, subdistrict string, attr access.Attribution) (*core.Record, error) {
	coll, err := tx.FindCollectionByNameOrId(schema.Photos)
	if err != nil {
		return nil, err
	}
	p := core.NewRecord(coll)
	p.Set("sha256", blob.GetString("sha256"))
	p.Set(schema.FieldSubdistrict, subdistrict)
	p.Set("public", true)
	s.giveBytes(p, blob)
	access.Attribute(p, attr)
	if err := tx.Save(p); err != nil {
		return nil, fmt.Errorf("save public photo: %w", err)
	}
	return p, nil
}

// holds reports whether actor has shown they have blob's bytes: they uploaded them, or they
// may already see a stored photo of them.
func (s *Service) holds(app core.App, blob *core.Record, actor access.Actor) bool {
	if slices.Contains(blob.GetStringSlice("holders"), actor.ID) {
		return true
	}
	if len(actor.Subdistricts) == 0 {
		return false
	}
	var n int
	err := app.DB().Select("count(*)").From(schema.Photos).
		Where(dbx.HashExp{"sha256": blob.GetString("sha256"), schema.FieldStatus: "stored"}).
		AndWhere(dbx.In(schema.FieldSubdistrict, anySlice(actor.Subdistricts)...)).Row(&n)
	return err == nil && n > 0
}

func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
