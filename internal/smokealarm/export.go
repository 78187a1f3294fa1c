package smokealarm

import (
	"encoding/csv"
	"fmt"
	"github.com/haidian/fieldsync/internal/beijing"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/visible"
	"github.com/haidian/fieldsync/internal/vocab"
)

// exportRow is one install as the export lists it.
type exportRow struct {
	ID          string `db:"id"`
	Subdistrict string `db:"sd_name"`
	UnitType    string `db:"unit_type"`
	Eligibility string `db:"eligibility"`
	Has60Plus   bool   `db:"household_60plus"`
	InstalledOn string `db:"installed_on"`
	Serial      string `db:"serial"`
	Location    string `db:"location_in_home"`
	Consent     bool   `db:"consent"`
	ConsentBy   string `db:"consent_by"`
	HeadName    string `db:"head_name"`
	Phone       string `db:"phone"`
	Grid        string `db:"grid"`
	Installer   string `db:"installer"`
	Photos      string `db:"photos"`
}

var exportHeader = []string{
	"编号 id", "街镇 subdistrict", "装置类型 unit type", "人群类别 resident category",
	"有60岁以上成员 member 60+", "安装日期 installed on", "序列号 serial", "安装位置 location in home",
	"住户同意 consent", "同意人 consent by", "户主 household head", "电话 phone", "网格 grid",
	"安装人员 installer", "照片数 photos",
}

// handleExport writes the live installs of a year the viewer may see as CSV (UTF-8 with a BOM,
// so spreadsheet programs read the Chinese). Residents' names and phones are masked: an
// export leaves the system, so it carries no more than a report needs. The home's address is
// left out for the same reason; the management grid locates the install well enough.
//
// The export is drawn with the caller's own rules (internal/visible): an install, its
// household and its place appear only as far as REST lists them for the caller, and an
// installer's name only if REST shows the caller that user.
func handleExport(e *core.RequestEvent) error {
	v, year, err := request(e)
	if err != nil {
		return writeError(e, err)
	}
	rd, err := visible.For(e)
	if err != nil {
		return writeError(e, err)
	}
	q, err := exportQuery(e.App, rd, year, v)
	if err != nil {
		return writeError(e, err)
	}
	rows, err := q.Rows()
	if err != nil {
		return writeError(e, fmt.Errorf("export query: %w", err))
	}
	defer rows.Close()
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="smoke-alarm-installs-%d.csv"`, year))
	e.Response.WriteHeader(http.StatusOK)
	if err := writeCSV(e.Response, rows, rd.UserName); err != nil {
		// The status is sent: the client sees a cut file, the log keeps the cause.
		e.App.Logger().Error("smoke-alarm export failed", "error", err)
	}
	return nil
}

// writeCSV writes the BOM, the header and one line per row, with the installers named by name.
func writeCSV(out io.Writer, rows *dbx.Rows, name func(user string) string) error {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return err
	}
	w := csv.NewWriter(out)
	if err := w.Write(exportHeader); err != nil {
		return err
	}
	for rows.Next() {
		var r exportRow
		if err := rows.ScanStruct(&r); err != nil {
			return fmt.Errorf("export scan: %w", err)
		}
		if n := name(r.Installer); n != "" {
			r.Installer = n
		}
		if err := w.Write(r.cells()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// exportQuery selects the live installs of year in v's subdistricts that rd may list, with
// their household's head and phone and their place's grid where rd may list those, in the
// gazette's order of subdistricts, then by date.
func exportQuery(app core.App, rd *visible.Reader, year int, v viewer) (*dbx.SelectQuery, error) {
	installs, err := rd.Listed(schema.AlarmInstalls, "i.id")
	if err != nil {
		return nil, err
	}
	households, err := rd.Listed(schema.Households, "h.id")
	if err != nil {
		return nil, err
	}
	places, err := rd.Listed(schema.Places, "p.id")
	if err != nil {
		return nil, err
	}
	q := app.DB().Select("i.id", "COALESCE(s.name_zh, i.subdistrict) AS sd_name", "i.unit_type", "i.eligibility",
		"i.household_60plus", "i.installed_on", "i.serial", "i.location_in_home", "i.consent", "i.consent_by",
		"COALESCE(h.head_name, '') AS head_name", "COALESCE(h.phone, '') AS phone",
		"COALESCE(p.grid, '') AS grid", "i.installer", "i.photos").
		From(schema.AlarmInstalls+" i").
		LeftJoin(schema.Subdistricts+" s", dbx.NewExp("s.id = i.subdistrict")).
		LeftJoin(schema.Households+" h", dbx.And(dbx.NewExp("h.place = i.household"), households)).
		LeftJoin(schema.Places+" p", dbx.And(dbx.NewExp("p.id = i.household"), places)).
		Where(dbx.NewExp("i.voided = FALSE")).
		AndWhere(dbx.NewExp("i.installed_on >= {:from} AND i.installed_on < {:to}", yearParams(year))).
		AndWhere(installs).
		OrderBy("s.sort", "i.installed_on", "i.id")
	if !v.all {
		ids := make([]any, len(v.subdistricts))
		for i, id := range v.subdistricts {
			ids[i] = id
		}
		q.AndWhere(dbx.In("i.subdistrict", ids...))
	}
	return q, nil
}

func (r exportRow) cells() []string {
	return []string{
		r.ID, cell(r.Subdistrict), label(vocab.AlarmUnitType, r.UnitType), label(vocab.AlarmEligibility, r.Eligibility),
		yesNo(r.Has60Plus), dateOnly(r.InstalledOn), cell(r.Serial), cell(r.Location),
		yesNo(r.Consent), MaskName(r.ConsentBy), MaskName(r.HeadName), MaskPhone(r.Phone), cell(r.Grid),
		cell(r.Installer), strconv.Itoa(photoCount(r.Photos)),
	}
}

func label(e vocab.Enum, v string) string {
	if t, ok := e.Label(v); ok {
		return t.ZH
	}
	return cell(v)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// dateOnly prints a stored UTC date as its day in Beijing, where the papers are read.
func dateOnly(dt string) string {
	d, err := types.ParseDateTime(dt)
	if err != nil || d.IsZero() {
		return dt
	}
	return d.Time().In(beijing.Zone).Format(time.DateOnly)
}

func photoCount(raw string) int {
	raw = strings.Trim(raw, "[] ")
	if raw == "" {
		return 0
	}
	return strings.Count(raw, ",") + 1
}

// cell defuses text a spreadsheet would read as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// MaskName keeps the first and last characters of a name: 王秀兰 → 王*兰, 王兰 → 王*.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// MaskPhone keeps the first three and last four characters of a mobile number
// (13800000000 → 138****0000) and the last two of a shorter one (62345678 → ******78).
func MaskPhone(phone string) string {
	r := []rune(strings.TrimSpace(phone))
	switch {
	case len(r) >= 11:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) >= 4:
		return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
	}
	return strings.Repeat("*", len(r))
}
