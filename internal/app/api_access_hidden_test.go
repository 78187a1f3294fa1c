package app_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestAccess_QueriesIgnoreHiddenData asks, for every actor but the administrator, every filter
// and sort along every relation and back-relation path two hops deep from every collection,
// with every operator, of two servers that differ only in data the actor may not view: in
// the twin every field of every hidden record is changed, and a copy of each hidden record
// is added, linked where it can be to records the actor does see. Any answer that differs
// would be a filter, a sort or an error code reading hidden data.
func TestAccess_QueriesIgnoreHiddenData(t *testing.T) {
	base := newTwinProbe(t)
	for a := range accessActorCount {
		// Under CI the actors whose views differ most; inspector B mirrors inspector A, and
		// the environment bureau's staff and supervisor the fire brigade's staff.
		if a == actSuper || (!longProbes && (a == actInspB || a == actEnv || a == actEnvSup)) {
			continue
		}
		t.Run(a.String(), func(t *testing.T) {
			twin := newTwinProbe(t)
			hidden := hiddenRecords(t, twin, a)
			changed := perturbHidden(t, twin, a, hidden)
			if changed == 0 {
				t.Fatalf("%s: no hidden record was changed; the test would compare nothing", a)
			}
			queries := hiddenQueries(t, base, a, hidden)
			t.Logf("%s: %d queries", a, len(queries))
			statuses := map[int]int{}
			differ := 0
			for i, q := range queries {
				ra, rb := base.get(a, q, i), twin.get(a, q, i)
				statuses[ra.Status]++
				if ra.Status != rb.Status || !bytes.Equal(ra.Body, rb.Body) {
					if differ++; differ <= 60 {
						q, _ = url.QueryUnescape(q)
						t.Errorf("%s %s: %d, with hidden changes %d\n%s\n%s", a, q, ra.Status, rb.Status, ra.Body, rb.Body)
					}
				}
			}
			if differ > 10 {
				t.Errorf("%d more queries answered differently", differ-10)
			}
			t.Logf("%s: %d hidden records changed or copied, %d queries, statuses %v", a, changed, len(queries), statuses)
			if statuses[200] == 0 || statuses[400] == 0 {
				t.Errorf("statuses %v: the queries must include both answered and refused ones", statuses)
			}
		})
	}
}

// newTwinProbe is an access probe whose data is the same to the byte as every other's: the
// account each probe adds gets fixed dates.
func newTwinProbe(t *testing.T) *accessProbe {
	p := newAccessProbe(t)
	p.app.Settings().TrustedProxy.Headers = []string{probeClientHeader}
	_, err := p.app.DB().Update(schema.Users, dbx.Params{"created": "2018-01-01 00:00:00.000Z",
		"updated": "2018-01-01 00:00:00.000Z"}, dbx.HashExp{"id": accessEnvSupervisor}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// longProbes runs every query for every actor (make test-long).
var longProbes = os.Getenv("FIELDSYNC_LONG") != ""

// probeClientHeader carries the client address of each probe request. PocketBase slows down
// a client that gets many empty filtered lists in a row (up to half a second each, against
// timing attacks), which would make thousands of probes take hours; each probe comes from
// its own loopback address instead.
const probeClientHeader = "X-Probe-Client"

// get lists path as actor a, from the n-th loopback address, in process.
func (p *accessProbe) get(a accessActor, path string, n int) testkit.Response {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set(probeClientHeader, fmt.Sprintf("127.%d.%d.%d", n>>16&255, n>>8&255, n&255))
	if p.tokens[a] != "" {
		req.Header.Set("Authorization", p.tokens[a])
	}
	w := httptest.NewRecorder()
	p.srv.ServeHTTP(w, req)
	return testkit.Response{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

// probedCollections are the collections whose records the test reads and changes: every
// collection of fieldsync's schema and the staff accounts, not PocketBase's own.
func probedCollections(t *testing.T, p *accessProbe) []*core.Collection {
	all, err := p.app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	var out []*core.Collection
	for _, c := range all {
		if !c.System || c.Name == schema.Users {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *core.Collection) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// authOf returns actor a's record, nil for anonymous.
func authOf(t *testing.T, p *accessProbe, a accessActor) *core.Record {
	if a == actAnon {
		return nil
	}
	r, err := p.app.FindRecordById(schema.Users, accessAccounts[a])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hiddenRecords returns, per collection, the ids of the records a may not view.
func hiddenRecords(t *testing.T, p *accessProbe, a accessActor) map[string][]string {
	auth := authOf(t, p, a)
	out := map[string][]string{}
	for _, c := range probedCollections(t, p) {
		if c.IsView() {
			continue
		}
		records, err := p.app.FindAllRecords(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			ok, err := p.app.CanAccessRecord(r, &core.RequestInfo{Auth: auth, Method: "GET"}, c.ViewRule)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				out[c.Name] = append(out[c.Name], r.Id)
			}
		}
		slices.Sort(out[c.Name])
	}
	return out
}

// publishedBy returns, per table, the columns that a view anyone may list names in its query:
// a centre's name or whether it is voided is hidden in tutoring_centres but published through
// public_centres, so it is not hidden data.
func publishedBy(t *testing.T, p *accessProbe) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	all := probedCollections(t, p)
	for _, view := range all {
		if !view.IsView() || view.ListRule == nil {
			continue
		}
		for _, c := range all {
			if c.IsView() || !strings.Contains(view.ViewQuery, c.Name) {
				continue
			}
			if out[c.Name] == nil {
				out[c.Name] = map[string]bool{}
			}
			for _, f := range c.Fields {
				if strings.Contains(view.ViewQuery, f.GetName()) {
					out[c.Name][f.GetName()] = true
				}
			}
		}
	}
	return out
}

// perturbHidden changes every field a filter could read of every record hidden from a, and
// adds a hidden copy of each, straight in the tables, so no hook intervenes. It returns how
// many records it changed or added, and fails the test if what a may view has changed.
func perturbHidden(t *testing.T, p *accessProbe, a accessActor, hidden map[string][]string) int {
	published := publishedBy(t, p)
	n := 0
	for _, c := range probedCollections(t, p) {
		for _, id := range hidden[c.Name] {
			r, err := p.app.FindRecordById(c, id)
			if err != nil {
				t.Fatal(err)
			}
			set := dbx.Params{}
			for _, f := range c.Fields {
				if v, ok := perturbed(f, r, published[c.Name]); ok {
					set[f.GetName()] = v
				}
			}
			if len(set) > 0 {
				if _, err := p.app.DB().Update(c.Name, set, dbx.HashExp{"id": id}).Execute(); err != nil {
					t.Fatalf("change hidden %s/%s: %v", c.Name, id, err)
				}
				n++
			}
		}
		// A copy in a table that a public view reads would be a public row, not a hidden one.
		if len(hidden[c.Name]) > 0 && published[c.Name] == nil {
			n += addHiddenCopy(t, p, a, c, hidden[c.Name][0])
		}
	}
	after := hiddenRecords(t, p, a)
	for coll, ids := range hidden {
		if got := after[coll]; !slices.Equal(withoutCopies(got), ids) {
			t.Fatalf("changing hidden data changed what %s may view in %s: %v, then %v", a, coll, ids, got)
		}
	}
	return n
}

// copyPrefix starts the ids of the hidden copies.
const copyPrefix = "zzhiddencopy"

func withoutCopies(ids []string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return strings.HasPrefix(id, copyPrefix) })
}

// perturbed returns a new stored value for field f of r, unlike the old one, or false for
// fields that are not hidden data: ids, relations (which decide what a may view), files,
// hidden fields, and columns the public views publish.
func perturbed(f core.Field, r *core.Record, published map[string]bool) (any, bool) {
	name := f.GetName()
	if name == core.FieldNameId || f.GetHidden() || published[name] {
		return nil, false
	}
	switch f := f.(type) {
	case *core.TextField, *core.EditorField, *core.URLField:
		return "Ω" + strings.Repeat("改", 3) + r.Id, true
	case *core.EmailField:
		return "changed-" + r.Id + "@hidden.test", true
	case *core.NumberField:
		return r.GetFloat(name) + 1000, true
	case *core.BoolField:
		return !r.GetBool(name), true
	case *core.DateField, *core.AutodateField:
		return "1999-12-31 23:59:59.000Z", true
	case *core.SelectField:
		for _, v := range f.Values {
			if !slices.Contains(r.GetStringSlice(name), v) {
				if f.IsMultiple() {
					return types.JSONArray[string]{v}, true
				}
				return v, true
			}
		}
	case *core.JSONField:
		return `{"changed":"Ω改"}`, true
	case *core.GeoPointField:
		return `{"lon":1.5,"lat":-2.5}`, true
	}
	return nil, false
}

// addHiddenCopy stores a copy of hidden record id whose single relations point, where the
// copy stays hidden, to records a may view: the rows a back-relation from a visible record
// would meet. It returns 1 if the copy is stored.
func addHiddenCopy(t *testing.T, p *accessProbe, a accessActor, c *core.Collection, id string) int {
	if c.IsView() || c.IsAuth() {
		return 0
	}
	r, err := p.app.FindRecordById(c, id)
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.DBExport(p.app)
	if err != nil {
		t.Fatal(err)
	}
	copyID := copyPrefix + "001"
	row[core.FieldNameId] = copyID
	for _, f := range c.Fields { // keeps unique codes, serials and hashes unique
		switch f.(type) {
		case *core.TextField, *core.EmailField:
			if f.GetName() != core.FieldNameId {
				row[f.GetName()] = fmt.Sprint(row[f.GetName()], "-copy")
			}
		}
	}
	if _, err := p.app.DB().Insert(c.Name, dbx.Params(row)).Execute(); err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return 0 // one per related record, such as a report's contact: the change suffices
		}
		t.Fatalf("copy hidden %s/%s: %v", c.Name, id, err)
	}
	auth := authOf(t, p, a)
	set := func(field string, v any) {
		if _, err := p.app.DB().Update(c.Name, dbx.Params{field: v}, dbx.HashExp{"id": copyID}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	hidden := func() bool {
		cp, err := p.app.FindRecordById(c, copyID)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := p.app.CanAccessRecord(cp, &core.RequestInfo{Auth: auth, Method: "GET"}, c.ViewRule)
		if err != nil {
			t.Fatal(err)
		}
		return !ok
	}
	for _, f := range c.Fields {
		rel, ok := f.(*core.RelationField)
		if !ok || rel.IsMultiple() {
			continue
		}
		for _, target := range visibleIDs(t, p, a, rel.CollectionId) {
			set(f.GetName(), target)
			if hidden() {
				break
			}
			set(f.GetName(), row[f.GetName()])
		}
	}
	if !hidden() {
		if _, err := p.app.DB().Delete(c.Name, dbx.HashExp{"id": copyID}).Execute(); err != nil {
			t.Fatal(err)
		}
		return 0
	}
	return 1
}

// visibleIDs returns the ids of the records of collection coll that a may view.
func visibleIDs(t *testing.T, p *accessProbe, a accessActor, coll string) []string {
	c, err := p.app.FindCachedCollectionByNameOrId(coll)
	if err != nil {
		t.Fatal(err)
	}
	records, err := p.app.FindAllRecords(c)
	if err != nil {
		t.Fatal(err)
	}
	auth := authOf(t, p, a)
	var out []string
	for _, r := range records {
		if ok, _ := p.app.CanAccessRecord(r, &core.RequestInfo{Auth: auth, Method: "GET"}, c.ViewRule); ok {
			out = append(out, r.Id)
		}
	}
	return out
}

// queryOps are every comparison operator of PocketBase's filter syntax.
var queryOps = []string{"=", "!=", "~", "!~", "<", "<=", ">", ">=", "?=", "?!=", "?~", "?!~", "?<", "?<=", "?>", "?>="}

// relationHop is one step along a path: a relation field, or a back-relation, and where it
// leads.
type relationHop struct {
	name     string
	target   *core.Collection
	multiple bool
}

func relationHops(t *testing.T, p *accessProbe, c *core.Collection, all []*core.Collection) []relationHop {
	var hops []relationHop
	for _, f := range c.Fields {
		if rel, ok := f.(*core.RelationField); ok {
			target, err := p.app.FindCachedCollectionByNameOrId(rel.CollectionId)
			if err != nil {
				t.Fatal(err)
			}
			hops = append(hops, relationHop{f.GetName(), target, rel.IsMultiple()})
		}
	}
	for _, from := range all {
		for _, f := range from.Fields {
			if rel, ok := f.(*core.RelationField); ok && rel.CollectionId == c.Id {
				hops = append(hops, relationHop{from.Name + "_via_" + f.GetName(), from, true})
			}
		}
	}
	return hops
}

// leafFields are the fields a path ends in on c: the id, and the first field whose hidden
// values the twin changes.
func leafFields(c *core.Collection) []string {
	leaves := []string{core.FieldNameId}
	for _, f := range c.Fields {
		switch f.(type) {
		case *core.TextField, *core.EditorField, *core.NumberField, *core.BoolField, *core.DateField, *core.SelectField:
			if !f.GetHidden() && f.GetName() != core.FieldNameId {
				return append(leaves, f.GetName())
			}
		}
	}
	return leaves
}

// hiddenQueries are the list requests the test compares: for each collection, every path of
// one or two hops ending in a leaf field, filtered with every operator against a value a
// hidden record holds, sorted both ways, through a function, through @collection, and from
// the caller's own record. Under CI a path through a multi-valued hop is asked with two of
// the operators, in turn, and sorted one way, and a path through single relations without
// the "?" operators; FIELDSYNC_LONG=1 asks everything.
func hiddenQueries(t *testing.T, p *accessProbe, a accessActor, hidden map[string][]string) []string {
	all := probedCollections(t, p)
	var queries []string
	add := func(coll string, q url.Values) {
		q.Set("perPage", "500")
		queries = append(queries, accessPath(coll, "", q))
	}
	k := 0 // turns through the operators of thinned paths
	for _, c := range all {
		add(c.Name, url.Values{})
		for _, path := range relationPaths(t, p, c, all) {
			for _, leaf := range leafFields(path.target) {
				field := path.name + "." + leaf
				value := hiddenValue(t, p, path.target, leaf, hidden[path.target.Name])
				ops, sorts := queryOps, []string{field, "-" + field}
				switch {
				case longProbes:
				case path.multiple:
					k++
					ops, sorts = []string{queryOps[k%8], queryOps[8+k%8]}, sorts[k%2:k%2+1]
				default: // through single relations "?=" means "="
					ops = queryOps[:8]
				}
				for _, op := range ops {
					add(c.Name, url.Values{"filter": {fmt.Sprintf("%s %s %s", field, op, value)}})
				}
				for _, sort := range sorts {
					add(c.Name, url.Values{"sort": {sort}})
				}
				add(c.Name, url.Values{"filter": {fmt.Sprintf("strftime('%%Y', %s) = '1999'", field)}})
				add(c.Name, url.Values{"filter": {fmt.Sprintf("@collection.%s.%s ?= %s", path.target.Name, leaf, value)}})
			}
		}
	}
	users, err := p.app.FindCachedCollectionByNameOrId(schema.Users)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range relationPaths(t, p, users, all) {
		for _, leaf := range leafFields(path.target) {
			value := hiddenValue(t, p, path.target, leaf, hidden[path.target.Name])
			for _, op := range []string{"=", "!~", "?="} {
				add(schema.Subdistricts, url.Values{"filter": {fmt.Sprintf("@request.auth.%s.%s %s %s", path.name, leaf, op, value)}})
			}
		}
	}
	slices.Sort(queries)
	return slices.Compact(queries)
}

// relationPath is a path of one or two hops from a collection.
type relationPath struct {
	name     string
	target   *core.Collection
	multiple bool // some hop can lead to several records
}

// relationPaths returns every path of one or two hops from c, in a fixed order.
func relationPaths(t *testing.T, p *accessProbe, c *core.Collection, all []*core.Collection) []relationPath {
	var out []relationPath
	for _, h1 := range relationHops(t, p, c, all) {
		out = append(out, relationPath{h1.name, h1.target, h1.multiple})
		for _, h2 := range relationHops(t, p, h1.target, all) {
			out = append(out, relationPath{h1.name + "." + h2.name, h2.target, h1.multiple || h2.multiple})
		}
	}
	slices.SortFunc(out, func(a, b relationPath) int { return strings.Compare(a.name, b.name) })
	return out
}

// hiddenValue returns field of the first hidden record of c as a filter literal, so a leak
// would change the answer; "”" when c hides nothing from the actor.
func hiddenValue(t *testing.T, p *accessProbe, c *core.Collection, field string, hiddenIDs []string) string {
	if len(hiddenIDs) == 0 || c.IsView() {
		return "''"
	}
	r, err := p.app.FindRecordById(c, hiddenIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	v := r.GetString(field)
	if _, isText := c.Fields.GetByName(field).(*core.TextField); isText && len([]rune(v)) > 2 {
		v = string([]rune(v)[:len([]rune(v))/2]) + "%" // a prefix, as an attack extracts text letter by letter
	}
	return "'" + strings.ReplaceAll(v, "'", "\\'") + "'"
}
