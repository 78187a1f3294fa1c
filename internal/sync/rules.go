package sync

import (
	"encoding/json"
	"strings"
	stdsync "sync"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
)

// ruleVerdicts evaluates the API rules a push applies, and remembers for the rest of the
// transaction the verdicts of rules that read nothing of the record: the create rules, which
// test only the author (@request.auth.…) and the values sent (@request.body.…). A group of
// a hundred findings of one subdistrict then asks SQLite once, not a hundred times, and
// PocketBase parses and resolves the filter once.
//
// Such a verdict depends on the author's row and the rows its path reaches (users and
// subdistricts for "@request.auth.subdistricts.id"), on the values of the body fields the rule
// names, on the collection and on the rule's text. The key holds all but the rows; a write of
// any record of those collections in the transaction forgets the transaction's verdicts. A
// rule that names anything else (a record field, @collection, @now, a function) is evaluated
// every time, as before.
type ruleVerdicts struct {
	mu stdsync.Mutex
	// shapes holds, by auth collection and rule text, what a rule reads, or nil when its
	// verdict cannot be kept.
	shapes map[string]*ruleShape
	txs    map[*core.TxAppInfo]*txVerdicts
}

// ruleShape is what a request-only rule reads: body fields by name, and the collections whose
// rows its auth paths reach (the auth collection among them).
type ruleShape struct {
	body []string
	deps map[string]bool
}

// txVerdicts is what one transaction knows: verdicts by key, and the collections whose writes
// forget them.
type txVerdicts struct {
	verdicts map[string]bool
	deps     map[string]bool
}

func newRuleVerdicts() *ruleVerdicts {
	return &ruleVerdicts{shapes: map[string]*ruleShape{}, txs: map[*core.TxAppInfo]*txVerdicts{}}
}

// register forgets a transaction's verdicts when it writes a record of a collection one of
// them read, before the write.
func (v *ruleVerdicts) register(app core.App) {
	forget := func(e *core.RecordEvent) error {
		v.written(e.App, e.Record.Collection().Name)
		return e.Next()
	}
	app.OnRecordCreateExecute().BindFunc(forget)
	app.OnRecordUpdateExecute().BindFunc(forget)
	app.OnRecordDeleteExecute().BindFunc(forget)
}

func (v *ruleVerdicts) written(app core.App, coll string) {
	info := app.TxInfo()
	if info == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if tv := v.txs[info]; tv != nil && tv.deps[coll] {
		clear(tv.verdicts)
	}
}

// allowed gives r's verdict under rule for the request info, as app.CanAccessRecord does.
func (v *ruleVerdicts) allowed(app core.App, r *core.Record, info *core.RequestInfo, rule *string) (bool, error) {
	tx := app.TxInfo()
	if rule == nil || *rule == "" || info.Auth == nil || tx == nil {
		return app.CanAccessRecord(r, info, rule)
	}
	shape := v.shape(app, info.Auth.Collection(), *rule)
	if shape == nil {
		return app.CanAccessRecord(r, info, rule)
	}
	sent := make(map[string]any, len(shape.body))
	for _, f := range shape.body {
		if val, ok := info.Body[f]; ok {
			sent[f] = val
		}
	}
	raw, err := json.Marshal(sent) // sorted keys; an absent field stays absent (":isset")
	if err != nil {
		return app.CanAccessRecord(r, info, rule)
	}
	key := r.Collection().Id + "\x00" + info.Auth.Collection().Id + "\x00" + info.Auth.Id + "\x00" +
		info.Context + "\x00" + info.Method + "\x00" + *rule + "\x00" + string(raw)
	v.mu.Lock()
	tv := v.txs[tx]
	if tv != nil {
		if ok, known := tv.verdicts[key]; known {
			v.mu.Unlock()
			return ok, nil
		}
	}
	v.mu.Unlock()
	ok, err := app.CanAccessRecord(r, info, rule)
	if err != nil {
		return ok, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if tv = v.txs[tx]; tv == nil {
		tv = &txVerdicts{verdicts: map[string]bool{}, deps: map[string]bool{}}
		v.txs[tx] = tv
		tx.OnComplete(func(error) error {
			v.mu.Lock()
			delete(v.txs, tx)
			v.mu.Unlock()
			return nil
		})
	}
	for c := range shape.deps {
		tv.deps[c] = true
	}
	tv.verdicts[key] = ok
	return ok, nil
}

// shape returns what rule reads when evaluated for a user of authColl, or nil when its
// verdict may depend on the record or the moment.
func (v *ruleVerdicts) shape(app core.App, authColl *core.Collection, rule string) *ruleShape {
	key := authColl.Id + "\x00" + rule
	v.mu.Lock()
	s, known := v.shapes[key]
	v.mu.Unlock()
	if known {
		return s
	}
	s = analyseRule(app, authColl, rule)
	v.mu.Lock()
	v.shapes[key] = s
	v.mu.Unlock()
	return s
}

func analyseRule(app core.App, authColl *core.Collection, rule string) *ruleShape {
	groups, err := fexpr.Parse(rule)
	if err != nil {
		return nil
	}
	s := &ruleShape{deps: map[string]bool{authColl.Name: true}}
	if !s.readGroups(app, authColl, groups) {
		return nil
	}
	return s
}

func (s *ruleShape) readGroups(app core.App, authColl *core.Collection, groups []fexpr.ExprGroup) bool {
	for _, g := range groups {
		if !s.readItem(app, authColl, g.Item) {
			return false
		}
	}
	return true
}

func (s *ruleShape) readItem(app core.App, authColl *core.Collection, item any) bool {
	switch x := item.(type) {
	case fexpr.Expr:
		return s.readToken(app, authColl, x.Left) && s.readToken(app, authColl, x.Right)
	case fexpr.ExprGroup:
		return s.readItem(app, authColl, x.Item)
	case []fexpr.ExprGroup:
		return s.readGroups(app, authColl, x)
	}
	return false
}

// readToken notes what an operand reads, and reports whether it reads only the request.
func (s *ruleShape) readToken(app core.App, authColl *core.Collection, t fexpr.Token) bool {
	switch t.Type {
	case fexpr.TokenText, fexpr.TokenNumber:
		return true
	case fexpr.TokenIdentifier:
	default:
		return false // functions and anything new
	}
	id := t.Literal
	if strings.Contains(id, ":changed") {
		return false // compares the value sent with the record's stored one
	}
	switch {
	case id == "null" || id == "true" || id == "false":
		return true
	case id == "@request.context" || id == "@request.method":
		return true
	case strings.HasPrefix(id, "@request.body."):
		path := strings.TrimPrefix(id, "@request.body.")
		if strings.Contains(path, ".") {
			return false // a relation followed into stored rows
		}
		name, _, _ := strings.Cut(path, ":")
		s.body = append(s.body, name)
		return true
	case strings.HasPrefix(id, "@request.auth."):
		return s.readAuthPath(app, authColl, strings.TrimPrefix(id, "@request.auth."))
	}
	return false // a record field, @collection, @now, @request.query, …
}

// readAuthPath notes the collections a path from the auth record reaches.
func (s *ruleShape) readAuthPath(app core.App, coll *core.Collection, path string) bool {
	props := strings.Split(path, ".")
	for _, prop := range props[:len(props)-1] {
		name, _, _ := strings.Cut(prop, ":")
		field := coll.Fields.GetByName(name)
		var target string
		switch f := field.(type) {
		case *core.RelationField:
			target = f.CollectionId
		case nil:
			var ok bool
			if target, ok = access.BackRelationTarget(name); !ok {
				return false
			}
		default:
			if field.Type() == core.FieldTypeJSON {
				return true // the rest is a path inside the value
			}
			return false
		}
		next, err := app.FindCachedCollectionByNameOrId(target)
		if err != nil {
			return false
		}
		s.deps[next.Name] = true
		coll = next
	}
	return true
}
