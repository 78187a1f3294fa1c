// Package bulk inserts many rows with few statements. A push group writes a hundred change
// rows, bookkeeping rows and audit rows at its end; one statement per row would pay, for each,
// dbx's rewrite of the statement's text and database/sql's round of preparing, binding and
// stepping. Rows are written in chunks of fixed sizes, so that a statement's text, and its
// prepared form in each connection's statement cache, is one of a few for any number of rows.
// Values are bound, never spliced into the text.
package bulk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
)

// chunks are the numbers of rows one statement carries, largest first: 100 rows take seven
// statements (6 × 16 + 4). Larger chunks would save little more, and dbx, when a query log
// is on (PocketBase's --dev, the statement counters of the benchmarks), rewrites a statement's
// text once per parameter: its cost grows with the square of the chunk.
var chunks = []int{16, 4, 1}

// Insert writes rows with "<head> VALUES (…), (…) <tail>": head names the table and its
// columns ("INSERT INTO t (a, b)"), tail may hold an ON CONFLICT clause, and every row holds
// one value per column. Rows are inserted in their order; a failing statement leaves the
// chunks before it written, so callers that need all or none write inside a transaction.
func Insert(db dbx.Builder, head, tail string, rows [][]any) error {
	for i, row := range rows {
		if len(row) != len(rows[0]) {
			return fmt.Errorf("bulk: row %d has %d values, row 0 has %d", i, len(row), len(rows[0]))
		}
	}
	for len(rows) > 0 {
		n := chunks[len(chunks)-1]
		for _, c := range chunks {
			if c <= len(rows) {
				n = c
				break
			}
		}
		sql, params := statement(head, tail, rows[:n])
		if _, err := db.NewQuery(sql).Bind(params).Execute(); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// statement builds the statement of one chunk and its parameters, named p<row>_<column>.
func statement(head, tail string, rows [][]any) (string, dbx.Params) {
	var b strings.Builder
	params := make(dbx.Params, len(rows)*len(rows[0]))
	b.WriteString(head)
	b.WriteString(" VALUES ")
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			name := "p" + strconv.Itoa(i) + "_" + strconv.Itoa(j)
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("{:" + name + "}")
			params[name] = v
		}
		b.WriteByte(')')
	}
	if tail != "" {
		b.WriteByte(' ')
		b.WriteString(tail)
	}
	return b.String(), params
}
