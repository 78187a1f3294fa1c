package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"
)

// Connector makes connections with a statement cache. It implements driver.Connector.
type Connector struct {
	base driver.Connector
	size int
	// prepares and hits count cache misses and hits over all connections, for tests and
	// benchmarks.
	prepares, hits atomic.Int64
	// checkpointPath is the database file whose checkpointer this connector holds, if any
	// (see startCheckpoints); guarded by checkpointers.mu.
	checkpointPath string
}

// Connect opens a connection of the underlying driver and gives it a cache.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	raw, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	bc, ok := raw.(baseConn)
	if !ok {
		raw.Close()
		return nil, fmt.Errorf("sqlite: the driver's connection %T lacks context methods", raw)
	}
	return &conn{baseConn: bc, owner: c, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// Driver returns the underlying driver.
func (c *Connector) Driver() driver.Driver { return c.base.Driver() }

// Stats returns how many statements were prepared and how many uses found one prepared.
func (c *Connector) Stats() (prepares, hits int64) { return c.prepares.Load(), c.hits.Load() }

// baseConn is what database/sql uses of a modernc.org/sqlite connection; embedding it
// forwards everything the cache does not change.
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// conn is a connection with its cache. database/sql never uses a connection from two
// goroutines at once (rows included), but an open rows may still hold a statement while
// the same connection runs another query: a statement in use is never handed out twice.
type conn struct {
	baseConn
	owner   *Connector
	mu      sync.Mutex
	byQuery map[string]*list.Element // of *entry
	lru     *list.List               // most recently used first
}

type entry struct {
	query   string
	stmt    driver.Stmt
	inUse   bool
	evicted bool // dropped from the cache while in use: close on release
}

// QueryContext runs query on its cached statement, preparing it on first use.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	e, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.baseConn.QueryContext(ctx, query, args)
	}
	rows, err := e.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(e)
		return nil, err
	}
	br, ok := rows.(baseRows)
	if !ok {
		rows.Close()
		c.release(e)
		return c.baseConn.QueryContext(ctx, query, args)
	}
	return &cachedRows{baseRows: br, release: func() { c.release(e) }}, nil
}

// ExecContext runs query on its cached statement, preparing it on first use.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.baseConn.ExecContext(ctx, query, args)
	}
	defer c.release(e)
	return e.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// take returns query's statement marked in use, or nil when it is already in use and the
// caller should run the query uncached.
func (c *conn) take(ctx context.Context, query string) (*entry, error) {
	c.mu.Lock()
	if el, ok := c.byQuery[query]; ok {
		e := el.Value.(*entry)
		if e.inUse {
			c.mu.Unlock()
			return nil, nil
		}
		e.inUse = true
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		c.owner.hits.Add(1)
		return e, nil
	}
	c.mu.Unlock()
	st, err := c.baseConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if !canRun(st) {
		st.Close()
		return nil, nil
	}
	c.owner.prepares.Add(1)
	e := &entry{query: query, stmt: st, inUse: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byQuery[query] = c.lru.PushFront(e)
	c.evictLocked()
	return e, nil
}

func canRun(st driver.Stmt) bool {
	_, q := st.(driver.StmtQueryContext)
	_, x := st.(driver.StmtExecContext)
	return q && x
}

// evictLocked drops the least recently used statements beyond the cache's size.
func (c *conn) evictLocked() {
	for el := c.lru.Back(); el != nil && c.lru.Len() > c.owner.size; {
		prev := el.Prev()
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.byQuery, e.query)
		if e.inUse {
			e.evicted = true
		} else {
			e.stmt.Close()
		}
		el = prev
	}
}

func (c *conn) release(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.inUse = false
	if e.evicted {
		e.stmt.Close()
	}
}

// Close finalizes the cached statements, then closes the connection.
func (c *conn) Close() error {
	c.mu.Lock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry)
		if e.inUse {
			e.evicted = true
		} else {
			e.stmt.Close()
		}
	}
	c.lru.Init()
	clear(c.byQuery)
	c.mu.Unlock()
	return c.baseConn.Close()
}

// baseRows is what database/sql uses of the driver's rows.
type baseRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows gives its statement back to the cache when closed; the driver has reset it.
type cachedRows struct {
	baseRows
	release func()
	closed  bool
}

func (r *cachedRows) Close() error {
	err := r.baseRows.Close()
	if !r.closed {
		r.closed = true
		r.release()
	}
	return err
}
