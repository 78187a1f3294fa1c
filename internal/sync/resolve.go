package sync

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// Decisions on a sync issue.
const (
	// Accept applies what the author sent: a quarantined mutation as it was, or the author's
	// values of a conflict. Supervisors of the issue's subdistrict decide it.
	Accept = "accept"
	// Discard closes the issue and keeps the server's state.
	Discard = "discard"
	// Acknowledge is the author's "I have seen it" on their own issue.
	Acknowledge = "acknowledge"
)

var (
	errIssueClosed = fault.New(fault.Conflict, "issue_closed", "该问题已处理", "this issue is already resolved")
	errBadDecision = fault.New(fault.Invalid, "bad_decision",
		"处理决定须为 accept、discard 或 acknowledge", "decision must be accept, discard or acknowledge")
	errCannotAccept = fault.New(fault.Invalid, "cannot_accept_rejected",
		"被规则拒绝的修改不能直接采纳，请重新录入", "a mutation a rule rejected cannot be accepted; enter it again")
	errIssueNotFound = fault.New(fault.NotExist, "not_found", "问题不存在", "no such issue")
)

// Resolve records auth's decision on a sync issue. Accepting applies the author's change as
// the deciding supervisor, with the same rules as any other write; if a rule refuses it, the
// issue stays open and the refusal is returned.
func (s *Service) Resolve(auth *core.Record, issueID, decision string) (*core.Record, error) {
	actor := access.ActorFromAuth(auth)
	var issue *core.Record
	err := s.app.RunInTransaction(func(tx core.App) error {
		var err error
		issue, err = tx.FindRecordById(schema.SyncIssues, issueID)
		if err != nil || !mayDecide(actor, issue, decision) {
			// A decision the caller may not take looks like a missing issue: it reveals nothing.
			return errIssueNotFound
		}
		if issue.GetString("status") != "open" {
			return errIssueClosed
		}
		status := map[string]string{Accept: "accepted", Discard: "discarded", Acknowledge: "acknowledged"}[decision]
		if decision == Accept {
			if err := s.acceptIssue(tx, auth, issue); err != nil {
				return err
			}
		}
		issue.Set("status", status)
		issue.Set("resolved_by", auth.Id)
		issue.Set("resolved_at", types.NowDateTime())
		access.Attribute(issue, access.Attribution{Actor: actor, Door: access.DoorSync, Trusted: true})
		return tx.Save(issue)
	})
	if err != nil {
		if r, ok := asRefusal(err); ok && !isFault(err) {
			return nil, &fault.Error{Kind: fault.Invalid, Code: r.code, ZH: r.message, Fields: r.fields, Err: err}
		}
		return nil, err
	}
	return issue, nil
}

func isFault(err error) bool {
	_, ok := fault.As(err)
	return ok
}

// mayDecide: authors acknowledge their own issues; supervisors of the issue's subdistrict
// accept or discard.
func mayDecide(a access.Actor, issue *core.Record, decision string) bool {
	switch decision {
	case Acknowledge:
		return issue.GetString("user") == a.ID
	case Accept, Discard:
		return a.Role == access.Supervisor && a.InSubdistrict(issue.GetString(schema.FieldSubdistrict))
	}
	return false
}

// acceptIssue applies the author's change as the supervisor. The review is no installation
// the server ever gave a scope, so a change out of the supervisor's own scopes is refused
// (not_found, forbidden), never quarantined again.
func (s *Service) acceptIssue(tx core.App, auth *core.Record, issue *core.Record) error {
	var m Mutation
	if err := json.Unmarshal([]byte(issue.GetString("mutation")), &m); err != nil {
		return fmt.Errorf("decode issue mutation: %w", err)
	}
	switch issue.GetString("kind") {
	case issueRejected:
		return errCannotAccept
	case issueConflict:
		var values map[string]any
		if err := json.Unmarshal([]byte(issue.GetString("client_value")), &values); err != nil {
			return fmt.Errorf("decode issue values: %w", err)
		}
		st, err := s.log.load(tx, m.Coll, m.ID)
		if err != nil {
			return err
		}
		m = Mutation{MID: m.MID, Op: OpPatch, Coll: m.Coll, ID: m.ID, BaseV: st.V, Set: values}
	}
	_, err := s.apply(tx, auth, origin{device: "review:" + issue.Id}, m)
	return err
}
