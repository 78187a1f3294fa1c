package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
)

// Photos become evidence records over content-addressed blobs (internal/blobs).
//
// A blob is one set of bytes, stored once by its SHA-256 with its preview and thumbnail, and
// the facts read from it (size, format, dimensions, EXIF capture time and place). A photo is
// one use of a blob as evidence: the same bytes may back several photos (one per finding that
// shows them), so the photos' sha256 is no longer unique, and a photo whose bytes were already
// evidence for another finding is flagged as reused. Bytes reach the server only through the
// blobs module's checked upload, never through a records API: the photos' file field goes.
//
// The facts a photo copies from its blob (mime, size, width, height, captured_at,
// captured_location) and the flags below are the server's to set (access.Policies).
var photoFields = []core.Field{
	date("received_at", false), // when the server had the verified bytes
	flag("reused"),             // the bytes were already evidence for another finding
	flag("public"),             // uploaded by a resident: metadata stripped, no original kept
}

func init() {
	m.Register(func(app core.App) error {
		photos, err := app.FindCollectionByNameOrId(s.Photos)
		if err != nil {
			return err
		}
		photos.RemoveIndex(indexName(s.Photos, "sha256") + "_unique")
		photos.AddIndex(indexName(s.Photos, "sha256"), false, quoted("sha256"), "")
		photos.AddIndex(indexName(s.Photos, "status", "uploader"), false, quoted("status", "uploader"), "")
		photos.Fields.RemoveByName("file")
		for _, f := range photoFields {
			photos.Fields.Add(f)
		}
		if err := app.Save(photos); err != nil {
			return err
		}
		return createAll(app, []spec{blobSpec()}, nil)
	}, func(app core.App) error {
		if err := deleteAll(app, []spec{blobSpec()}); err != nil {
			return err
		}
		photos, err := app.FindCollectionByNameOrId(s.Photos)
		if err != nil {
			return err
		}
		for _, f := range photoFields {
			photos.Fields.RemoveByName(f.GetName())
		}
		photos.Fields.Add(&core.FileField{Name: "file", MaxSelect: 1, MaxSize: 20 << 20, Protected: true,
			MimeTypes: []string{"image/jpeg", "image/png"}})
		photos.RemoveIndex(indexName(s.Photos, "status", "uploader"))
		photos.RemoveIndex(indexName(s.Photos, "sha256"))
		photos.AddIndex(indexName(s.Photos, "sha256")+"_unique", true, quoted("sha256"), "")
		return app.Save(photos)
	})
}

// blobSpec is the store of verified bytes. Only the server writes it; district administrators
// read it in the admin UI and may delete a blob (its files go with it). Its files live in
// PocketBase's filesystem (local, or S3 when configured) under blobs/<aa>/<sha256>/, not in a
// file field, so no records API can serve or replace them.
func blobSpec() spec {
	return spec{name: s.Blobs, unique: [][]string{{"sha256"}},
		rules: a.Rules{}, // superusers only
		fields: []core.Field{
			pattern("sha256", true, 64, `^[0-9a-f]{64}$`),
			count("size"),
			text("mime", true, 40),
			count("width"), count("height"), // upright, after EXIF orientation
			count("orientation"),
			date("captured_at", false),
			geo("captured_location"),
			count("trailing_bytes"), // bytes after the image's end marker: kept in the original only
			flag("original"),        // false for public uploads: only the re-encoded image is kept
			count("preview_size"), count("thumb_size"),
			// holders have shown they have the bytes (by uploading them): they may link the blob
			// to new photos without sending the bytes again.
			&core.RelationField{Name: "holders", CollectionId: s.CollectionID(s.Users), MaxSelect: 1000},
		}}
}
