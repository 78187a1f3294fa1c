package reports

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// The services: one per report category.

type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	Code        string   `json:"service_code" xml:"service_code"`
	Name        string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

func (l o311Services) list() any { return l.Services }

// english reports whether the client asked for English (Accept-Language); Chinese otherwise.
func english(e *core.RequestEvent) bool {
	return strings.HasPrefix(strings.ToLower(e.Request.Header.Get("Accept-Language")), "en")
}

func pick(e *core.RequestEvent, t vocab.Term) string {
	if english(e) {
		return t.EN
	}
	return t.ZH
}

var groups = map[string]vocab.Term{
	"tutoring": {ZH: "校外培训", EN: "Tutoring centres"}, "fire": {ZH: "消防安全", EN: "Fire safety"},
	"dust": {ZH: "扬尘污染", EN: "Dust"},
}

func (s *Service) serviceList(e *core.RequestEvent) o311Services {
	out := o311Services{Services: []o311Service{}}
	for _, t := range vocab.ReportCategory.Terms {
		g, _, _ := strings.Cut(t.Value, ".")
		out.Services = append(out.Services, o311Service{Code: t.Value, Name: pick(e, t),
			Description: t.ZH + " / " + t.EN, Metadata: true, Type: "realtime",
			Keywords: strings.ReplaceAll(t.Value, ".", ","), Group: pick(e, groups[g])})
	}
	return out
}

// A service's definition: the attributes of a request beyond the standard's fields.

type o311Value struct {
	XMLName xml.Name `json:"-" xml:"value"`
	Key     string   `json:"key" xml:"key"`
	Name    string   `json:"name" xml:"name"`
}

type o311Attribute struct {
	XMLName             xml.Name    `json:"-" xml:"attribute"`
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []o311Value `json:"values,omitempty" xml:"values>value,omitempty"`
}

type o311Definition struct {
	XMLName    xml.Name        `json:"-" xml:"service_definition"`
	Code       string          `json:"service_code" xml:"service_code"`
	Attributes []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

func (s *Service) definition(e *core.RequestEvent, code string) (o311Definition, error) {
	sds, err := e.App.FindAllRecords(schema.Subdistricts)
	if err != nil {
		return o311Definition{}, err
	}
	values := make([]o311Value, 0, len(sds))
	for _, sd := range sds {
		values = append(values, o311Value{Key: sd.GetString("code"), Name: pick(e, vocab.Term{ZH: sd.GetString("name_zh"), EN: sd.GetString("name_en")})})
	}
	return o311Definition{Code: code, Attributes: []o311Attribute{
		{Variable: true, Code: "place", Datatype: "string", Order: 1,
			DatatypeDescription: "a public place's id: a tutoring centre's premises as public_centres lists it, or a construction site (also accepted as address_id)",
			Description:         pick(e, vocab.Term{ZH: "登记的场所", EN: "The registered place"})},
		{Variable: true, Code: "centre", Datatype: "string", Order: 2,
			DatatypeDescription: "the id on a tutoring centre's QR code, as public_centres lists it",
			Description:         pick(e, vocab.Term{ZH: "培训机构（扫描机构二维码获得）", EN: "The tutoring centre (from its QR code)"})},
		{Variable: true, Code: "subdistrict", Datatype: "singlevaluelist", Order: 3,
			DatatypeDescription: "needed when neither a place nor a point near a registered place is given",
			Description:         pick(e, vocab.Term{ZH: "所在街镇", EN: "Subdistrict or town"}), Values: values},
		{Variable: true, Code: "idempotency_key", Datatype: "string", Order: 4,
			DatatypeDescription: "16-128 letters, digits, _ or -; a retry with the same key creates nothing new",
			Description:         pick(e, vocab.Term{ZH: "防重复提交键", EN: "Idempotency key"})},
	}}, nil
}

func (s *Service) o311Definition(e *core.RequestEvent) error {
	code, format, ok := split(e.Request.PathValue("file"))
	if !ok {
		return o311Fail(e, "json", http.StatusNotFound, "unknown format: use .json or .xml")
	}
	if err := s.checkJurisdiction(e, format, e.Request.URL.Query().Get); err != nil || e.Written() {
		return err
	}
	if !vocab.ReportCategory.Has(code) {
		return o311Fail(e, format, http.StatusNotFound, "service_code not found: "+code)
	}
	def, err := s.definition(e, code)
	if err != nil {
		return o311Fail(e, format, http.StatusInternalServerError, "internal server error")
	}
	return o311Write(e, format, http.StatusOK, def)
}

// discovery describes the endpoint (the Open311 service discovery format).
type o311Discovery struct {
	XMLName   xml.Name       `json:"-" xml:"discovery"`
	Changeset string         `json:"changeset" xml:"changeset"`
	Contact   string         `json:"contact" xml:"contact"`
	KeyURL    string         `json:"key_service" xml:"key_service"`
	Endpoints []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type o311Endpoint struct {
	XMLName       xml.Name `json:"-" xml:"endpoint"`
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

func (s *Service) discovery(e *core.RequestEvent) o311Discovery {
	base := "https://" + e.Request.Host + open311Prefix
	if e.Request.TLS == nil {
		base = "http://" + e.Request.Host + open311Prefix
	}
	return o311Discovery{Changeset: "2026-11-27T00:00:00+08:00", Contact: "海淀区各街镇 / Haidian District subdistricts",
		KeyURL: "district administrators issue keys (POST /api/fs/open311/keys)",
		Endpoints: []o311Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: base,
			Changeset: "2026-11-27T00:00:00+08:00", Type: "production", Formats: []string{"application/json", "text/xml"}}}}
}
