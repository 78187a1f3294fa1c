package tutoring

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Lookup is what a parent reads of a centre after scanning its QR code: the published facts
// only; a list only once the education commission has decided it, a class only once it has
// filed it (decisions.go). It never holds a person's name, phone or household registration: not the legal
// representative's, the principal's, the sponsor's nor an inspector's.
type Lookup struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Address       string        `json:"address"`
	Subdistrict   string        `json:"subdistrict"`
	CreditCode    string        `json:"credit_code"`
	Qualification vocab.Term    `json:"qualification"`
	Licensed      bool          `json:"licensed"`
	LicenceNo     string        `json:"licence_no"`
	Authority     string        `json:"licence_authority"`
	List          vocab.Term    `json:"list_status"`
	Status        vocab.Term    `json:"status"`
	Categories    []vocab.Term  `json:"categories"`
	Subjects      []vocab.Term  `json:"subjects"`
	Classes       []LookupClass `json:"classes"`
}

// LookupClass is a filed class (班次): what it teaches, to whom and when.
type LookupClass struct {
	Name    string `db:"name" json:"name"`
	Content string `db:"content" json:"content"`
	Target  string `db:"target_students" json:"target_students"`
	When    string `db:"schedule" json:"schedule"`
}

var errNoCentre = fault.New(fault.NotExist, "centre_not_found", "未找到该培训机构", "no such tutoring centre")

type lookupRow struct {
	ID            string `db:"id"`
	Name          string `db:"name"`
	Address       string `db:"address"`
	Subdistrict   string `db:"sd"`
	CreditCode    string `db:"credit_code"`
	Qualification string `db:"qualification"`
	Licensed      bool   `db:"school_licence"`
	LicenceNo     string `db:"licence_no"`
	Authority     string `db:"licence_authority"`
	List          string `db:"list_status"`
	Status        string `db:"status"`
	Categories    string `db:"categories"`
	Subjects      string `db:"subjects"`
}

// FindLookup returns the public facts of the live centre id.
func FindLookup(app core.App, id string) (*Lookup, error) {
	var r lookupRow
	err := app.DB().NewQuery(`
		SELECT c.id, p.name, p.address, s.name_zh AS sd, c.credit_code, c.qualification, c.school_licence,
			c.licence_no, c.licence_authority,
			CASE WHEN c.list_decided_at != '' THEN c.list_status ELSE 'none' END AS list_status,
			c.status, c.categories, c.subjects
		FROM tutoring_centres c JOIN places p ON p.id = c.place JOIN subdistricts s ON s.id = c.subdistrict
		WHERE c.id = {:id} AND c.voided = FALSE AND p.voided = FALSE`).Bind(dbx.Params{"id": id}).One(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoCentre
	}
	if err != nil {
		return nil, fmt.Errorf("lookup %s: %w", id, err)
	}
	l := &Lookup{ID: r.ID, Name: r.Name, Address: r.Address, Subdistrict: r.Subdistrict, CreditCode: r.CreditCode,
		Qualification: label(vocab.Qualification, r.Qualification), Licensed: r.Licensed,
		List: label(vocab.ListStatus, r.List), Status: label(vocab.CentreStatus, r.Status),
		Categories: labels(vocab.TrainingCategory, r.Categories), Subjects: labels(vocab.Subject, r.Subjects),
		Classes: []LookupClass{}}
	if r.Licensed {
		l.LicenceNo, l.Authority = r.LicenceNo, r.Authority
	}
	err = app.DB().Select("name", "content", "target_students", "schedule").From("centre_classes").
		Where(dbx.HashExp{"centre": id, "voided": false}).AndWhere(dbx.NewExp("filed_at != ''")).
		OrderBy("name").All(&l.Classes)
	if err != nil {
		return nil, fmt.Errorf("classes of %s: %w", id, err)
	}
	return l, nil
}

func label(e vocab.Enum, v string) vocab.Term {
	if t, ok := e.Label(v); ok {
		return t
	}
	return vocab.Term{Value: v}
}

func labels(e vocab.Enum, list string) []vocab.Term {
	out := []vocab.Term{}
	for _, v := range strings.Split(strings.Trim(list, `[]`), ",") {
		if v = strings.Trim(v, `" `); v != "" {
			out = append(out, label(e, v))
		}
	}
	return out
}

// handleLookup answers JSON. A browser (Accept: text/html), as a QR code printed before the
// public pages existed opens it, goes to the centre's page (internal/publicweb).
func handleLookup(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	if strings.Contains(e.Request.Header.Get("Accept"), "text/html") {
		return e.Redirect(http.StatusFound, publicurl.CentrePath(id))
	}
	l, err := FindLookup(e.App, id)
	if err != nil {
		return writeError(e, err)
	}
	e.Response.Header().Set("Cache-Control", "public, max-age=300")
	return e.JSON(http.StatusOK, l)
}

// handleQR returns a PNG QR code of the centre's public page, for printing at its door. It
// refuses while the public address is unset or local (publicurl), so no dead code is posted.
func handleQR(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	if _, err := FindLookup(e.App, id); err != nil {
		return writeError(e, err)
	}
	png, err := qrPNG(e.App, id, 512)
	if err != nil {
		return writeError(e, err)
	}
	return e.Blob(http.StatusOK, "image/png", png)
}

// qrPNG encodes the public page address of centre id as a PNG of size pixels.
func qrPNG(app core.App, id string, size int) ([]byte, error) {
	u, err := publicurl.Centre(app, id)
	if err != nil {
		return nil, err
	}
	png, err := qrcode.Encode(u, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return png, nil
}
