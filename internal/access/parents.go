package access

import (
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// A push applies a group of mutations in one transaction, and most of them link the same few
// parents (a day's findings at one place): the field policies would load each parent once
// per linking record. Inside a transaction, the two values they read of a parent, its
// subdistrict and its agency, are therefore kept until the transaction ends or the parent is
// written. Outside a transaction every check reads the parent anew, as before.

// parentLink is what the field policies read of a linked record.
type parentLink struct{ subdistrict, agency string }

// parentCache holds, per open transaction, the links read in it by "collection/id". A
// missing record is never kept: it may be created later in the same transaction.
type parentCache struct {
	mu  sync.Mutex
	txs map[*core.TxAppInfo]map[string]parentLink
}

var parents = parentCache{txs: map[*core.TxAppInfo]map[string]parentLink{}}

// bindParentCache forgets a record's link whenever it is written, before the write, so no
// later check in the transaction can read a value the write changed.
func bindParentCache(app core.App) {
	forget := func(e *core.RecordEvent) error {
		parents.forget(e.App, e.Record.Collection().Name, e.Record.Id)
		return e.Next()
	}
	app.OnRecordUpdateExecute().BindFunc(forget)
	app.OnRecordDeleteExecute().BindFunc(forget)
}

// link returns the subdistrict and agency of coll/id as app sees them; ok is false when the
// record does not exist.
func (c *parentCache) link(app core.App, coll, id string) (parentLink, bool) {
	info := app.TxInfo()
	key := coll + "/" + id
	if info != nil {
		c.mu.Lock()
		l, ok := c.txs[info][key]
		c.mu.Unlock()
		if ok {
			return l, true
		}
	}
	l, err := readLink(app, coll, id)
	if err != nil {
		return parentLink{}, false
	}
	if info != nil {
		c.mu.Lock()
		m, open := c.txs[info]
		if !open {
			m = map[string]parentLink{}
			c.txs[info] = m
			info.OnComplete(func(error) error {
				c.mu.Lock()
				delete(c.txs, info)
				c.mu.Unlock()
				return nil
			})
		}
		m[key] = l
		c.mu.Unlock()
	}
	return l, true
}

// readLink reads the two values of coll/id the field policies need, and nothing else: a
// whole record (every column scanned and converted) cost a create about as much as its own
// insert, for each parent it links. A collection without one of the fields reads "" for it,
// as Record.GetString would.
func readLink(app core.App, coll, id string) (parentLink, error) {
	c, err := app.FindCachedCollectionByNameOrId(coll)
	if err != nil {
		return parentLink{}, err
	}
	column := func(name string) string {
		if c.Fields.GetByName(name) == nil {
			return "''"
		}
		return "[[" + name + "]]"
	}
	var l parentLink
	err = app.DB().NewQuery("SELECT "+column(schema.FieldSubdistrict)+", "+column(schema.FieldAgency)+
		" FROM {{"+c.Name+"}} WHERE [[id]] = {:id}").Bind(dbx.Params{"id": id}).Row(&l.subdistrict, &l.agency)
	return l, err
}

func (c *parentCache) forget(app core.App, coll, id string) {
	info := app.TxInfo()
	if info == nil {
		return
	}
	c.mu.Lock()
	delete(c.txs[info], coll+"/"+id)
	c.mu.Unlock()
}
