// Package notice prints the papers of a case as PDF: the rectification notice
// (责令限期整改通知书) an inspector hands to the responsible party, and the record of an
// inspection (现场检查记录) a supervisor files. They are drawn from the stored records on
// every request, so a paper never says what the records do not.
package notice

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/visible"
)

// The Chinese font the papers are set in, embedded so the server needs nothing installed.
//
//go:embed fonts/wqy-microhei.ttf
var cjkFont []byte

// ordered are the statuses of a finding that has been ordered to be rectified by a deadline.
var ordered = map[string]bool{"ordered": true, "acknowledged": true, "reinspected": true, "closed": true, "escalated": true}

var errNotOrdered = fault.New(fault.Conflict, "notice_needs_order",
	"该隐患尚未责令整改，不能打印整改通知书",
	"the finding has not been ordered to be rectified: there is no notice to print")

// Register serves the papers:
//
//	GET /api/fs/findings/{id}/notice.pdf     the rectification notice of an ordered finding
//	GET /api/fs/inspections/{id}/record.pdf  the record of an inspection and its findings
//
// A paper is drawn with its reader's own rules (internal/visible): a caller gets the paper of a
// record REST shows them, and REST's refusal otherwise (404, anonymous visitors too). On the
// paper, a related record or a name REST would not show them is left out or withheld.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/fs/findings/{id}/notice.pdf", handleNotice)
		se.Router.GET("/api/fs/inspections/{id}/record.pdf", handleRecord)
		return se.Next()
	})
}

// viewable opens the caller's reader and the record of coll named in the path.
func viewable(e *core.RequestEvent, coll string) (*visible.Reader, *core.Record, error) {
	rd, err := visible.For(e)
	if err != nil {
		return nil, nil, err
	}
	r, err := rd.Find(coll, e.Request.PathValue("id"))
	return rd, r, err
}

func handleNotice(e *core.RequestEvent) error {
	rd, f, err := viewable(e, schema.Findings)
	if err != nil {
		return writeError(e, err)
	}
	if !ordered[f.GetString(schema.FieldStatus)] || f.GetDateTime("deadline").IsZero() {
		return writeError(e, errNotOrdered)
	}
	c, err := loadCase(rd, f)
	if err != nil {
		return writeError(e, err)
	}
	return servePDF(e, "notice-"+f.Id+".pdf", func(d *doc) { d.notice(c) })
}

func handleRecord(e *core.RequestEvent) error {
	rd, in, err := viewable(e, schema.Inspections)
	if err != nil {
		return writeError(e, err)
	}
	rec, err := loadInspection(rd, in)
	if err != nil {
		return writeError(e, err)
	}
	return servePDF(e, "inspection-"+in.Id+".pdf", func(d *doc) { d.record(rec) })
}

func servePDF(e *core.RequestEvent, name string, draw func(*doc)) error {
	d := newDoc()
	draw(d)
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return writeError(e, fmt.Errorf("pdf: %w", err))
	}
	e.Response.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, name))
	return e.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

func writeError(e *core.RequestEvent, err error) error {
	fe, ok := fault.As(err)
	if !ok {
		e.App.Logger().Error("printing a paper failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
	}
	return e.JSON(fe.Status(), fe.Body())
}

// doc is an A4 page set in the embedded font.
type doc struct{ pdf *fpdf.Fpdf }

const family = "cjk"

func newDoc() *doc {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes(family, "", cjkFont)
	p.SetMargins(22, 20, 22)
	p.SetAutoPageBreak(true, 20)
	p.AddPage()
	return &doc{pdf: p}
}

func (d *doc) title(s string) {
	d.pdf.SetFont(family, "", 18)
	d.pdf.CellFormat(0, 12, s, "", 1, "C", false, 0, "")
}

func (d *doc) right(size float64, s string) {
	d.pdf.SetFont(family, "", size)
	d.pdf.CellFormat(0, 8, s, "", 1, "R", false, 0, "")
}

func (d *doc) para(s string) {
	d.pdf.SetFont(family, "", 12)
	for _, line := range d.wrap(s, d.width()) {
		d.pdf.CellFormat(0, 8, line, "", 1, "L", false, 0, "")
	}
	d.pdf.Ln(2)
}

// rows draws a two-column table of labels and values; a long value wraps within its cell.
func (d *doc) rows(pairs [][2]string) {
	const labelW, lineH = 38.0, 8.0
	d.pdf.SetFont(family, "", 11)
	for _, p := range pairs {
		lines := d.wrap(orDash(p[1]), d.width()-labelW-2)
		h := lineH * float64(len(lines))
		if _, y := d.pdf.GetXY(); y+h > 277 {
			d.pdf.AddPage()
		}
		x, y := d.pdf.GetXY()
		d.pdf.CellFormat(labelW, h, p[0], "1", 0, "L", false, 0, "")
		d.pdf.Rect(x+labelW, y, d.width()-labelW, h, "D")
		for i, line := range lines {
			d.pdf.SetXY(x+labelW+1, y+lineH*float64(i))
			d.pdf.CellFormat(d.width()-labelW-2, lineH, line, "", 0, "L", false, 0, "")
		}
		d.pdf.SetXY(x, y+h)
	}
	d.pdf.Ln(3)
}

// width is the width between the margins.
func (d *doc) width() float64 {
	w, _ := d.pdf.GetPageSize()
	l, _, r, _ := d.pdf.GetMargins()
	return w - l - r
}

// wrap breaks s into lines no wider than w in the current font. Chinese has no spaces to
// break at, so it breaks between any two characters (fpdf's own MultiCell loses a character
// at such breaks), keeping closing punctuation on the line it closes.
func (d *doc) wrap(s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line []rune
		width := 0.0
		for _, r := range para {
			rw := d.pdf.GetStringWidth(string(r))
			if width+rw > w && len(line) > 0 && !strings.ContainsRune("，。；：、）》”！？,.;:)", r) {
				lines = append(lines, string(line))
				line, width = nil, 0
			}
			line = append(line, r)
			width += rw
		}
		lines = append(lines, string(line))
	}
	return lines
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
