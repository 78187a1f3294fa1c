// Package visible reads records as the REST API shows them to the caller of a request. A
// record comes back only if its collection's view rule (one record) or list rule (many) lets
// the caller read it, and the fields REST would leave out of its answer (hidden fields,
// another user's e-mail, whatever an enrich hook hides) come back empty.
//
// The papers (the PDF, XLSX and CSV downloads) load every record they print through a Reader,
// so a paper never says more than REST would say to the same caller: a related record the
// caller may not view is left out, and a name they may not read is printed as Withheld.
package visible

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// Withheld stands on a paper in place of what its reader may not see, such as the name of a
// colleague whose user record REST answers 404 to.
const Withheld = "（不予显示）"

var (
	// ErrNotFound is a record that does not exist or that the caller may not view: REST
	// answers both with the same 404, so that a refusal never says a record exists.
	ErrNotFound = fault.New(fault.NotExist, "not_found", "记录不存在", "no such record")
	// ErrSuperusersOnly is a collection without a view rule, which REST answers with 403.
	ErrSuperusersOnly = fault.New(fault.Permission, "superusers_only",
		"只有区级管理员可以查看这些记录", "only district administrators may view these records")
)

// Reader reads records with the rules of one request's caller.
type Reader struct {
	e     *core.RequestEvent
	info  *core.RequestInfo
	names map[string]string // user id → the name as this caller may read it
	// subqueries counts the subqueries Listed built, to name their parameters apart.
	subqueries int
}

// For returns the Reader of the caller of e.
func For(e *core.RequestEvent) (*Reader, error) {
	info, err := e.RequestInfo()
	if err != nil {
		return nil, fmt.Errorf("request info: %w", err)
	}
	return &Reader{e: e, info: info, names: map[string]string{}}, nil
}

// Find returns the record id of coll if the caller may view it, and otherwise ErrNotFound or
// ErrSuperusersOnly, as REST would answer.
func (r *Reader) Find(coll, id string) (*core.Record, error) {
	c, err := r.e.App.FindCachedCollectionByNameOrId(coll)
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", coll, err)
	}
	if c.ViewRule == nil && !r.info.HasSuperuserAuth() {
		return nil, ErrSuperusersOnly
	}
	rec, err := r.e.App.FindRecordById(c, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find %s %s: %w", coll, id, err)
	}
	ok, err := r.e.App.CanAccessRecord(rec, r.info, c.ViewRule)
	if err != nil {
		return nil, fmt.Errorf("view rule of %s: %w", coll, err)
	}
	if !ok {
		return nil, ErrNotFound
	}
	return rec, r.strip([]*core.Record{rec})
}

// Related returns the record id of coll that a paper mentions, or nil when there is none or
// the caller may not view it; only a failure to read is an error.
func (r *Reader) Related(coll, id string) (*core.Record, error) {
	if id == "" {
		return nil, nil
	}
	rec, err := r.Find(coll, id)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrSuperusersOnly) {
		return nil, nil
	}
	return rec, err
}

// FindAll returns the records of coll that match and that the caller may list, in no
// particular order. The keys of match are fields of coll; a slice value matches any of its
// items.
func (r *Reader) FindAll(coll string, match dbx.HashExp) ([]*core.Record, error) {
	listed, err := r.Listed(coll, coll+".id")
	if err != nil {
		return nil, err
	}
	var recs []*core.Record
	if err := r.e.App.RecordQuery(coll).AndWhere(listed).AndWhere(match).All(&recs); err != nil {
		return nil, fmt.Errorf("list %s: %w", coll, err)
	}
	return recs, r.strip(recs)
}

// Listed is the condition "column holds the id of a record of coll the caller may list",
// built from coll's list rule as REST builds it. It serves queries too large to load as
// records, such as a year's export: it decides rows, not fields, so such a query must select
// only fields REST shows.
func (r *Reader) Listed(coll, column string) (dbx.Expression, error) {
	c, err := r.e.App.FindCachedCollectionByNameOrId(coll)
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", coll, err)
	}
	if c.ListRule == nil && !r.info.HasSuperuserAuth() {
		return dbx.NewExp("0 = 1"), nil
	}
	ids := r.e.App.RecordQuery(c).Select(c.Name + ".id")
	if c.ListRule != nil && *c.ListRule != "" && !r.info.HasSuperuserAuth() {
		resolver := core.NewRecordFieldResolver(r.e.App, c, r.info, true)
		rule, err := search.FilterData(*c.ListRule).BuildExpr(resolver)
		if err != nil {
			return nil, fmt.Errorf("list rule of %s: %w", coll, err)
		}
		ids.AndWhere(rule)
		if err := resolver.UpdateQuery(ids); err != nil {
			return nil, fmt.Errorf("list rule of %s: %w", coll, err)
		}
	}
	// The rule's joins stay inside the subquery, where they cannot repeat or drop the outer
	// query's rows.
	sql, params := r.ownParams(ids.Build())
	return dbx.NewExp(column+" IN ("+sql+")", params), nil
}

// ownParams renames the placeholders of a built subquery to names of this reader alone. dbx
// names parameters p0, p1… by their count in the query being built, and the rule's joins use
// such names too: embedded as they are, a subquery's p0 and the outer query's p0 would
// overwrite each other, silently comparing a column with the wrong value.
func (r *Reader) ownParams(q *dbx.Query) (string, dbx.Params) {
	r.subqueries++
	sql, params := q.SQL(), dbx.Params{}
	for name, v := range q.Params() {
		own := fmt.Sprintf("visible%d_%s", r.subqueries, name)
		sql = strings.ReplaceAll(sql, "{:"+name+"}", "{:"+own+"}")
		params[own] = v
	}
	return sql, params
}

// UserName is the name of the user id as the caller may read it: Withheld when REST would
// not show them that user, "" for no user.
func (r *Reader) UserName(id string) string {
	if id == "" {
		return ""
	}
	if name, ok := r.names[id]; ok {
		return name
	}
	name := Withheld
	if u, err := r.Find(schema.Users, id); err == nil {
		name = u.GetString("name")
	}
	r.names[id] = name
	return name
}

// strip empties the fields REST leaves out of its answer to the caller: it enriches the records
// as REST does (hidden fields, e-mail visibility, enrich hooks) and keeps what it would export.
func (r *Reader) strip(recs []*core.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := apis.EnrichRecords(r.e, recs); err != nil {
		return fmt.Errorf("enrich %s: %w", recs[0].Collection().Name, err)
	}
	for _, rec := range recs {
		shown := rec.PublicExport()
		for _, name := range rec.Collection().Fields.FieldNames() {
			if _, ok := shown[name]; !ok {
				rec.SetRaw(name, nil)
			}
		}
	}
	return nil
}
