// Package table turns a figure into the files supervisors hand on: CSV that Excel opens in
// Chinese, and XLSX. Every figure route that offers a download builds a Table from the same
// rows it answers as JSON, so the file and the screen cannot disagree.
package table

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"
)

// Column is one column: its heading in Chinese and English.
type Column struct {
	ZH, EN string
}

// Table is a figure as rows of cells (strings, integers and floats).
type Table struct {
	// Name names the file and the sheet, e.g. "rectify-figures-fire".
	Name    string
	Title   string // the heading above the table in the XLSX file
	Columns []Column
	Rows    [][]any
}

// Formats a Table can be written in.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// WriteCSV writes t as UTF-8 CSV with a byte-order mark, which Excel needs to read Chinese,
// and headings "中文 English".
func (t *Table) WriteCSV() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.ZH + " " + c.EN
	}
	if err := w.Write(head); err != nil {
		return nil, err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = cell(v)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// WriteXLSX writes t as a workbook of one sheet: the title, the headings in Chinese and in
// English, then the rows with numbers as numbers.
func (t *Table) WriteXLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	set := func(col, row int, v any) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, ref, v)
	}
	if err := set(1, 1, t.Title); err != nil {
		return nil, err
	}
	for i, c := range t.Columns {
		if err := set(i+1, 2, c.ZH); err != nil {
			return nil, err
		}
		if err := set(i+1, 3, c.EN); err != nil {
			return nil, err
		}
	}
	for r, row := range t.Rows {
		for i, v := range row {
			if err := set(i+1, r+4, v); err != nil {
				return nil, err
			}
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	last, _ := excelize.CoordinatesToCellName(max(len(t.Columns), 1), 3)
	if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.4g", v)
	case string:
		// A text starting with =, +, -, @ (or a tab or return before one) runs as a formula
		// when a spreadsheet opens the CSV: a leading apostrophe keeps it text.
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	default:
		return fmt.Sprint(v)
	}
}

// Serve answers t as a download in format (CSV or XLSX).
func Serve(e *core.RequestEvent, t *Table, format string) error {
	var (
		body []byte
		err  error
		mime string
	)
	switch format {
	case CSV:
		body, err = t.WriteCSV()
		mime = "text/csv; charset=utf-8"
	case XLSX:
		body, err = t.WriteXLSX()
		mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return e.NotFoundError("", nil)
	}
	if err != nil {
		return e.InternalServerError("", err)
	}
	name := t.Name + "." + format
	e.Response.Header().Set("Content-Disposition",
		fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(name)))
	return e.Blob(http.StatusOK, mime, body)
}
