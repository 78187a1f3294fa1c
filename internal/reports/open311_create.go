package reports

import (
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Creating a request.

type o311Created struct {
	XMLName       xml.Name `json:"-" xml:"request"`
	ID            string   `json:"service_request_id" xml:"service_request_id"`
	Token         string   `json:"token" xml:"token"`
	ServiceNotice string   `json:"service_notice" xml:"service_notice"`
	AccountID     string   `json:"account_id" xml:"account_id"`
	// Receipt is this server's extension: the reporter's key to follow the request
	// (GET /api/fs/reports/{id} with X-Report-Receipt). Give it to the reporter only.
	Receipt string `json:"receipt" xml:"receipt"`
}

type o311CreatedList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Created `xml:"request"`
}

func (l o311CreatedList) list() any { return l.Requests }

func (s *Service) o311Create(e *core.RequestEvent) error {
	name, format, ok := split(e.Request.PathValue("file"))
	if !ok || name != "requests" {
		return o311Fail(e, format, http.StatusNotFound, "unknown endpoint: POST requests.json or requests.xml")
	}
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, maxBody)
	if err := e.Request.ParseForm(); err != nil {
		return o311Fail(e, format, http.StatusBadRequest, "the body must be application/x-www-form-urlencoded")
	}
	f := e.Request.PostForm.Get
	if err := s.checkJurisdiction(e, format, f); err != nil || e.Written() {
		return err
	}
	ip := e.RealIP()
	if s.checkFailures(ip) != nil {
		return o311Fail(e, format, http.StatusTooManyRequests, "too many failed api_key checks; try again later")
	}
	client, err := e.App.FindFirstRecordByFilter(schema.Open311Keys, "key_hash = {:h} && active = true", dbx.Params{"h": hashHex(f("api_key"))})
	if f("api_key") == "" || err != nil {
		s.recordFailure(ip)
		return o311Fail(e, format, http.StatusForbidden, "api_key is missing or not valid")
	}
	d, problem := s.draftFromForm(e, f)
	if problem != "" {
		return o311Fail(e, format, http.StatusBadRequest, problem)
	}
	charges := []charge{{"o311:" + client.Id, s.cfg.Limits.Client}}
	if d.Device != "" {
		charges = append(charges, charge{"report:dev:" + d.Device, s.cfg.Limits.Device})
	}
	out, err := s.submit(d, charges)
	if err != nil {
		return o311Fail(e, format, o311Status(err), o311Describe(err))
	}
	res := o311Created{ID: out.Tracking, Token: out.report.Id, Receipt: out.Receipt,
		ServiceNotice: pick(e, vocab.Term{ZH: "已受理，请保存回执以查看进度", EN: "Received; keep the receipt to follow the request"})}
	status := http.StatusCreated
	if out.repeated {
		status = http.StatusOK
	}
	return o311Write(e, format, status, o311CreatedList{Requests: []o311Created{res}})
}

// draftFromForm reads a POST requests body into a draft, or says what is wrong.
func (s *Service) draftFromForm(e *core.RequestEvent, f func(string) string) (Draft, string) {
	d := Draft{Category: f("service_code"), Description: f("description"), Address: f("address_string"),
		Place: f("address_id"), Device: f("device_id"), Key: f("attribute[idempotency_key]"), source: "open311"}
	if d.Key == "" {
		d.Key = e.Request.Header.Get("Idempotency-Key")
	}
	if d.Category == "" {
		return d, "service_code is required"
	}
	if !vocab.ReportCategory.Has(d.Category) {
		return d, "service_code not found: " + d.Category
	}
	if p := f("attribute[place]"); p != "" {
		d.Place = p
	}
	d.Centre = f("attribute[centre]")
	if code := f("attribute[subdistrict]"); code != "" {
		sd, err := e.App.FindFirstRecordByFilter(schema.Subdistricts, "code = {:c}", dbx.Params{"c": code})
		if err != nil {
			return d, "attribute[subdistrict] is not a subdistrict code"
		}
		d.Subdistrict = sd.Id
	}
	lat, long := f("lat"), f("long")
	if lat != "" || long != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) {
			return d, "lat and long must both be decimal degrees (WGS84)"
		}
		d.Location = &Point{Lon: lo, Lat: la}
	}
	if d.Location == nil && d.Address == "" && d.Place == "" && d.Centre == "" {
		return d, "a location is required: lat and long, address_string or address_id"
	}
	if d.Description == "" {
		return d, "description is required"
	}
	if first, last, phone, email := f("first_name"), f("last_name"), f("phone"), f("email"); first+last+phone+email != "" {
		d.Contact = &Contact{Name: strings.TrimSpace(last + first), Phone: phone, Email: email}
	}
	if m := f("media_url"); m != "" {
		id, ok := photoOfURL(m)
		if !ok {
			return d, "media_url must name a photo uploaded to this server (/api/fs/photos/{id})"
		}
		d.Photos = []string{id}
	}
	return d, ""
}

// photoOfURL returns the photo id of a URL of this server's photos.
func photoOfURL(u string) (string, bool) {
	i := strings.Index(u, "/api/fs/photos/")
	if i < 0 {
		return "", false
	}
	id, _, _ := strings.Cut(u[i+len("/api/fs/photos/"):], "/")
	return id, len(id) == 15
}

func o311Status(err error) int {
	var re *rateError
	if asRate(err, &re) {
		return http.StatusTooManyRequests
	}
	if fe, ok := faultOf(err); ok {
		return fe.Status()
	}
	return http.StatusInternalServerError
}

// o311Describe is an error's description: its message and, for a refused report, which fields.
func o311Describe(err error) string {
	fe, ok := faultOf(err)
	if !ok {
		return "internal server error"
	}
	msg := fe.Message()
	if len(fe.Fields) > 0 {
		var fs []string
		for field, code := range fe.Fields {
			fs = append(fs, fmt.Sprintf("%s: %s", field, code))
		}
		msg += " (" + strings.Join(sortStrings(fs), ", ") + ")"
	}
	return msg
}
