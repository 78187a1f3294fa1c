package tutoring

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/visible"
	"github.com/haidian/fieldsync/internal/vocab"
)

// handleQRSheet answers an XLSX workbook of the live centres of one subdistrict, a row each
// with its published facts and its QR code, for the subdistrict to print and post at the
// centres' doors. The callers of the daily reports may ask for the subdistricts they see. The
// centres are read, with the caller's rules (internal/visible), from public_centres: the sheet
// prints only what that published view shows anyone.
func handleQRSheet(e *core.RequestEvent) error {
	v, ok := viewerOf(e.Auth, "edu")
	if !ok {
		return writeError(e, errNotAllowed)
	}
	sd := e.Request.URL.Query().Get("subdistrict")
	if sd == "" || !v.sees(sd) {
		return writeError(e, errBadSubdistrict)
	}
	if _, err := publicurl.Base(e.App); err != nil {
		return writeError(e, err) // a sheet of dead codes must not be printed
	}
	rd, err := visible.For(e)
	if err != nil {
		return writeError(e, err)
	}
	centres, err := rd.FindAll(schema.PublicCentres, dbx.HashExp{schema.FieldSubdistrict: sd})
	if err != nil {
		return writeError(e, fmt.Errorf("qr sheet: %w", err))
	}
	slices.SortFunc(centres, func(a, b *core.Record) int {
		return cmp.Or(cmp.Compare(a.GetString("name"), b.GetString("name")), cmp.Compare(a.Id, b.Id))
	})
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

func fillQRSheet(e *core.RequestEvent, f *excelize.File, centres []*core.Record) error {
	const sheet = "机构二维码"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	w := sheetWriter{f: f, sheet: sheet}
	for c, h := range []string{"机构名称 name", "地址 address", "办学资质 qualification", "名单 list", "状态 status", "机构页面 page", "二维码 QR code"} {
		w.set(1, c, h)
	}
	for i, c := range centres {
		row := i + 2
		name := c.GetString("name")
		w.set(row, 0, name)
		w.set(row, 1, c.GetString("address"))
		w.set(row, 2, label(vocab.Qualification, c.GetString("qualification")).ZH)
		w.set(row, 3, label(vocab.ListStatus, c.GetString("list_status")).ZH)
		w.set(row, 4, label(vocab.CentreStatus, c.GetString(schema.FieldStatus)).ZH)
		page, err := publicurl.Centre(e.App, c.Id)
		if err != nil {
			return err
		}
		w.set(row, 5, page)
		if w.err != nil {
			return w.err
		}
		png, err := qrPNG(e.App, c.Id, 160)
		if err != nil {
			return err
		}
		if err := f.SetRowHeight(sheet, row, 124); err != nil {
			return err
		}
		if err := f.AddPictureFromBytes(sheet, "G"+strconv.Itoa(row), &excelize.Picture{
			Extension: ".png", File: png, Format: &excelize.GraphicOptions{AltText: name, OffsetX: 4, OffsetY: 4},
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
