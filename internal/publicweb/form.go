package publicweb

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/tutoring"
	"github.com/haidian/fieldsync/internal/vocab"
)

// maxPhotos is how many photos the form takes (the API takes more; six is what a phone
// uploads on a weak connection in a minute).
const maxPhotos = 6

func randomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("publicweb: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// subdistrictTerms are the district's subdistricts, as choices in Chinese and English.
func subdistrictTerms(app core.App) ([]vocab.Term, error) {
	sds, err := app.FindAllRecords(schema.Subdistricts)
	if err != nil {
		return nil, err
	}
	subs := make([]vocab.Term, 0, len(sds))
	for _, sd := range sds {
		subs = append(subs, vocab.Term{Value: sd.Id, ZH: sd.GetString("name_zh"), EN: sd.GetString("name_en")})
	}
	return subs, nil
}

// formData is what the form shows: the choices, the privacy notice, and what was typed.
func (s *Site) formData(e *core.RequestEvent, v map[string]string) (map[string]any, error) {
	subs, err := subdistrictTerms(e.App)
	if err != nil {
		return nil, err
	}
	if v["key"] == "" {
		// Made once with the page: a double tap or a resend of this page is the same report.
		v["key"], v["device"] = "web-"+randomToken(), "web-"+randomToken()
	}
	data := map[string]any{"V": v, "Categories": vocab.ReportCategory.Terms, "Subdistricts": subs,
		"Privacy": reports.PrivacyNotice, "MaxPhotos": maxPhotos}
	if id := v["centre"]; id != "" {
		if l, err := tutoring.FindLookup(e.App, id); err == nil {
			data["Centre"] = l
		} else {
			v["centre"] = ""
		}
	}
	return data, nil
}

// handleForm shows the report form, with the centre filled in when it comes from its page.
func (s *Site) handleForm(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	data, err := s.formData(e, map[string]string{"centre": q.Get("centre"), "category": q.Get("category")})
	if err != nil {
		return s.errorPage(e, err)
	}
	return s.render(e, http.StatusOK, "form", data)
}

var formFields = []string{"key", "device", "category", "centre", "subdistrict", "address", "lat", "lon",
	"description", "name", "phone", "email"}

// handleSubmit sends the form to the reports module. A refusal shows the form again with a
// message beside each refused field, and nothing is stored.
func (s *Site) handleSubmit(e *core.RequestEvent) error {
	lang := langOf(e)
	if err := e.Request.ParseForm(); err != nil {
		return s.errorPage(e, fault.New(fault.Invalid, "form_invalid", "表单无效", "the form is invalid"))
	}
	v := map[string]string{}
	for _, f := range formFields {
		v[f] = strings.TrimSpace(e.Request.PostForm.Get(f))
	}
	photos := e.Request.PostForm["photo"]
	d, bad := draftOf(v, photos)
	var out *reports.Created
	if len(bad) == 0 {
		var err error
		if out, err = s.reports.Submit(d, e.RealIP()); err != nil {
			fe, ok := fault.As(err)
			if !ok || len(fe.Fields) == 0 {
				return s.errorPage(e, err)
			}
			bad = fe.Fields
		}
	}
	if len(bad) > 0 {
		data, err := s.formData(e, v)
		if err != nil {
			return s.errorPage(e, err)
		}
		data["Errors"] = fieldMessages(lang, bad)
		return s.render(e, http.StatusBadRequest, "form", data)
	}
	return s.done(e, out)
}

// draftOf reads the form into a draft; fields the form itself can tell are wrong come back
// as codes, as the reports module would name them.
func draftOf(v map[string]string, photos []string) (reports.Draft, map[string]string) {
	bad := map[string]string{}
	d := reports.Draft{Key: v["key"], Device: v["device"], Category: v["category"], Centre: v["centre"],
		Subdistrict: v["subdistrict"], Address: v["address"], Description: v["description"], Photos: photos}
	if len(photos) > maxPhotos {
		bad["photos"] = "too_many"
	}
	if v["lat"] != "" || v["lon"] != "" {
		lat, err1 := strconv.ParseFloat(v["lat"], 64)
		lon, err2 := strconv.ParseFloat(v["lon"], 64)
		if err1 != nil || err2 != nil {
			bad["location"] = "invalid"
		} else {
			d.Location = &reports.Point{Lat: lat, Lon: lon}
		}
	}
	if v["name"] != "" || v["phone"] != "" || v["email"] != "" {
		d.Contact = &reports.Contact{Name: v["name"], Phone: v["phone"], Email: v["email"]}
	}
	return d, bad
}

// done shows the tracking number, a new short code and the link that holds both.
func (s *Site) done(e *core.RequestEvent, out *reports.Created) error {
	r, err := e.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": out.Tracking})
	if err != nil {
		return s.errorPage(e, err)
	}
	code, err := sealReceipt(e.App, r.Id, out.Tracking, out.Receipt)
	if err != nil {
		return s.errorPage(e, err)
	}
	link := trackPath(out.Tracking, code)
	if base, err := publicurl.Base(e.App); err == nil {
		link = base + link
	}
	return s.render(e, http.StatusCreated, "done", map[string]any{
		"Tracking": out.Tracking, "Code": showCode(code), "Link": link, "Duplicate": out.DuplicateOf != ""})
}

func trackPath(tracking, code string) string { return "/t/" + tracking + "/" + showCode(code) }
