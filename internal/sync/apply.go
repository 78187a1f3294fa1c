package sync

import (
	"errors"
	"reflect"
	"slices"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// applier performs one mutation inside its transaction.
type applier struct {
	s     *Service
	tx    core.App
	auth  *core.Record
	actor access.Actor
	coll  *core.Collection
	m     Mutation
	origin
	// door is DoorSync for pushes and DoorREST for commands run through REST, where a record
	// the caller cannot see is simply not found instead of quarantined.
	door access.Door
}

// Errors a mutation can be refused with.
var (
	errIDTaken = fault.New(fault.Conflict, "id_taken",
		"该编号的记录已存在", "a record with this id already exists")
	errNotFound = fault.New(fault.NotExist, "not_found",
		"记录不存在", "no such record")
	errForbidden = fault.New(fault.Permission, "forbidden",
		"无权执行此操作", "you may not do this")
	errUnknownCommand = fault.New(fault.Invalid, "unknown_command",
		"未知的命令或版本", "unknown command or version")
)

func (a *applier) info(body map[string]any) *core.RequestInfo {
	return &core.RequestInfo{Auth: a.auth, Body: body, Method: "POST", Context: "sync"}
}

// allowed evaluates one of the collection's API rules for the author, so a pushed mutation
// gets exactly the verdict the REST door would give.
func (a *applier) allowed(r *core.Record, rule *string, body map[string]any) (bool, error) {
	return a.s.rules.allowed(a.tx, r, a.info(body), rule)
}

func (a *applier) attribute(r *core.Record, trusted bool) {
	door := a.door
	if door == "" {
		door = access.DoorSync
	}
	access.Attribute(r, access.Attribution{Actor: a.actor, Door: door, Trusted: trusted, Device: a.device})
}

// create creates the record m describes. A record in scopes the author does not hold is
// quarantined if they held one of them when making it (see heldWhenEdited), and otherwise
// refused as forbidden before anything else is looked at, whether the subdistrict and the id
// exist or not.
func (a *applier) create() (Result, error) {
	r := core.NewRecord(a.coll)
	r.Id = a.m.ID
	if err := loadClientFields(r, a.m.Data); err != nil {
		return Result{}, err
	}
	scopes, err := synced[a.coll.Name](a.tx, r)
	if err != nil {
		return Result{}, err
	}
	if a.outsider(scopes) {
		return a.lost(scopes, r.GetString(schema.FieldSubdistrict), time.Time{}, errForbidden)
	}
	a.attribute(r, false)
	// The unique indexes refuse a taken id: a lookup before the insert would cost every create
	// a query for what is almost never the case. SQLite names only the first index it finds
	// violated (a resent record's serial number may come before its id), so the id is looked
	// up once the insert failed. The hooks before the insert may refuse first.
	if err := a.tx.Save(r); err != nil {
		if uniqueRefused(err) {
			if _, ferr := a.tx.FindRecordById(a.coll, a.m.ID); ferr == nil {
				return Result{}, errIDTaken
			}
		}
		// REST judges the create rule before any hook runs: a create the rule refuses answers
		// forbidden there, whatever else is wrong with it (a field its author may not set).
		// The push answers the same, checking the rule only on this rare path.
		if a.refusedByRule() {
			return Result{}, errForbidden
		}
		return Result{}, err
	}
	ok, err := a.allowed(r, a.coll.CreateRule, a.m.Data)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, errForbidden
	}
	return a.result(r, Applied, nil)
}

// refusedByRule reports whether the create rule refuses the record the mutation sends, as REST
// would judge it: on the fields as sent, before any hook. A rule reads the record's row (its
// relations, back-relations), so the record is stored without hooks to be judged. That row
// never stays: a refused mutation fails its transaction, which every caller of apply rolls
// back (applyGroup, resolve).
func (a *applier) refusedByRule() bool {
	if a.coll.CreateRule == nil || *a.coll.CreateRule == "" {
		return a.coll.CreateRule == nil
	}
	probe := core.NewRecord(a.coll)
	probe.Id = a.m.ID
	if loadClientFields(probe, a.m.Data) != nil || a.tx.UnsafeWithoutHooks().SaveNoValidate(probe) != nil {
		return false
	}
	ok, err := a.allowed(probe, a.coll.CreateRule, a.m.Data)
	return err == nil && !ok
}

// outsider reports whether the author holds none of a record's scopes now. A record in no
// scope yet (a create without its subdistrict) is left to the rules, which will refuse it.
func (a *applier) outsider(scopes []Scope) bool {
	held := ScopesOf(a.actor)
	known := false
	for _, sc := range scopes {
		if !sc.Valid() {
			continue
		}
		if slices.Contains(held, sc) {
			return false
		}
		known = true
	}
	return known
}

// lost answers a mutation on a record in scopes the author does not hold: quarantined for the
// supervisors of subdistrict if the author held one of them when making it, otherwise
// refused with otherwise, which is what the same mutation on a record that does not exist
// gets. born is when the record was created (zero for a create).
func (a *applier) lost(scopes []Scope, subdistrict string, born time.Time, otherwise error) (Result, error) {
	if a.door == access.DoorREST || subdistrict == "" {
		return Result{}, otherwise
	}
	held, err := a.heldWhenEdited(scopes, born)
	if err != nil {
		return Result{}, err
	}
	if !held {
		return Result{}, otherwise
	}
	return a.quarantine(subdistrict)
}

// target loads the record a patch, void or command acts on. A record the author cannot see
// answers not_found, like a missing one, unless the author lost its scope after making the
// edit: then the mutation is quarantined.
func (a *applier) target() (*core.Record, *Result, error) {
	r, err := a.tx.FindRecordById(a.coll, a.m.ID)
	if err != nil {
		return nil, nil, errNotFound
	}
	ok, err := a.allowed(r, a.coll.ViewRule, nil)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		st, err := a.s.log.load(a.tx, a.coll.Name, r.Id)
		if err != nil {
			return nil, nil, err
		}
		if !a.outsider(st.Scopes) {
			return nil, nil, errNotFound // hidden by a rule, not by a scope the author lost
		}
		q, err := a.lost(st.Scopes, r.GetString(schema.FieldSubdistrict), unstamp(st.Born), errNotFound)
		if err != nil {
			return nil, nil, err
		}
		return nil, &q, nil
	}
	if field, code := lockedBy(r); code != "" {
		return nil, nil, lockedError(field, code)
	}
	return r, nil, nil
}

func (a *applier) patch() (Result, error) {
	r, q, err := a.target()
	if r == nil {
		if q != nil {
			return *q, err
		}
		return Result{}, err
	}
	set := a.m.Set
	if a.m.Op == OpVoid {
		set = map[string]any{"voided": true}
	}
	ok, err := a.allowed(r, a.coll.UpdateRule, set)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, errForbidden
	}
	st, err := a.s.log.load(a.tx, a.coll.Name, r.Id)
	if err != nil {
		return Result{}, err
	}
	incoming := core.NewRecord(a.coll)
	if err := loadClientFields(incoming, set); err != nil {
		return Result{}, err
	}
	var conflicts []Conflict
	for field := range set {
		theirs, mine := r.Get(field), incoming.Get(field)
		fv := st.field(field)
		if fv.V > a.m.BaseV && fv.By != a.device && !reflect.DeepEqual(theirs, mine) {
			value, resolution := resolve(field, theirs, mine)
			conflicts = append(conflicts, Conflict{Field: field, Resolution: resolution, Server: theirs, Client: mine})
			r.Set(field, value)
			continue
		}
		r.Set(field, mine)
	}
	a.attribute(r, false)
	if err := a.tx.Save(r); err != nil {
		return Result{}, err
	}
	outcome := Applied
	switch {
	case len(conflicts) > 0:
		outcome = Conflicted
	case st.changedByOthers(a.m.BaseV, a.device):
		outcome = Merged
	}
	return a.result(r, outcome, conflicts)
}

func (a *applier) command() (Result, error) {
	cmd, ok := commands[a.m.Name]
	if !ok || cmd.Coll != a.coll.Name {
		return Result{}, errUnknownCommand
	}
	r, q, err := a.target()
	if r == nil {
		if q != nil {
			return *q, err
		}
		return Result{}, err
	}
	if err := cmd.Run(a.tx, a.actor, r, a.m.Args); err != nil {
		return Result{}, err
	}
	a.attribute(r, true)
	if err := a.tx.Save(r); err != nil {
		return Result{}, err
	}
	return a.result(r, Applied, nil)
}

// result completes an outcome with the record's new version and the transaction's seq, and
// files a sync issue for conflicts.
func (a *applier) result(r *core.Record, outcome string, conflicts []Conflict) (Result, error) {
	st, err := a.s.log.load(a.tx, a.coll.Name, r.Id)
	if err != nil {
		return Result{}, err
	}
	seq, err := a.s.log.seq(a.tx)
	if err != nil {
		return Result{}, err
	}
	res := Result{MID: a.m.MID, Outcome: outcome, Coll: a.coll.Name, ID: r.Id, V: st.V, Seq: seq,
		Conflicts: conflicts}
	if len(conflicts) > 0 {
		res.Issue, err = a.s.raiseIssue(a.tx, a.auth, a.device, a.m, issueConflict, res, r)
	}
	return res, err
}

func (a *applier) quarantine(subdistrict string) (Result, error) {
	res := Result{MID: a.m.MID, Outcome: Quarantined, Coll: a.m.Coll, ID: a.m.ID,
		Code: "scope_lost", Message: "您已无权访问该范围，此修改待主管审核 / you no longer have access to this scope; the change awaits a supervisor's review"}
	issue, err := a.s.raiseIssueIn(a.tx, a.auth, a.device, a.m, issueQuarantined, res, subdistrict)
	res.Issue = issue
	return res, err
}

// loadClientFields sets the fields a client may send. System fields, hidden fields and
// unknown names are refused, so a phone can never write what REST would not show it; values
// PocketBase would silently coerce ("yes" for a bool) are refused as at the REST door.
func loadClientFields(r *core.Record, data map[string]any) error {
	if err := access.CheckTypes(r.Collection(), data); err != nil {
		return err
	}
	for name, v := range data {
		f := r.Collection().Fields.GetByName(name)
		if f == nil || f.GetHidden() || name == core.FieldNameId || isAutodate(f) {
			return fault.New(fault.Invalid, "unknown_field",
				"不可写入的字段："+name, "field cannot be written: "+name)
		}
		r.Set(name, v)
	}
	return nil
}

// uniqueRefused reports whether err is a unique index refusing the insert: PocketBase turns
// the record table's "UNIQUE constraint failed: <table>.<field>" into this validation error.
func uniqueRefused(err error) bool {
	var ve validation.Errors
	if !errors.As(err, &ve) {
		return false
	}
	for _, fe := range ve {
		var e validation.Error
		if errors.As(fe, &e) && e.Code() == "validation_not_unique" {
			return true
		}
	}
	return false
}

func isAutodate(f core.Field) bool {
	_, ok := f.(*core.AutodateField)
	return ok
}
