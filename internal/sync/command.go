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
// programme packages call it from their Register functions; a name registered twice is a
// programming error.
func RegisterCommand(name string, c Command) {
	if _, dup := commands[name]; dup {
		panic("sync: command registered twice: " + name)
	}
	commands[name] = c
}
