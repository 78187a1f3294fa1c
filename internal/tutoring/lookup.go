package tutoring

import (
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/haidian/fieldsync/internal/fault"
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

// handleLookup answers a browser (Accept: text/html) with a page and anything else with JSON.
func handleLookup(e *core.RequestEvent) error {
	l, err := FindLookup(e.App, e.Request.PathValue("id"))
	if err != nil {
		return writeError(e, err)
	}
	e.Response.Header().Set("Cache-Control", "public, max-age=300")
	if strings.Contains(e.Request.Header.Get("Accept"), "text/html") {
		e.Response.Header().Set("Content-Type", "text/html; charset=utf-8")
		e.Response.WriteHeader(http.StatusOK)
		return lookupPage.Execute(e.Response, l)
	}
	return e.JSON(http.StatusOK, l)
}

var lookupPage = template.Must(template.New("lookup").Parse(`<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Name}} · 校外培训机构信息公示</title></head><body>
<h1>{{.Name}}</h1>
<p>{{.Subdistrict}} · {{.Address}}</p>
<p>办学资质 / Qualification: <b>{{.Qualification.ZH}}</b> ({{.Qualification.EN}})</p>
{{if .Licensed}}<p>办学许可证 / Licence: {{.LicenceNo}} · {{.Authority}}</p>{{end}}
<p>名单 / List: <b>{{.List.ZH}}</b> · 状态 / Status: <b>{{.Status.ZH}}</b></p>
<p>统一社会信用代码 / Credit code: {{.CreditCode}}</p>
<h2>备案班次 / Filed classes</h2>
<ul>{{range .Classes}}<li>{{.Name}}: {{.Content}} · {{.Target}} · {{.When}}</li>{{else}}<li>无 / none</li>{{end}}</ul>
</body></html>`))

// handleQR returns a PNG QR code of the centre's public lookup, for printing at its door. The
// address is the application URL of the settings, or the host the request came to.
func handleQR(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	if _, err := FindLookup(e.App, id); err != nil {
		return writeError(e, err)
	}
	png, err := qrPNG(e, id, 512)
	if err != nil {
		return writeError(e, err)
	}
	return e.Blob(http.StatusOK, "image/png", png)
}

// qrPNG encodes the public lookup address of centre id as a PNG of size pixels.
func qrPNG(e *core.RequestEvent, id string, size int) ([]byte, error) {
	png, err := qrcode.Encode(lookupURL(e, id), qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return png, nil
}

// lookupURL is the public lookup address of centre id: on the application URL of the
// settings, or on the host the request came to while that is unset or local.
func lookupURL(e *core.RequestEvent, id string) string {
	base := strings.TrimRight(e.App.Settings().Meta.AppURL, "/")
	if base == "" || strings.Contains(base, "localhost") {
		scheme := "https"
		if e.Request.TLS == nil {
			scheme = "http"
		}
		base = scheme + "://" + e.Request.Host
	}
	return base + "/api/fs/tutoring/public/centres/" + id
}
