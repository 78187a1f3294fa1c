package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/audit"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// GapError says a push skipped mids: the client must resend from Expected.
type GapError struct {
	Expected int64
	Results  []json.RawMessage
}

func (g *GapError) Error() string { return fmt.Sprintf("mid gap: expected %d", g.Expected) }

// Push applies req's mutations for the actor in order. A new mutation is stored with its
// outcome and the client's advanced last mid in the same transaction as its change, so it is
// applied exactly once: a repeat of a stored mid returns the stored outcome byte for byte,
// and a crash either keeps both the change and its outcome or neither. A rule's refusal
// becomes a stored "rejected" outcome and never stops the mutations after it; a server error
// stops the push without storing anything for that mid, so the client retries it.
//
// Copies of one push may arrive at once (a phone resends a push whose answer is late). Whether
// a mid is new is therefore decided inside the transaction that applies it, which holds the
// database's single writer (see expectLast); a copy that finds its mids stored meanwhile
// answers them from the store, like any repeat.
//
// Consecutive new mutations share a transaction (see applyRun): a phone back from a day
// offline pushes hundreds of small edits, and one commit (one fsync with synchronous=FULL)
// for each would cost more than the edits.
func (s *Service) Push(auth *core.Record, client *core.Record, req PushRequest) (*PushResponse, error) {
	if len(req.Mutations) > s.cfg.MaxMutations {
		return nil, fault.New(fault.Invalid, "too_many_mutations",
			fmt.Sprintf("每次最多推送 %d 条", s.cfg.MaxMutations),
			fmt.Sprintf("at most %d mutations per push", s.cfg.MaxMutations))
	}
	snd := sender{auth: auth, recordID: client.Id,
		origin: origin{device: client.GetString("client_id"), skew: s.clockOffset(req.SentAt)}}
	res := &PushResponse{Results: []json.RawMessage{}}
	// Read before this push held the writer, last may lag behind the store, never run ahead of
	// it: mids up to it are stored for good.
	last := int64(client.GetInt("last_mid"))
	ms := req.Mutations
	for len(ms) > 0 {
		m := ms[0]
		if m.MID > 0 && m.MID <= last {
			stored, err := s.storedOutcome(snd.device, m.MID)
			if err != nil {
				return nil, err
			}
			res.Results = append(res.Results, stored)
			ms = ms[1:]
			continue
		}
		if m.MID != last+1 {
			stored, err := s.lastMID(s.app, snd)
			if err != nil {
				return nil, err
			}
			if stored != last {
				last = stored // another copy moved on meanwhile: judge m again
				continue
			}
			res.LastMID = last
			return res, &GapError{Expected: last + 1, Results: res.Results}
		}
		run := 1
		for run < len(ms) && ms[run].MID == last+1+int64(run) {
			run++
		}
		outs, err := s.applyRun(snd, ms[:run])
		var stale *staleError
		if errors.As(err, &stale) {
			last = stale.last
			continue
		}
		res.Results = append(res.Results, outs...)
		res.decided = append(res.decided, outs...)
		last += int64(len(outs))
		ms = ms[len(outs):]
		if err != nil {
			res.LastMID = last
			return res, err
		}
	}
	res.LastMID = last
	return res, nil
}

// origin is where a mutation comes from, as applying it needs to know.
type origin struct {
	device string        // the installation's client_id; "review:<issue>" for a supervisor's decision
	skew   time.Duration // what to add to the device's clock to read the server's
}

// sender is the installation a push comes from, as its mutations are applied.
type sender struct {
	origin
	auth     *core.Record
	recordID string // the id of its sync_clients record, which holds its last mid
}

// staleError says that the mids a transaction was to apply were stored meanwhile by another
// copy of the push; last is the client's last mid as stored now. Nothing of the transaction
// remains, and the push answers those mids from the store.
type staleError struct{ last int64 }

func (e *staleError) Error() string { return fmt.Sprintf("mids stored meanwhile, up to %d", e.last) }

// lastMID reads the client's last stored mid.
func (s *Service) lastMID(app core.App, snd sender) (int64, error) {
	var last int64
	err := app.DB().Select("last_mid").From(schema.SyncClients).Where(dbx.HashExp{"id": snd.recordID}).Row(&last)
	if err != nil {
		return 0, fmt.Errorf("read last mid: %w", err)
	}
	return last, nil
}

// expectLast is the first step of every transaction that stores outcomes: it returns a
// staleError unless the client's last stored mid is still want, the mid before the first one
// tx stores. It runs while tx holds the database's single writer, so no other copy of the push
// can store that mid between this check and tx's commit; a check before the transaction, as
// copies sent at once would all pass it, could not tell them apart.
func (s *Service) expectLast(tx core.App, snd sender, want int64) error {
	last, err := s.lastMID(tx, snd)
	if err != nil {
		return err
	}
	if last != want {
		return &staleError{last: last}
	}
	return nil
}

// maxGroupTime bounds how long one transaction of a push holds the database's single writer,
// so that other phones and the supervisors' screens wait at most about this long.
// (A variable only so that a test can hold a group together on a loaded machine.)
var maxGroupTime = 100 * time.Millisecond

// applyRun applies a prefix of the consecutive new mutations ms, at least one of them, and
// returns their outcomes. It applies them in one transaction, committed once maxGroupTime is
// spent. If a mutation fails there, the whole transaction is rolled back: the mutations
// before it are applied again in a transaction of their own, then the failing one is stored
// as rejected if a rule refused it, or the push stops if the server failed. Refusals are
// rare, so the common push pays one commit per group. Each of these transactions checks
// first that its mids are still new, so a staleError may come from any of them.
func (s *Service) applyRun(snd sender, ms []Mutation) ([]json.RawMessage, error) {
	for {
		outs, failedAt, err := s.applyGroup(snd, ms)
		var stale *staleError
		switch {
		case err == nil:
			return outs, nil
		case errors.As(err, &stale):
			return nil, err
		case failedAt > 0:
			ms = ms[:failedAt]
			continue
		}
		refusal, ok := asRefusal(err)
		if !ok {
			return nil, err // a server failure: nothing stored, the client sends it again
		}
		out, err := s.reject(snd, ms[0], refusal)
		if err != nil {
			return nil, err
		}
		return []json.RawMessage{out}, nil
	}
}

// applyGroup applies a prefix of ms in one transaction and returns the outcomes, or the
// index of the mutation that failed, after which nothing of the transaction remains. The
// outcomes are stored, and the client's last mid advanced, once for the group at its end,
// still inside its transaction.
func (s *Service) applyGroup(snd sender, ms []Mutation) ([]json.RawMessage, int, error) {
	var outs []json.RawMessage
	failedAt := 0
	err := s.app.RunInTransaction(func(tx core.App) error {
		start := time.Now() // from when the writer is ours, not from when we began to wait for it
		outs = outs[:0]
		if err := s.expectLast(tx, snd, ms[0].MID-1); err != nil {
			return err
		}
		// The group's bookkeeping rows and audit rows are written once, at its end, each
		// table's with a few statements (see deferWrites and audit.Defer).
		if err := s.log.deferWrites(tx); err != nil {
			return err
		}
		if err := audit.Defer(tx); err != nil {
			return err
		}
		for i, m := range ms {
			if i > 0 && time.Since(start) > maxGroupTime {
				break
			}
			r, err := s.apply(tx, snd.auth, snd.origin, m)
			if err != nil {
				failedAt = i
				return err
			}
			out, err := json.Marshal(r)
			if err != nil {
				failedAt = i
				return fmt.Errorf("encode outcome: %w", err)
			}
			outs = append(outs, out)
		}
		if err := s.log.flushWrites(tx); err != nil {
			return err
		}
		if err := audit.Flush(tx); err != nil {
			return err
		}
		return s.storeOutcomes(tx, snd, ms[0].MID, outs)
	})
	if err != nil {
		return nil, failedAt, err
	}
	return outs, 0, nil
}

func (s *Service) storedOutcome(clientID string, mid int64) (json.RawMessage, error) {
	var raw []byte
	err := s.app.DB().Select("result").From("fs_sync_outcomes").
		Where(dbx.HashExp{"client": clientID, "mid": mid}).Row(&raw)
	if err != nil {
		return nil, fmt.Errorf("stored outcome %d: %w", mid, err)
	}
	return raw, nil
}

// reject stores m's outcome as rejected for refusal, with a sync issue for its author.
func (s *Service) reject(snd sender, m Mutation, refusal refusal) (json.RawMessage, error) {
	var out json.RawMessage
	err := s.app.RunInTransaction(func(tx core.App) error {
		if err := s.expectLast(tx, snd, m.MID-1); err != nil {
			return err
		}
		r := Result{MID: m.MID, Outcome: Rejected, Coll: m.Coll, ID: m.ID,
			Code: refusal.code, Message: refusal.message, Fields: refusal.fields, Messages: refusal.messages}
		issue, err := s.raiseIssue(tx, snd.auth, snd.device, m, issueRejected, r, nil)
		if err != nil {
			return err
		}
		r.Issue = issue
		out, err = s.storeOutcome(tx, snd, r)
		return err
	})
	return out, err
}

func (s *Service) storeOutcome(tx core.App, snd sender, r Result) (json.RawMessage, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode outcome: %w", err)
	}
	return raw, s.storeOutcomes(tx, snd, r.MID, []json.RawMessage{raw})
}

// storeOutcomes stores the outcomes of the consecutive mids first, first+1, ... and advances
// the client's last mid past them: two statements for a group, whatever its size. The
// outcomes travel as one JSON array of strings, so the statement's text, and its prepared
// form, is the same for every group, and each stored outcome is its bytes as encoded.
func (s *Service) storeOutcomes(tx core.App, snd sender, first int64, outs []json.RawMessage) error {
	texts := make([]string, len(outs))
	for i, o := range outs {
		texts[i] = string(o)
	}
	arr, err := json.Marshal(texts)
	if err != nil {
		return fmt.Errorf("encode outcomes: %w", err)
	}
	_, err = tx.DB().NewQuery(`INSERT INTO fs_sync_outcomes (client, mid, result)
		SELECT {:client}, {:first} + key, CAST(value AS BLOB) FROM json_each({:outs})`).
		Bind(dbx.Params{"client": snd.device, "first": first, "outs": string(arr)}).Execute()
	if err != nil {
		return fmt.Errorf("store outcomes: %w", err)
	}
	_, err = tx.DB().Update(schema.SyncClients, dbx.Params{"last_mid": first + int64(len(outs)) - 1},
		dbx.HashExp{"id": snd.recordID}).Execute()
	if err != nil {
		return fmt.Errorf("advance last mid: %w", err)
	}
	return nil
}

// apply performs m inside tx and returns its outcome, or a refusal error.
func (s *Service) apply(tx core.App, auth *core.Record, o origin, m Mutation) (Result, error) {
	if bad := m.validate(); bad != nil {
		return Result{}, bad
	}
	coll, err := tx.FindCachedCollectionByNameOrId(m.Coll)
	if err != nil {
		return Result{}, fmt.Errorf("collection %s: %w", m.Coll, err)
	}
	a := &applier{s: s, tx: tx, auth: auth, actor: access.ActorFromAuth(auth), coll: coll, m: m, origin: o}
	switch m.Op {
	case OpCreate:
		return a.create()
	case OpCmd:
		return a.command()
	default:
		return a.patch()
	}
}

// refusal is a rule's "no", as it travels back to the phone.
type refusal struct {
	code, message string
	fields        map[string]string
	messages      map[string]string // by field, Chinese then English
}

// asRefusal tells a rule's refusal (stored as rejected) from a server failure (not stored).
func asRefusal(err error) (refusal, bool) {
	if fe, ok := fault.As(err); ok && fe.Kind != fault.Internal {
		return refusal{code: fe.Code, message: fe.Message()}, true
	}
	if fields, msg, ok := validationFields(err); ok {
		return refusal{code: "validation_failed", message: msg, fields: fields, messages: fieldMessages(err)}, true
	}
	if status, msg, ok := apiErrorStatus(err); ok && status >= 400 && status < 500 {
		return refusal{code: "refused_by_hook", message: msg}, true
	}
	return refusal{}, false
}
