package sync

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"reflect"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/bulk"
	"github.com/haidian/fieldsync/internal/schema"
)

// changeLog records every write to a synced collection, inside the write's transaction: it
// gives the transaction the next sequence number, bumps the record's version and the
// per-field versions, and upserts one change row per scope the record is in (or just left).
//
// Sequence numbers are allocated inside the transaction from a counter row. PocketBase has one
// writer connection, so transactions commit in the order they took their numbers, and a pull
// that has seen seq n has seen every change at or below n: no change can commit later with a
// smaller number, which is exactly what wall-clock timestamps cannot promise.
type changeLog struct {
	mu  stdsync.Mutex
	txs map[*core.TxAppInfo]*txState
	now func() time.Time
	// committed is told which scopes a transaction moved, after it commits.
	committed func(seq int64, scopes []Scope)
}

// txState is what the change log knows of one open transaction: its sequence number, the
// scopes it moved, and what it read or wrote of the bookkeeping rows, so that a group of
// writes reads each row once. Unless its owner defers them (see deferWrites), the rows are
// written as each write happens, and the caches only save reading back what the transaction
// itself knows.
type txState struct {
	seq    int64
	scopes map[Scope]bool
	// records caches fs_sync_records rows by coll/rid; absent means unknown.
	records map[string]state
	// checksums caches fs_sync_scopes rows by scope.
	checksums map[Scope]scopeSum
	// deferred says the transaction's owner writes the rows below once, at its end (see
	// deferWrites): dirty lists the scopes whose checksum rows it must write, states the
	// records whose rows (in records) it must write, changes the change rows.
	deferred bool
	dirty    map[Scope]bool
	states   map[string]bool
	changes  map[changeKey]pendingChange
}

// changeKey names a change row: a record in a scope.
type changeKey struct {
	scope     Scope
	coll, rid string
}

// pendingChange is a change row's values besides its key.
type pendingChange struct {
	seq   int64
	op    string
	v, h  int64
	at    int64
	order int // when the transaction first wrote it, so that the rows go out in that order
}

// scopeSum is a scope's running checksum and record count.
type scopeSum struct{ Checksum, N int64 }

func newChangeLog(now func() time.Time, committed func(int64, []Scope)) *changeLog {
	return &changeLog{txs: map[*core.TxAppInfo]*txState{}, now: now, committed: committed}
}

func (l *changeLog) register(app core.App) {
	app.OnRecordCreateExecute().BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return l.put(e.App, e.Record, nil)
	})
	app.OnRecordUpdateExecute().BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return l.put(e.App, e.Record, changedFields(e.Record))
	})
	app.OnRecordDeleteExecute().BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return l.remove(e.App, e.Record)
	})
}

// seq returns the sequence number of app's transaction, taking the next one on first use.
func (l *changeLog) seq(app core.App) (int64, error) {
	st, err := l.tx(app)
	if err != nil {
		return 0, err
	}
	if st.seq == 0 {
		if err := app.DB().NewQuery("UPDATE fs_sync_head SET seq = seq + 1 WHERE id = 1 RETURNING seq").Row(&st.seq); err != nil {
			return 0, fmt.Errorf("next seq: %w", err)
		}
	}
	return st.seq, nil
}

// tx returns what the change log knows of app's transaction, starting to know it on first use.
func (l *changeLog) tx(app core.App) (*txState, error) {
	info := app.TxInfo()
	if info == nil {
		return nil, fmt.Errorf("change log: write outside a transaction")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if st, ok := l.txs[info]; ok {
		return st, nil
	}
	st := &txState{scopes: map[Scope]bool{}, records: map[string]state{}, checksums: map[Scope]scopeSum{},
		dirty: map[Scope]bool{}, states: map[string]bool{}, changes: map[changeKey]pendingChange{}}
	l.txs[info] = st
	info.OnComplete(func(txErr error) error {
		l.mu.Lock()
		delete(l.txs, info)
		unflushed := len(st.changes) + len(st.states) + len(st.dirty)
		l.mu.Unlock()
		if txErr == nil && len(st.scopes) > 0 && l.committed != nil {
			l.committed(st.seq, scopeSet(mapKeys(st.scopes)))
		}
		if txErr == nil && unflushed > 0 {
			// A bug of the owner, made loud: the writes are committed without their rows.
			return fmt.Errorf("change log: %d deferred rows were never flushed", unflushed)
		}
		return nil
	})
	return st, nil
}

// touch notes that app's transaction moved scope s.
func (l *changeLog) touch(app core.App, s Scope) {
	if st, err := l.tx(app); err == nil {
		l.mu.Lock()
		st.scopes[s] = true
		l.mu.Unlock()
	}
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// state is a synced record's bookkeeping row.
type state struct {
	V int64
	// FV holds the version of each field changed since the record was created, and under
	// allFields the version of every other field: the create's. A create stores that one
	// entry instead of one per field, which kept a finding's row (34 fields) beyond
	// what fits in a page of the table, on an overflow page of its own.
	FV     map[string]fieldVersion
	Scopes []Scope
	// Born is when the record was created, stamped ("" for records older than the stamp).
	Born string
}

// fieldVersion is the record version at which a field last changed, and the sync client
// that changed it ("" for any other door). A client's own later edit of a field it changed
// itself is not a conflict, even if it had not yet seen its earlier edit acknowledged.
type fieldVersion struct {
	V  int64  `json:"v"`
	By string `json:"by,omitempty"`
}

// allFields is FV's key for the fields not listed in it. Field names are letters, digits and
// underscores, so it names none of them.
const allFields = "*"

// field returns the version at which the field last changed.
func (st state) field(name string) fieldVersion {
	if fv, ok := st.FV[name]; ok {
		return fv
	}
	return st.FV[allFields]
}

// changedByOthers reports whether a field other than by device changed after version base.
// The allFields entry always stands for some field: id and created never change.
func (st state) changedByOthers(base int64, device string) bool {
	for _, fv := range st.FV {
		if fv.V > base && fv.By != device {
			return true
		}
	}
	return false
}

// load returns the bookkeeping row of coll/id as app sees it: from app's transaction's cache
// when the transaction read or wrote it before, else from the database.
func (l *changeLog) load(app core.App, coll, id string) (state, error) {
	if app.TxInfo() == nil {
		return loadState(app.DB(), coll, id)
	}
	ts, err := l.tx(app)
	if err != nil {
		return state{}, err
	}
	key := coll + "/" + id
	l.mu.Lock()
	cached, ok := ts.records[key]
	l.mu.Unlock()
	if ok {
		return cached.clone(), nil
	}
	st, err := loadState(app.DB(), coll, id)
	if err != nil {
		return st, err
	}
	l.mu.Lock()
	ts.records[key] = st.clone()
	l.mu.Unlock()
	return st, nil
}

// save writes the bookkeeping row of coll/id, or leaves it to the transaction's owner when it
// defers its writes, and keeps it in the transaction's cache.
func (l *changeLog) save(app core.App, coll, id string, st state) error {
	ts, err := l.tx(app)
	if err != nil {
		return err
	}
	l.mu.Lock()
	deferred := ts.deferred
	l.mu.Unlock()
	if !deferred {
		if err := saveState(app.DB(), coll, id, st); err != nil {
			return err
		}
	}
	return l.remember(app, coll, id, &st)
}

// remember caches coll/id's row for app's transaction; nil forgets it (the row is gone, and a
// deferred write of it with it).
func (l *changeLog) remember(app core.App, coll, id string, st *state) error {
	ts, err := l.tx(app)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	key := coll + "/" + id
	if st == nil {
		delete(ts.records, key)
		delete(ts.states, key)
		return nil
	}
	ts.records[key] = st.clone()
	if ts.deferred {
		ts.states[key] = true
	}
	return nil
}

// clone copies st deeply enough that changing the copy leaves st as it was.
func (st state) clone() state {
	st.FV = maps.Clone(st.FV)
	if st.FV == nil {
		st.FV = map[string]fieldVersion{}
	}
	st.Scopes = slices.Clone(st.Scopes)
	return st
}

func loadState(db dbx.Builder, coll, id string) (state, error) {
	var row struct {
		V      int64  `db:"v"`
		FV     string `db:"fv"`
		Scopes string `db:"scopes"`
		Born   string `db:"born"`
	}
	st := state{FV: map[string]fieldVersion{}}
	err := db.Select("v", "fv", "scopes", "born").From("fs_sync_records").
		Where(dbx.HashExp{"coll": coll, "rid": id}).One(&row)
	if err != nil {
		if isNoRows(err) {
			return st, nil
		}
		return st, fmt.Errorf("load state: %w", err)
	}
	st.V, st.Born = row.V, row.Born
	if err := json.Unmarshal([]byte(row.FV), &st.FV); err != nil {
		return st, fmt.Errorf("decode fv: %w", err)
	}
	if err := json.Unmarshal([]byte(row.Scopes), &st.Scopes); err != nil {
		return st, fmt.Errorf("decode scopes: %w", err)
	}
	return st, nil
}

func saveState(db dbx.Builder, coll, id string, st state) error {
	return saveStates(db, map[string]state{coll + "/" + id: st})
}

// saveStates upserts the bookkeeping rows of the records keyed "coll/id", a few statements for
// any number of them (see bulk).
func saveStates(db dbx.Builder, states map[string]state) error {
	values := make([][]any, 0, len(states))
	for _, key := range slices.Sorted(maps.Keys(states)) {
		st := states[key]
		coll, id, _ := strings.Cut(key, "/")
		fv, err := json.Marshal(st.FV)
		if err != nil {
			return fmt.Errorf("encode fv: %w", err)
		}
		sc, err := json.Marshal(st.Scopes)
		if err != nil {
			return fmt.Errorf("encode scopes: %w", err)
		}
		values = append(values, []any{coll, id, st.V, string(fv), string(sc), st.Born})
	}
	err := bulk.Insert(db, "INSERT INTO fs_sync_records (coll, rid, v, fv, scopes, born)",
		"ON CONFLICT (coll, rid) DO UPDATE SET v = excluded.v, fv = excluded.fv, scopes = excluded.scopes", values)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// put records a create (changed == nil) or an update of r.
func (l *changeLog) put(app core.App, r *core.Record, changed []string) error {
	coll := r.Collection().Name
	scopesOf, ok := synced[coll]
	if !ok {
		return nil
	}
	if changed != nil && len(changed) == 0 {
		return nil // nothing changed: no new version
	}
	seq, err := l.seq(app)
	if err != nil {
		return err
	}
	// A record being created has no bookkeeping row: a deleted record's row goes with it.
	st := state{FV: map[string]fieldVersion{}}
	if changed != nil {
		if st, err = l.load(app, coll, r.Id); err != nil {
			return err
		}
	}
	if st.V == 0 {
		st.Born = stamp(l.now())
	}
	st.V++
	device := access.AttributionOf(r).Device
	if changed == nil {
		changed = fieldNames(r)
		st.FV = map[string]fieldVersion{allFields: {V: st.V, By: device}}
	} else {
		for _, f := range changed {
			st.FV[f] = fieldVersion{V: st.V, By: device}
		}
	}
	if err := l.rescope(app, r, scopesOf, &st, seq); err != nil {
		return err
	}
	if coll == schema.Findings && slices.ContainsFunc(changed, func(f string) bool { return slices.Contains(findingLinks, f) }) {
		return l.reindexDependents(app, r, seq)
	}
	return nil
}

// rescope writes r's change rows for its current scopes and removal rows for the scopes it
// left, then stores the new state.
func (l *changeLog) rescope(app core.App, r *core.Record, scopesOf scoper, st *state, seq int64) error {
	coll := r.Collection().Name
	scopes, err := scopesOf(app, r)
	if err != nil {
		return err
	}
	scopes = scopeSet(scopes)
	h := recordHash(coll, r.Id, st.V)
	for _, s := range scopes {
		// A record first put in a scope (created, or moved in) has no live row there, so there
		// is nothing to read: its old row, if any, is a removal.
		fresh := !slices.Contains(st.Scopes, s)
		if err := l.upsertChange(app, s, coll, r.Id, seq, opPut, st.V, h, fresh); err != nil {
			return err
		}
	}
	for _, s := range st.Scopes {
		if !slices.Contains(scopes, s) {
			if err := l.upsertChange(app, s, coll, r.Id, seq, opRemove, st.V, 0, false); err != nil {
				return err
			}
		}
	}
	st.Scopes = scopes
	return l.save(app, coll, r.Id, *st)
}

// reindexDependents moves the records whose scopes follow a finding's agency. Their data did
// not change, so their versions stay; only their scope rows move. A finding referred to no
// agency, before or after the write, gives its dependents no scope: most findings are never
// referred, and their writes skip the dependents' queries.
func (l *changeLog) reindexDependents(app core.App, finding *core.Record, seq int64) error {
	if finding.GetString(schema.FieldAgency) == "" && atomic.Previous(finding).GetString(schema.FieldAgency) == "" {
		return nil
	}
	deps, err := dependents(app, finding)
	if err != nil {
		return err
	}
	for _, d := range deps {
		coll := d.Collection().Name
		st, err := l.load(app, coll, d.Id)
		if err != nil {
			return err
		}
		if err := l.rescope(app, d, synced[coll], &st, seq); err != nil {
			return err
		}
	}
	return nil
}

// remove records the deletion of r: a removal row in every scope it was in.
func (l *changeLog) remove(app core.App, r *core.Record) error {
	coll := r.Collection().Name
	if _, ok := synced[coll]; !ok {
		return nil
	}
	seq, err := l.seq(app)
	if err != nil {
		return err
	}
	st, err := l.load(app, coll, r.Id)
	if err != nil {
		return err
	}
	for _, s := range st.Scopes {
		if err := l.upsertChange(app, s, coll, r.Id, seq, opRemove, st.V+1, 0, false); err != nil {
			return err
		}
	}
	_, err = app.DB().Delete("fs_sync_records", dbx.HashExp{"coll": coll, "rid": r.Id}).Execute()
	if err == nil {
		err = l.remember(app, coll, r.Id, nil)
	}
	if err == nil && coll == schema.Findings {
		err = l.reindexDependents(app, r, seq)
	}
	return err
}

const (
	opPut    = "put"
	opRemove = "remove"
)

// upsertChange replaces the change row of (scope, coll, id) and keeps the scope's running
// checksum: the xor of the hashes of the live records in it. fresh says the record has no live
// row in the scope (the caller knows it from the record's bookkeeping), which spares reading it.
func (l *changeLog) upsertChange(app core.App, s Scope, coll, id string, seq int64, op string, v int64, h int64, fresh bool) error {
	ts, err := l.tx(app)
	if err != nil {
		return err
	}
	db := app.DB()
	var old struct {
		Op string `db:"op"`
		H  int64  `db:"h"`
	}
	key := changeKey{scope: s, coll: coll, rid: id}
	l.mu.Lock()
	pending, isPending := ts.changes[key]
	deferred := ts.deferred
	l.mu.Unlock()
	switch {
	case isPending: // written earlier in the transaction, not yet in the table
		old.Op, old.H = pending.op, pending.h
	case !fresh:
		err := db.Select("op", "h").From("fs_sync_changes").
			Where(dbx.HashExp{"scope": string(s), "coll": coll, "rid": id}).One(&old)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("read change: %w", err)
		}
	}
	if op == opRemove && old.Op != opPut {
		return nil // never was in this scope, or already removed
	}
	delta, dn := h, int64(0)
	if op == opPut {
		dn = 1
	}
	if old.Op == opPut {
		delta ^= old.H
		dn--
	}
	row := pendingChange{seq: seq, op: op, v: v, h: h, at: l.now().Unix()}
	if deferred {
		l.mu.Lock()
		row.order = len(ts.changes)
		if isPending {
			row.order = pending.order
		}
		ts.changes[key] = row
		l.mu.Unlock()
	} else if err := writeChanges(db, []changeKey{key}, []pendingChange{row}); err != nil {
		return err
	}
	l.touch(app, s)
	return l.addToChecksum(app, s, delta, dn)
}

// addToChecksum xors delta into the scope's checksum and adds dn to its record count. The xor
// is done here, not in SQL: SQLite has no xor operator and its integer overflow turns to float.
// The scope's row is read once per transaction and written at each change.
func (l *changeLog) addToChecksum(app core.App, s Scope, delta, dn int64) error {
	ts, err := l.tx(app)
	if err != nil {
		return err
	}
	l.mu.Lock()
	cur, ok := ts.checksums[s]
	l.mu.Unlock()
	db := app.DB()
	if !ok {
		err := db.Select("checksum", "n").From("fs_sync_scopes").Where(dbx.HashExp{"scope": string(s)}).One(&cur)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("read checksum: %w", err)
		}
	}
	cur.Checksum ^= delta
	cur.N += dn
	l.mu.Lock()
	ts.checksums[s] = cur
	deferred := ts.deferred
	if deferred {
		ts.dirty[s] = true
	}
	l.mu.Unlock()
	if deferred {
		return nil
	}
	return writeChecksum(db, s, cur)
}

func writeChecksum(db dbx.Builder, s Scope, cur scopeSum) error {
	_, err := db.NewQuery(`INSERT INTO fs_sync_scopes (scope, checksum, n) VALUES ({:s}, {:c}, {:n})
		ON CONFLICT (scope) DO UPDATE SET checksum = excluded.checksum, n = excluded.n`).
		Bind(dbx.Params{"s": string(s), "c": cur.Checksum, "n": cur.N}).Execute()
	if err != nil {
		return fmt.Errorf("write checksum: %w", err)
	}
	return nil
}

// deferWrites lets tx's owner write the transaction's bookkeeping rows at its end, by
// flushWrites before tx commits, instead of at every change: a push group of a hundred
// creates in one scope writes each scope's checksum row once, and its hundred change rows and
// hundred record rows with a few statements each (see bulk). Until then the rows live in the
// transaction's state, which every read of them by the change log consults first; nothing
// else reads them inside a push's transaction. Only an owner that calls flushWrites on every
// path to a commit may ask for it; every other transaction writes the rows as it goes.
func (l *changeLog) deferWrites(tx core.App) error {
	ts, err := l.tx(tx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	ts.deferred = true
	l.mu.Unlock()
	return nil
}

// flushWrites writes the rows tx deferred since deferWrites, and writes the rows of any later
// change as it happens.
func (l *changeLog) flushWrites(tx core.App) error {
	ts, err := l.tx(tx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	sums := make(map[Scope]scopeSum, len(ts.dirty))
	for s := range ts.dirty {
		sums[s] = ts.checksums[s]
	}
	keys := slices.SortedFunc(maps.Keys(ts.changes), func(a, b changeKey) int {
		return ts.changes[a].order - ts.changes[b].order
	})
	rows := make([]pendingChange, len(keys))
	for i, k := range keys {
		rows[i] = ts.changes[k]
	}
	states := make(map[string]state, len(ts.states))
	for key := range ts.states {
		states[key] = ts.records[key]
	}
	clear(ts.dirty)
	clear(ts.changes)
	clear(ts.states)
	ts.deferred = false
	l.mu.Unlock()
	db := tx.DB()
	if err := writeChanges(db, keys, rows); err != nil {
		return err
	}
	if err := saveStates(db, states); err != nil {
		return err
	}
	for _, s := range slices.Sorted(maps.Keys(sums)) {
		if err := writeChecksum(db, s, sums[s]); err != nil {
			return err
		}
	}
	return nil
}

// writeChanges upserts change rows, a few statements for any number of them (see bulk).
func writeChanges(db dbx.Builder, keys []changeKey, rows []pendingChange) error {
	values := make([][]any, len(keys))
	for i, k := range keys {
		r := rows[i]
		values[i] = []any{string(k.scope), k.coll, k.rid, r.seq, r.op, r.v, r.h, r.at}
	}
	err := bulk.Insert(db, "INSERT INTO fs_sync_changes (scope, coll, rid, seq, op, v, h, at)",
		`ON CONFLICT (scope, coll, rid) DO UPDATE SET seq = excluded.seq, op = excluded.op,
			v = excluded.v, h = excluded.h, at = excluded.at`, values)
	if err != nil {
		return fmt.Errorf("write changes: %w", err)
	}
	return nil
}

// recordHash is the hash a scope checksum is made of. Clients compute the same over their
// local copies to detect drift: FNV-1a 64 of "coll/id/v", as a signed 64-bit integer.
func recordHash(coll, id string, v int64) int64 {
	f := fnv.New64a()
	fmt.Fprintf(f, "%s/%s/%d", coll, id, v)
	return int64(f.Sum64())
}

// changedFields lists the fields of r, as just written, whose values differ from the state
// the update replaced. The "updated" stamp counts: a save that changes nothing else still
// moves it, and phones must see the same stamp as the server.
func changedFields(r *core.Record) []string {
	out := []string{}
	prev := atomic.Previous(r)
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if !reflect.DeepEqual(prev.Get(name), r.Get(name)) {
			out = append(out, name)
		}
	}
	return out
}

func fieldNames(r *core.Record) []string {
	out := make([]string, 0, len(r.Collection().Fields))
	for _, f := range r.Collection().Fields {
		out = append(out, f.GetName())
	}
	return out
}
