package access

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/ganigeorgiev/fexpr"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/spf13/cast"
)

// A client's filter or sort must not observe a record its caller may not view. PocketBase
// joins the related collection's list rule for a path through a single relation
// ("place.address"), so a row whose related record is hidden simply drops out, which shows
// no more than viewing that related id does. A path through a multi-valued hop (a multiple
// relation, a back-relation "findings_via_place", or "@collection") is different: for every
// operator but the "?" ones PocketBase adds a subquery over all related rows without their
// list rule, so `findings_via_agency.description !~ "地下一层%"` reads hidden text letter by
// letter; and with the "?" operators a row drops out when all its related rows are hidden,
// which tells that hidden rows exist. So for everyone but district administrators, a path
// may cross a multi-valued hop only into a collection anyone may read (subdistricts,
// agencies), and "@collection" is refused. The check walks the schema, so it covers every
// collection, also the ones added later.

// queryGuardID is the id of the middleware that checks list filters and sorts.
const queryGuardID = "fieldsyncQueryGuard"

// bindQueryGuard checks the filters and sorts of record lists and realtime subscriptions.
func bindQueryGuard(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: queryGuardID,
			// after the auth token is loaded, so a district administrator is known
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 10,
			Func:     guardListQuery,
		})
		return se.Next()
	})
	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if !e.HasSuperuserAuth() {
			for _, sub := range e.Subscriptions {
				if err := checkSubscription(e.App, sub); err != nil {
					return err
				}
			}
		}
		return e.Next()
	})
}

// recordsListPath matches the records list route, /api/collections/{collection}/records.
var recordsListPath = regexp.MustCompile(`^/api/collections/([^/]+)/records/?$`)

func guardListQuery(e *core.RequestEvent) error {
	// HEAD runs the same query as GET, and its Content-Length would tell the answer's size.
	if (e.Request.Method != http.MethodGet && e.Request.Method != http.MethodHead) || e.HasSuperuserAuth() {
		return e.Next()
	}
	m := recordsListPath.FindStringSubmatch(e.Request.URL.Path)
	if m == nil {
		return e.Next()
	}
	coll, err := e.App.FindCachedCollectionByNameOrId(m[1])
	if err != nil {
		return e.Next() // PocketBase answers an unknown collection
	}
	q := e.Request.URL.Query()
	if err := CheckQuery(e.App, coll, q.Get(search.FilterQueryParam), q.Get(search.SortQueryParam)); err != nil {
		return err
	}
	return e.Next()
}

// checkSubscription checks the filter of a realtime subscription such as
// `findings/*?options={"query":{"filter":"..."}}`.
func checkSubscription(app core.App, sub string) error {
	topic, rawQuery, ok := strings.Cut(sub, "?")
	if !ok {
		return nil
	}
	coll, err := app.FindCachedCollectionByNameOrId(strings.SplitN(topic, "/", 2)[0])
	if err != nil {
		return nil // not a collection topic: PocketBase never evaluates a filter for it
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return queryRefused(search.FilterQueryParam, "", "")
	}
	var options struct {
		Query map[string]any `json:"query"`
	}
	if raw := values.Get("options"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &options); err != nil {
			return queryRefused(search.FilterQueryParam, "", "")
		}
	}
	// Read as PocketBase reads it: any value, cast to a string.
	return CheckQuery(app, coll, cast.ToString(options.Query[search.FilterQueryParam]), "")
}

// CheckQuery refuses a filter or sort on coll, from anyone but a district administrator, that
// follows a path able to observe records the caller may not view. A filter that does not
// parse is left to PocketBase, which refuses it.
func CheckQuery(app core.App, coll *core.Collection, filter, sort string) error {
	g := pathGuard{app: app, base: coll}
	if filter != "" {
		groups, err := fexpr.Parse(filter)
		if err != nil {
			return nil
		}
		if path := g.firstRefusedInGroups(groups); path != "" {
			return queryRefused(search.FilterQueryParam, path, "筛选")
		}
	}
	for _, f := range search.ParseSortFromString(sort) {
		if !g.allowed(f.Name) {
			return queryRefused(search.SortQueryParam, f.Name, "排序")
		}
	}
	return nil
}

func queryRefused(param, path, zhParam string) error {
	zh := "筛选或排序条件无效"
	en := "the " + param + " is not valid"
	if path != "" {
		zh = zhParam + "不能经过多值关联 " + path + "（只能使用本记录或单值关联的字段）"
		en = "the " + param + " may not go through the multi-valued relation path " + path +
			" (use fields of the record or of its single relations)"
	}
	msg := zh + " / " + en
	return router.NewBadRequestError(msg, validation.Errors{param: validation.NewError("query_path_refused", msg)})
}

// pathGuard decides which field paths a non-superuser may filter and sort by on base.
type pathGuard struct {
	app  core.App
	base *core.Collection
}

func (g pathGuard) firstRefusedInGroups(groups []fexpr.ExprGroup) string {
	for _, group := range groups {
		if path := g.firstRefusedInItem(group.Item); path != "" {
			return path
		}
	}
	return ""
}

func (g pathGuard) firstRefusedInItem(item any) string {
	switch x := item.(type) {
	case fexpr.Expr:
		for _, t := range []fexpr.Token{x.Left, x.Right} {
			if path := g.firstRefusedInToken(t); path != "" {
				return path
			}
		}
	case fexpr.ExprGroup:
		return g.firstRefusedInItem(x.Item)
	case []fexpr.ExprGroup:
		return g.firstRefusedInGroups(x)
	}
	return ""
}

// firstRefusedInToken checks an operand: an identifier, or the identifiers a function takes.
func (g pathGuard) firstRefusedInToken(t fexpr.Token) string {
	switch t.Type {
	case fexpr.TokenIdentifier:
		if !g.allowed(t.Literal) {
			return t.Literal
		}
	case fexpr.TokenFunction:
		args, _ := t.Meta.([]fexpr.Token)
		for _, arg := range args {
			if path := g.firstRefusedInToken(arg); path != "" {
				return path
			}
		}
	}
	return ""
}

// allowed reports whether the identifier path may be used. Paths start at the base
// collection, or at the caller's own record for "@request.auth.…"; other "@request.…" values
// are the request's own and hold no stored data.
func (g pathGuard) allowed(path string) bool {
	switch {
	case strings.HasPrefix(path, "@collection."):
		return false
	case strings.HasPrefix(path, "@request.auth."):
		users, err := g.app.FindCachedCollectionByNameOrId("users")
		if err != nil {
			return false
		}
		return g.walk(users, strings.TrimPrefix(path, "@request.auth."))
	case strings.HasPrefix(path, "@request.body."):
		return g.walk(g.base, strings.TrimPrefix(path, "@request.body."))
	case strings.HasPrefix(path, "@"):
		return true // @request.context, .method, .query.*, .headers.*, @now, @rowid, @random…
	}
	return g.walk(g.base, path)
}

// walk follows path's relation hops from coll and reports whether each is single-valued or
// leads into a collection anyone may list. What PocketBase cannot resolve is left to it.
func (g pathGuard) walk(coll *core.Collection, path string) bool {
	props := strings.Split(path, ".")
	for _, prop := range props[:len(props)-1] {
		name, _, _ := strings.Cut(prop, ":")
		field := coll.Fields.GetByName(name)
		if field != nil && (field.Type() == core.FieldTypeJSON || field.Type() == core.FieldTypeGeoPoint) {
			return true // the rest is a path inside the value
		}
		target, multiple, ok := g.hop(coll, field, name)
		if !ok {
			return true
		}
		if multiple && !isPublic(target) {
			return false
		}
		coll = target
	}
	return true
}

// hop returns the collection a relation field, or a back-relation named name, leads to, and
// whether the hop can match several records. A back-relation always counts as multiple: a
// unique index is a detail a later migration may drop.
func (g pathGuard) hop(coll *core.Collection, field core.Field, name string) (*core.Collection, bool, bool) {
	if rel, ok := field.(*core.RelationField); ok {
		target, err := g.app.FindCachedCollectionByNameOrId(rel.CollectionId)
		return target, rel.IsMultiple(), err == nil
	}
	if field != nil {
		return nil, false, false
	}
	via, ok := BackRelationTarget(name)
	if !ok {
		return nil, false, false
	}
	target, err := g.app.FindCachedCollectionByNameOrId(via)
	return target, true, err == nil
}

// backRelation is PocketBase's form of a back-relation, "collection_via_field".
var backRelation = regexp.MustCompile(`^(\w+)_via_(\w+)$`)

// BackRelationTarget returns the collection a back-relation name ("findings_via_place")
// leads to, or false when name is not one.
func BackRelationTarget(name string) (string, bool) {
	m := backRelation.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// isPublic reports whether anyone may list every record of c.
func isPublic(c *core.Collection) bool {
	return c.ListRule != nil && *c.ListRule == "" && c.ViewRule != nil && *c.ViewRule == ""
}
