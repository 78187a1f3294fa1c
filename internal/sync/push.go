package sync

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// GapError says a push skipped mids: the client must resend from Expected.
type GapError struct {
	Expected int64
	Results  []json.RawMessage
}

func (g *GapError) Error() string { return fmt.Sprintf("mid gap: expected %d", g.Expected) }

// Push applies req's mutations for the actor in order. Each new mutation runs in its own
// transaction that also stores its outcome and advances the client's last mid, so a mutation
// is applied exactly once: a repeat of a stored mid returns the stored outcome byte for byte,
// and a crash either keeps both the change and its outcome or neither. A rule's refusal
// becomes a stored "rejected" outcome and never stops the mutations after it; a server error
// stops the push without storing anything for that mid, so the client retries it.
func (s *Service) Push(auth *core.Record, client *core.Record, req PushRequest) (*PushResponse, error) {
	if len(req.Mutations) > s.cfg.MaxMutations {
		return nil, fault.New(fault.Invalid, "too_many_mutations",
			fmt.Sprintf("每次最多推送 %d 条", s.cfg.MaxMutations),
			fmt.Sprintf("at most %d mutations per push", s.cfg.MaxMutations))
	}
	res := &PushResponse{Results: []json.RawMessage{}}
	last := int64(client.GetInt("last_mid"))
	for _, m := range req.Mutations {
		switch {
		case m.MID > 0 && m.MID <= last:
			stored, err := s.storedOutcome(client.GetString("client_id"), m.MID)
			if err != nil {
				return nil, err
			}
			res.Results = append(res.Results, stored)
			continue
		case m.MID != last+1:
			res.LastMID = last
			return res, &GapError{Expected: last + 1, Results: res.Results}
		}
		out, err := s.applyOnce(auth, client, m)
		if err != nil {
			res.LastMID = last
			return res, err
		}
		res.Results = append(res.Results, out)
		last = m.MID
	}
	res.LastMID = last
	return res, nil
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

// applyOnce applies m and stores its outcome; a refusal is stored as rejected.
func (s *Service) applyOnce(auth, client *core.Record, m Mutation) (json.RawMessage, error) {
	var out json.RawMessage
	err := s.app.RunInTransaction(func(tx core.App) error {
		r, err := s.apply(tx, auth, client.GetString("client_id"), m)
		if err != nil {
			return err
		}
		out, err = s.storeOutcome(tx, client, r)
		return err
	})
	if err == nil {
		return out, nil
	}
	refusal, ok := asRefusal(err)
	if !ok {
		return nil, err
	}
	err = s.app.RunInTransaction(func(tx core.App) error {
		r := Result{MID: m.MID, Outcome: Rejected, Coll: m.Coll, ID: m.ID,
			Code: refusal.code, Message: refusal.message, Fields: refusal.fields}
		issue, err := s.raiseIssue(tx, auth, client.GetString("client_id"), m, issueRejected, r, nil)
		if err != nil {
			return err
		}
		r.Issue = issue
		out, err = s.storeOutcome(tx, client, r)
		return err
	})
	return out, err
}

func (s *Service) storeOutcome(tx core.App, client *core.Record, r Result) (json.RawMessage, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode outcome: %w", err)
	}
	_, err = tx.DB().Insert("fs_sync_outcomes", dbx.Params{
		"client": client.GetString("client_id"), "mid": r.MID, "result": raw}).Execute()
	if err != nil {
		return nil, fmt.Errorf("store outcome: %w", err)
	}
	_, err = tx.DB().Update(schema.SyncClients, dbx.Params{"last_mid": r.MID},
		dbx.HashExp{"id": client.Id}).Execute()
	if err != nil {
		return nil, fmt.Errorf("advance last mid: %w", err)
	}
	client.Set("last_mid", r.MID)
	return raw, nil
}

// apply performs m inside tx and returns its outcome, or a refusal error.
func (s *Service) apply(tx core.App, auth *core.Record, device string, m Mutation) (Result, error) {
	if bad := m.validate(); bad != nil {
		return Result{}, bad
	}
	coll, err := tx.FindCachedCollectionByNameOrId(m.Coll)
	if err != nil {
		return Result{}, fmt.Errorf("collection %s: %w", m.Coll, err)
	}
	a := &applier{s: s, tx: tx, auth: auth, actor: access.ActorFromAuth(auth), coll: coll, m: m, device: device}
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
}

// asRefusal tells a rule's refusal (stored as rejected) from a server failure (not stored).
func asRefusal(err error) (refusal, bool) {
	if fe, ok := fault.As(err); ok && fe.Kind != fault.Internal {
		return refusal{code: fe.Code, message: fe.Message()}, true
	}
	if fields, msg, ok := validationFields(err); ok {
		return refusal{code: "validation_failed", message: msg, fields: fields}, true
	}
	if status, msg, ok := apiErrorStatus(err); ok && status >= 400 && status < 500 {
		return refusal{code: "refused_by_hook", message: msg}, true
	}
	return refusal{}, false
}
