package sync

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
)

// Command is a named, versioned workflow step a phone can push, such as approving an
// inspection. Status changes go through commands, not raw field patches, so the rules of each
// step are checked in one place whichever client sends it.
type Command struct {
	// Coll is the collection of the record the command acts on.
	Coll string
	// Run checks the step's rules for actor and changes r; it does not save r. A refusal is
	// returned as a *fault.Error or validation error and becomes a rejected outcome.
	Run func(app core.App, actor access.Actor, r *core.Record, args map[string]any) error
}

var commands = map[string]Command{}

// RegisterCommand adds a command under its versioned name, e.g. "inspection.review@1". The
// workflow packages call it from init, since the table is shared by every app in the process;
// a name registered twice is a programming error.
func RegisterCommand(name string, c Command) {
	if _, dup := commands[name]; dup {
		panic("sync: command registered twice: " + name)
	}
	commands[name] = c
}

// CommandRequest runs a command through the REST door: POST /api/fs/commands.
type CommandRequest struct {
	Name string         `json:"name"`
	Coll string         `json:"coll"`
	ID   string         `json:"id"`
	Args map[string]any `json:"args"`
}

// RunCommand applies a command to a record for auth through the REST door, with exactly the
// rules a pushed command meets, and returns the record as saved. A record the caller may not
// see answers like a missing one.
func (s *Service) RunCommand(auth *core.Record, req CommandRequest) (*core.Record, error) {
	m := Mutation{MID: 1, Op: OpCmd, Coll: req.Coll, ID: req.ID, Name: req.Name, Args: req.Args}
	if bad := m.validate(); bad != nil {
		return nil, bad
	}
	var out *core.Record
	err := s.app.RunInTransaction(func(tx core.App) error {
		coll, err := tx.FindCachedCollectionByNameOrId(req.Coll)
		if err != nil {
			return errNotFound
		}
		a := &applier{s: s, tx: tx, auth: auth, actor: access.ActorFromAuth(auth), coll: coll, m: m,
			door: access.DoorREST}
		if _, err := a.command(); err != nil {
			return err
		}
		out, err = tx.FindRecordById(coll, req.ID)
		return err
	})
	return out, err
}
