package tutoring_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestLookup_PublicFacts: anyone reads a centre's licence, list and filed classes without
// signing in, and nothing personal: not the representative's name or phone.
func TestLookup_PublicFacts(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	centre := testkit.Side("centre", "a")
	res := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+centre, "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	body := string(res.Body)
	for _, want := range []string{`"licensed":true`, `"licence_no":"教民111010a"`, `"white"`, `"少儿美术"`, `"万寿路街道"`} {
		if !strings.Contains(body, want) {
			t.Errorf("lookup lacks %s: %s", want, body)
		}
	}
	for _, personal := range []string{"张法人", "13900000000", "legal_rep", "principal", `"author"`, "inspector"} {
		if strings.Contains(body, personal) {
			t.Errorf("lookup shows %q: %s", personal, body)
		}
	}
	// The QR codes name the centre's page on the public address (internal/publicurl).
	srv.App.Settings().Meta.AppURL = "https://jiandu.haidian.example"
	if err := srv.App.Save(srv.App.Settings()); err != nil {
		t.Fatal(err)
	}
	qr := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+centre+"/qr.png", "", nil)
	if qr.Status != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	if img, err := png.Decode(bytes.NewReader(qr.Body)); err != nil || img.Bounds().Dx() < 256 {
		t.Errorf("qr image: %v", err)
	}

	// The subdistrict's sheet of QR codes, to print: one row and one picture per centre.
	sheet := srv.Do(http.MethodGet, "/api/fs/tutoring/qr-sheet.xlsx?subdistrict="+testkit.SubdistrictA, srv.Token("users", testkit.SupervisorA), nil)
	book, err := excelize.OpenReader(bytes.NewReader(sheet.Body))
	if err != nil {
		t.Fatalf("qr sheet: %d %v", sheet.Status, err)
	}
	if name, _ := book.GetCellValue("机构二维码", "A2"); name != "学而思测试校区 a" {
		t.Errorf("qr sheet A2 = %q", name)
	}
	if page, _ := book.GetCellValue("机构二维码", "F2"); page != "https://jiandu.haidian.example/c/"+centre {
		t.Errorf("qr sheet F2 = %q", page)
	}
	if pics, err := book.GetPictures("机构二维码", "G2"); err != nil || len(pics) != 1 {
		t.Errorf("qr sheet G2: %d pictures, %v", len(pics), err)
	}
	book.Close()
	if res := srv.Do(http.MethodGet, "/api/fs/tutoring/qr-sheet.xlsx?subdistrict="+testkit.SubdistrictB, srv.Token("users", testkit.SupervisorA), nil); res.Status != http.StatusBadRequest {
		t.Errorf("qr sheet of B for A's supervisor: %d", res.Status)
	}

	// A voided centre, like an unknown one, is not found.
	c, _ := srv.App.FindRecordById(schema.Centres, centre)
	c.Set("voided", true)
	access.AsSystem(c)
	if err := srv.App.Save(c); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{centre, centre + "/qr.png", "nosuchcentre000"} {
		if res := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+path, "", nil); res.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, res.Status)
		}
	}
	// Nor is it on the published lists any more, with its classes.
	for _, view := range []string{schema.PublicCentres, schema.PublicCentreClasses} {
		res := srv.Do(http.MethodGet, "/api/collections/"+view+"/records", "", nil)
		if res.Status != http.StatusOK || strings.Contains(string(res.Body), centre) {
			t.Errorf("%s lists the voided centre: %s", view, res.Body)
		}
	}
}
