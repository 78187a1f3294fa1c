package tutoring

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"
)

// rowLabels are the row headings of the gazette's tables, per table.
var (
	centreRows = []rowLabel{
		{"today", "本日排查数量"}, {"cumulative", "累计排查数量"},
		{"rectified", "累计已完成整改数"}, {"handled", "累计处理相关人数"},
	}
	schoolRows = []rowLabel{
		{"today", "本日排查数量"}, {"cumulative", "累计排查数量"}, {"rectified", "累计完成整改数量"},
		{"involved", "累计涉及校长（教师）人数"}, {"handled", "累计已处理校长（教师）人数"},
	}
)

type rowLabel struct{ key, zh string }

func (t Table) row(key string) Row {
	return map[string]Row{"today": t.Today, "cumulative": t.Cumulative, "rectified": t.Rectified,
		"involved": t.Involved, "handled": t.Handled}[key]
}

// main is the scope a file leads with: the district, or the one subdistrict asked for.
func (d *Daily) main() Scope {
	if d.District != nil {
		return *d.District
	}
	if len(d.Subdistricts) > 0 {
		return d.Subdistricts[0]
	}
	return Scope{}
}

func handleDailyXLSX(e *core.RequestEvent) error {
	d, err := dailyRequest(e)
	if err != nil {
		return writeError(e, err)
	}
	f, err := DailyXLSX(d, reporterOf(e.Auth))
	if err != nil {
		return writeError(e, err)
	}
	defer f.Close()
	h := e.Response.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tutoring-daily-%s.xlsx"`, d.Day))
	e.Response.WriteHeader(http.StatusOK)
	return f.Write(e.Response)
}

// Reporter is who files a report: the gazette's tables end with their name and phone.
type Reporter struct{ Name, Phone string }

// reporterOf is the signed-in caller as the reporter: a staff member's name (or email) and
// phone, a district administrator's email.
func reporterOf(auth *core.Record) Reporter {
	if auth == nil {
		return Reporter{}
	}
	name := auth.GetString("name")
	if name == "" {
		name = auth.Email()
	}
	return Reporter{Name: name, Phone: auth.GetString("phone")}
}

// DailyXLSX lays the report out like the gazette's tables: a sheet per table for the leading
// scope, with the gazette's headings and the reporter, and a sheet per table listing every
// subdistrict.
func DailyXLSX(d *Daily, by Reporter) (*excelize.File, error) {
	f := excelize.NewFile()
	main := d.main()
	sheets := []struct {
		name, title string
		cols        []Column
		rows        []rowLabel
		table       func(Scope) Table
		groups      []group
	}{
		{"日报（一）", "校外培训机构专项治理日报内容（一）", CentreColumns, centreRows,
			func(s Scope) Table { return s.Centres },
			[]group{{"办学资质方面", 1, 4}, {"办学行为方面", 5, 8}, {"安全稳定情况", 9, 10}, {"本区增列", 11, 13}}},
		{"日报（二）", "校外培训机构专项治理日报内容（二）", SchoolColumns, schoolRows,
			func(s Scope) Table { return s.Schools }, []group{{"排查工作进展", 1, 4}}},
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		w := sheetWriter{f: f, sheet: sh.name}
		last := len(sh.cols)
		w.merge(1, 1, 0, last, sh.title)
		w.set(2, 0, main.NameZH)
		w.set(2, 1, "时间："+d.Day)
		if i == 1 {
			w.set(2, 2, fmt.Sprintf("本区中小学校总数（含民办）：%d", main.SchoolsKnown))
		}
		w.set(3, 0, "日报内容")
		for _, g := range sh.groups {
			w.merge(3, 3, g.from, g.to, g.title)
		}
		w.set(4, 0, "")
		for c, col := range sh.cols {
			w.set(4, c+1, col.ZH)
		}
		t := sh.table(main)
		for r, rl := range sh.rows {
			w.set(5+r, 0, rl.zh)
			for c, col := range sh.cols {
				w.set(5+r, c+1, t.row(rl.key)[col.Key])
			}
		}
		w.set(6+len(sh.rows), 0, "填报人："+by.Name)
		w.set(6+len(sh.rows), 2, "联系电话："+by.Phone)
		if err := f.SetColWidth(sh.name, "A", "A", 26); err != nil {
			return nil, err
		}
		if err := f.SetColWidth(sh.name, "B", colName(last), 16); err != nil {
			return nil, err
		}
		// The subdistricts' figures, one block of rows per subdistrict.
		if len(d.Subdistricts) > 0 {
			name := sh.name + "各街镇"
			if _, err := f.NewSheet(name); err != nil {
				return nil, err
			}
			sw := sheetWriter{f: f, sheet: name}
			sw.set(1, 0, "街镇")
			sw.set(1, 1, "项目")
			for c, col := range sh.cols {
				sw.set(1, c+2, col.ZH)
			}
			line := 2
			for _, s := range d.Subdistricts {
				for _, rl := range sh.rows {
					sw.set(line, 0, s.NameZH)
					sw.set(line, 1, rl.zh)
					for c, col := range sh.cols {
						sw.set(line, c+2, sh.table(s).row(rl.key)[col.Key])
					}
					line++
				}
			}
		}
		if w.err != nil {
			return nil, w.err
		}
	}
	return f, nil
}

type group struct {
	title    string
	from, to int
}

// sheetWriter writes cells by row (1-based) and column (0-based), keeping the first error.
type sheetWriter struct {
	f     *excelize.File
	sheet string
	err   error
}

func colName(c int) string {
	name, _ := excelize.ColumnNumberToName(c + 1)
	return name
}

func (w *sheetWriter) set(row, col int, v any) {
	if w.err == nil {
		w.err = w.f.SetCellValue(w.sheet, colName(col)+strconv.Itoa(row), v)
	}
}

func (w *sheetWriter) merge(row1, row2, col1, col2 int, v any) {
	w.set(row1, col1, v)
	if w.err == nil && (row1 != row2 || col1 != col2) {
		w.err = w.f.MergeCell(w.sheet, colName(col1)+strconv.Itoa(row1), colName(col2)+strconv.Itoa(row2))
	}
}

func handleDailyCSV(e *core.RequestEvent) error {
	d, err := dailyRequest(e)
	if err != nil {
		return writeError(e, err)
	}
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tutoring-daily-%s.csv"`, d.Day))
	e.Response.WriteHeader(http.StatusOK)
	if err := DailyCSV(e.Response, d); err != nil {
		e.App.Logger().Error("tutoring daily export failed", "error", err)
	}
	return nil
}

// DailyCSV writes the report as CSV (UTF-8 with a BOM, for spreadsheet programs): one line per
// scope, table and row, with a column per table column; the tables' columns differ, so each
// table starts with its own heading line.
func DailyCSV(out io.Writer, d *Daily) error {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return err
	}
	w := csv.NewWriter(out)
	scopes := d.Subdistricts
	if d.District != nil {
		scopes = append([]Scope{*d.District}, scopes...)
	}
	for _, tb := range []struct {
		name  string
		cols  []Column
		rows  []rowLabel
		table func(Scope) Table
	}{
		{"（一）", CentreColumns, centreRows, func(s Scope) Table { return s.Centres }},
		{"（二）", SchoolColumns, schoolRows, func(s Scope) Table { return s.Schools }},
	} {
		head := []string{"日期 day", "表 table", "街镇 subdistrict", "街镇编号 subdistrict id", "项目 row"}
		for _, c := range tb.cols {
			head = append(head, c.ZH+" "+c.Key)
		}
		if err := w.Write(head); err != nil {
			return err
		}
		for _, s := range scopes {
			for _, rl := range tb.rows {
				line := []string{d.Day, tb.name, s.NameZH, s.Subdistrict, rl.zh + " " + rl.key}
				for _, c := range tb.cols {
					line = append(line, strconv.Itoa(tb.table(s).row(rl.key)[c.Key]))
				}
				if err := w.Write(line); err != nil {
					return err
				}
			}
		}
	}
	w.Flush()
	return w.Error()
}
