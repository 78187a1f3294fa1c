package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
)

// The quarterly list of construction sites each subdistrict sends the environment bureau
// (gazette line 3739: "…和各街镇，每季度向区环保局报送施工工地名单"; internal/dust/sitelist.go). A list
// is what the subdistrict sent, as sent: the sites are copied in (names, addresses, permits,
// builders; no personal data), so a later edit of a site does not change a list already sent.
// The subdistrict's staff and the environment bureau read the lists; only the route writes them,
// for a supervisor of the subdistrict.
func siteListSpec() spec {
	read := a.ScopedRead(a.AgencyCodeIs("env"))
	return spec{name: s.SiteLists, unique: [][]string{{"subdistrict", "quarter"}},
		rules: a.Rules{List: read, View: read},
		fields: []core.Field{
			rel("subdistrict", s.Subdistricts, true),
			pattern("quarter", true, 7, `^20[0-9]{2}-Q[1-4]$`),
			jsonField("sites", 2<<20),
			count("site_count"),
			rel("submitted_by", s.Users, false),
			date("submitted_at", false),
		}}
}

func init() {
	m.Register(func(app core.App) error {
		return createAll(app, []spec{siteListSpec()}, nil)
	}, func(app core.App) error {
		return deleteAll(app, []spec{siteListSpec()})
	})
}
