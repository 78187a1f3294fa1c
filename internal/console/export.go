package console

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/table"
)

// ExportPath is the route that lays out a list the console read as a file:
// POST /api/fs/console/lists.csv or lists.xlsx with {name, title, columns, rows}.
//
// The console reads a list through REST with the user's own token and filter, page by page,
// and sends the rows it read here to be written as CSV or XLSX by internal/table. The server
// reads nothing for it: the file holds exactly the rows the list showed, and filtering a
// second time on the server would be a second implementation of REST's filter that could
// disagree with the list on screen.
const ExportPath = "/api/fs/console/lists"

// The bounds of an export: a subdistrict's findings of several years fit easily.
const (
	maxExportRows    = 50000
	maxExportColumns = 40
)

var (
	errExportInvalid = fault.New(fault.Invalid, "export_invalid",
		fmt.Sprintf("导出内容无效：须有名称（小写字母、数字、连字符）、至多 %d 列、至多 %d 行，单元格为文字或数字", maxExportColumns, maxExportRows),
		fmt.Sprintf("invalid export: a name (lowercase letters, digits, hyphens), at most %d columns and %d rows, cells of text or numbers", maxExportColumns, maxExportRows))
	exportName = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)
)

// exportRequest is a list as the console read it.
type exportRequest struct {
	Name    string         `json:"name"`
	Title   string         `json:"title"`
	Columns []table.Column `json:"columns"`
	Rows    [][]any        `json:"rows"`
}

// registerExport binds the route for signed-in staff and district administrators: the only
// accounts the users collection and PocketBase's superusers hold.
func registerExport(se *core.ServeEvent) {
	auth := apis.RequireAuth(core.CollectionNameSuperusers, "users")
	se.Router.POST(ExportPath+".csv", func(e *core.RequestEvent) error { return handleExport(e, table.CSV) }).Bind(auth)
	se.Router.POST(ExportPath+".xlsx", func(e *core.RequestEvent) error { return handleExport(e, table.XLSX) }).Bind(auth)
}

func handleExport(e *core.RequestEvent, format string) error {
	var req exportRequest
	t, ok := (*table.Table)(nil), false
	if json.NewDecoder(e.Request.Body).Decode(&req) == nil {
		t, ok = req.table()
	}
	if !ok {
		return e.JSON(errExportInvalid.Status(), errExportInvalid.Body())
	}
	return table.Serve(e, t, format)
}

// table checks the request's shape (false: it is no table) and turns whole numbers back into
// integers, which JSON decoding made floats, so that a count reads 12 and not 12.0 in the file.
func (r exportRequest) table() (*table.Table, bool) {
	if !exportName.MatchString(r.Name) || len(r.Columns) == 0 || len(r.Columns) > maxExportColumns || len(r.Rows) > maxExportRows {
		return nil, false
	}
	for _, row := range r.Rows {
		if len(row) > len(r.Columns) {
			return nil, false
		}
		for i, v := range row {
			switch v := v.(type) {
			case nil, string:
			case float64:
				if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
					row[i] = int64(v)
				}
			default:
				return nil, false
			}
		}
	}
	return &table.Table{Name: r.Name, Title: r.Title, Columns: r.Columns, Rows: r.Rows}, true
}
