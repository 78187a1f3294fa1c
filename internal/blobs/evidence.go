package blobs

import (
	"fmt"

	"github.com/pocketbase/dbx"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// registerEvidence binds the model hooks that keep photos true to their bytes from every door
// (REST, batch, sync, admin UI, JS hooks):
//   - a photo created by someone who already holds its bytes is stored at once;
//   - a photo whose hash was already evidence for another finding is flagged reused when a
//     finding links it;
//   - deleting a blob returns its photos to pending and removes its files.
func (s *Service) registerEvidence(app core.App) {
	app.OnRecordCreate(schema.Photos).BindFunc(func(e *core.RecordEvent) error {
		s.storeIfHeld(e.App, e.Record)
		return e.Next()
	})
	flagReuse := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return flagReused(e.App, e.Record)
	}
	app.OnRecordCreate(schema.Findings).BindFunc(flagReuse)
	app.OnRecordUpdate(schema.Findings).BindFunc(flagReuse)
	app.OnRecordDelete(schema.Blobs).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		// Saved one by one, not updated in bulk, so that the change reaches the phones (sync
		// change log) and the audit trail.
		photos, err := e.App.FindAllRecords(schema.Photos,
			dbx.HashExp{"sha256": e.Record.GetString("sha256"), schema.FieldStatus: "stored"})
		if err != nil {
			return err
		}
		for _, p := range photos {
			p.Set(schema.FieldStatus, "pending")
			access.Attribute(p, access.OnBehalfOf(e.Record))
			if err := e.App.Save(p); err != nil {
				return fmt.Errorf("photo %s back to pending: %w", p.Id, err)
			}
		}
		return nil
	})
	app.OnRecordAfterDeleteSuccess(schema.Blobs).BindFunc(func(e *core.RecordEvent) error {
		sha := e.Record.GetString("sha256")
		release := blobLocks.lock(sha)
		dropFilesUnlessRecorded(e.App, sha)
		release()
		return e.Next()
	})
}

// storeIfHeld gives a new photo its bytes when they are already here and its creator holds
// them (uploaded them, or may see them already): the usual case of one photo attached to a
// second record, or of bytes that arrived before their record.
func (s *Service) storeIfHeld(app core.App, p *core.Record) {
	if p.GetString(schema.FieldStatus) != "pending" {
		return
	}
	actor := access.AttributionOf(p).Actor
	if !actor.FieldStaff() || !actor.InSubdistrict(p.GetString(schema.FieldSubdistrict)) {
		return
	}
	blob, err := findBlob(app, p.GetString("sha256"))
	if err != nil || !blob.GetBool("original") || !s.holds(app, blob, actor) {
		return
	}
	s.giveBytes(p, blob)
}

// flagReused flags the photos of finding whose bytes (by hash) are also evidence for another
// finding. Flags are only ever set: a photo once shown twice stays suspect.
func flagReused(app core.App, finding *core.Record) error {
	ids := finding.GetStringSlice("photos")
	if len(ids) == 0 {
		return nil
	}
	photos, err := app.FindRecordsByIds(schema.Photos, ids)
	if err != nil {
		return fmt.Errorf("photos of finding %s: %w", finding.Id, err)
	}
	for _, p := range photos {
		if p.GetBool("reused") {
			continue
		}
		used, err := usedElsewhere(app, finding.Id, p.GetString("sha256"))
		if err != nil {
			return fmt.Errorf("reuse of %s: %w", p.Id, err)
		}
		if !used {
			continue
		}
		p.Set("reused", true)
		access.Attribute(p, access.OnBehalfOf(finding))
		if err := app.Save(p); err != nil {
			return fmt.Errorf("flag %s reused: %w", p.Id, err)
		}
	}
	return nil
}

// usedElsewhere reports whether a finding other than finding shows a photo of sha. The photos
// of a hash come from an index; the findings that show them are found by their JSON list of
// ids, in which an id appears quoted, without parsing every list.
func usedElsewhere(app core.App, finding, sha string) (bool, error) {
	var ids []string
	err := app.DB().Select("id").From(schema.Photos).Where(dbx.HashExp{"sha256": sha}).Column(&ids)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	var likes []dbx.Expression
	for _, id := range ids {
		likes = append(likes, dbx.Like("photos", `"`+id+`"`))
	}
	var n int
	err = app.DB().Select("count(*)").From(schema.Findings).
		Where(dbx.Not(dbx.HashExp{"id": finding})).AndWhere(dbx.Or(likes...)).Row(&n)
	return n > 0, err
}

// errServerOnly refuses writes of blob records through the records API, even by district
// administrators: a blob is its files, and only the upload path makes them.
var errServerOnly = validation.NewError("blob_server_only",
	"文件记录只能由上传流程创建 / blobs are created by the upload path only")

// registerBlobGuards refuses creating and changing blob records through the records API.
// Administrators may delete one (its files go with it).
func registerBlobGuards(app core.App) {
	refuse := func(e *core.RecordRequestEvent) error {
		return router.NewBadRequestError(errServerOnly.Message(), validation.Errors{"id": errServerOnly})
	}
	app.OnRecordCreateRequest(schema.Blobs).BindFunc(refuse)
	app.OnRecordUpdateRequest(schema.Blobs).BindFunc(refuse)
}
