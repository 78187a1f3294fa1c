package reports

import (
	"encoding/xml"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
)

// Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) on the same reports, under
// /open311/v2/:
//
//	GET  services.{json,xml}                  the categories
//	GET  services/{service_code}.{json,xml}   a service's definition (its attributes)
//	POST requests.{json,xml}                  create a request (api_key required)
//	GET  requests.{json,xml}                  query requests
//	GET  requests/{service_request_id}.{json,xml}
//	GET  tokens/{token}.{json,xml}            the request id of a token
//	GET  discovery.{json,xml}                 where the endpoint is and what it speaks
//
// Errors are the standard's: [{"code":400,"description":"..."}], or <errors><error>.
// A request is public in Open311; here it shows the category, the status, an outcome note
// without names, the subdistrict, and the point rounded to about 100 m. Descriptions, photos
// and contact details are never published: parents fear retaliation, and a description often
// says who wrote it. A business's address (a tutoring centre, a construction site) is shown.
const open311Prefix = "/open311/v2"

func (s *Service) open311Routes(se *core.ServeEvent) {
	g := se.Router.Group(open311Prefix)
	g.GET("/{file}", s.o311Root)
	g.POST("/{file}", s.o311Create)
	g.GET("/services/{file}", s.o311Definition)
	g.GET("/requests/{file}", s.o311Request)
	g.GET("/tokens/{file}", s.o311Token)
}

// o311Error is one error of the standard's format.
type o311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

// split cuts "name.json" into name and format; the format must be json or xml.
func split(file string) (string, string, bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", "", false
	}
	name, format := file[:i], file[i+1:]
	return name, format, format == "json" || format == "xml"
}

// o311Write answers v as JSON, or as XML under root.
func o311Write(e *core.RequestEvent, format string, status int, v any) error {
	e.Response.Header().Set("Cache-Control", "no-store")
	if format == "xml" {
		data, err := xml.Marshal(v)
		if err != nil {
			return err
		}
		return e.Blob(status, "text/xml; charset=utf-8", append([]byte(xml.Header), data...))
	}
	if l, ok := v.(interface{ list() any }); ok {
		v = l.list()
	}
	return e.JSON(status, v)
}

func o311Fail(e *core.RequestEvent, format string, status int, description string) error {
	if format != "xml" {
		format = "json"
	}
	errs := o311Errors{Errors: []o311Error{{Code: status, Description: description}}}
	if format == "json" {
		return o311Write(e, format, status, errs.Errors)
	}
	return o311Write(e, format, status, errs)
}

// o311Internal answers a failure of the server, keeping its cause in the log.
func o311Internal(e *core.RequestEvent, format string, err error) error {
	e.App.Logger().Error("open311 request failed", "path", e.Request.URL.Path, "error", err)
	return o311Fail(e, format, http.StatusInternalServerError, "internal server error")
}

// checkJurisdiction: a jurisdiction_id, when given, must be this server's.
func (s *Service) checkJurisdiction(e *core.RequestEvent, format string, values func(string) string) error {
	if j := values("jurisdiction_id"); j != "" && j != s.cfg.Jurisdiction {
		return o311Fail(e, format, http.StatusNotFound, "jurisdiction_id not found: "+j)
	}
	return nil
}

func (s *Service) o311Root(e *core.RequestEvent) error {
	name, format, ok := split(e.Request.PathValue("file"))
	if !ok {
		return o311Fail(e, "json", http.StatusNotFound, "unknown endpoint or format: use .json or .xml")
	}
	if err := s.checkJurisdiction(e, format, e.Request.URL.Query().Get); err != nil || e.Written() {
		return err
	}
	switch name {
	case "services":
		return o311Write(e, format, http.StatusOK, s.serviceList(e))
	case "requests":
		return s.o311Query(e, format)
	case "discovery":
		return o311Write(e, format, http.StatusOK, s.discovery(e))
	}
	return o311Fail(e, format, http.StatusNotFound, "unknown endpoint: "+name)
}

func asRate(err error, dst **rateError) bool { return errors.As(err, dst) }

func faultOf(err error) (*fault.Error, bool) { return asFault(err) }

func sortStrings(ss []string) []string {
	slices.Sort(ss)
	return ss
}
