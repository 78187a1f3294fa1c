package tutoring

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/vocab"
)

// sheetCentre is a centre as the QR sheet lists it.
type sheetCentre struct {
	ID            string `db:"id"`
	Name          string `db:"name"`
	Address       string `db:"address"`
	Qualification string `db:"qualification"`
	List          string `db:"list_status"`
	Status        string `db:"status"`
}

// handleQRSheet answers an XLSX workbook of the live centres of one subdistrict, a row each
// with its published facts and its QR code, for the subdistrict to print and post at the
// centres' doors. The callers of the daily reports may ask for the subdistricts they see.
func handleQRSheet(e *core.RequestEvent) error {
	v, ok := viewerOf(e.Auth, "edu")
	if !ok {
		return writeError(e, errNotAllowed)
	}
	sd := e.Request.URL.Query().Get("subdistrict")
	if sd == "" || !v.sees(sd) {
		return writeError(e, errBadSubdistrict)
	}
	var centres []sheetCentre
	err := e.App.DB().NewQuery(`SELECT c.id, p.name, p.address, c.qualification, c.list_status, c.status
		FROM tutoring_centres c JOIN places p ON p.id = c.place
		WHERE c.subdistrict = {:sd} AND c.voided = FALSE AND p.voided = FALSE ORDER BY p.name, c.id`).
		Bind(dbx.Params{"sd": sd}).All(&centres)
	if err != nil {
		return writeError(e, fmt.Errorf("qr sheet: %w", err))
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := fillQRSheet(e, f, centres); err != nil {
		return writeError(e, err)
	}
	h := e.Response.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="centre-qr-codes.xlsx"`)
	e.Response.WriteHeader(http.StatusOK)
	return f.Write(e.Response)
}

func fillQRSheet(e *core.RequestEvent, f *excelize.File, centres []sheetCentre) error {
	const sheet = "机构二维码"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	w := sheetWriter{f: f, sheet: sheet}
	for c, h := range []string{"机构名称 name", "地址 address", "办学资质 qualification", "名单 list", "状态 status", "查询地址 lookup", "二维码 QR code"} {
		w.set(1, c, h)
	}
	for i, c := range centres {
		row := i + 2
		w.set(row, 0, c.Name)
		w.set(row, 1, c.Address)
		w.set(row, 2, label(vocab.Qualification, c.Qualification).ZH)
		w.set(row, 3, label(vocab.ListStatus, c.List).ZH)
		w.set(row, 4, label(vocab.CentreStatus, c.Status).ZH)
		w.set(row, 5, lookupURL(e, c.ID))
		if w.err != nil {
			return w.err
		}
		png, err := qrPNG(e, c.ID, 160)
		if err != nil {
			return err
		}
		if err := f.SetRowHeight(sheet, row, 124); err != nil {
			return err
		}
		if err := f.AddPictureFromBytes(sheet, "G"+strconv.Itoa(row), &excelize.Picture{
			Extension: ".png", File: png, Format: &excelize.GraphicOptions{AltText: c.Name, OffsetX: 4, OffsetY: 4},
		}); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(sheet, "A", "B", 32); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "C", "F", 18); err != nil {
		return err
	}
	return f.SetColWidth(sheet, "G", "G", 24)
}
