package sync

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// A mutation on a record whose scopes its author does not hold is quarantined for the
// scope's supervisors only if the author held the scope when making it, and lost it while
// offline; any other is answered exactly as if the record did not exist, so a push can
// neither inject records into a stranger's subdistrict nor tell hidden records from missing
// ones. Three histories make the difference: when each user held each scope
// (fs_sync_memberships), when the server gave each installation each scope (fs_sync_handed),
// and when each record was created (fs_sync_records.born).

// memberScopes keeps the scopes a membership gives (subdistricts, agencies): the ones a user
// can lose. Reference data and a user's own records belong to every staff member.
func memberScopes(scopes []Scope) []Scope {
	return slices.DeleteFunc(slices.Clone(scopes), func(sc Scope) bool {
		return !sc.Valid() || !(strings.HasPrefix(string(sc), "sd:") || strings.HasPrefix(string(sc), "ag:"))
	})
}

// stamp renders t as the histories store times: a PocketBase datetime, which sorts as text,
// and "" for the zero time (before the histories began).
func stamp(t time.Time) string {
	d, _ := types.ParseDateTime(t)
	return d.String()
}

func unstamp(s string) time.Time {
	d, _ := types.ParseDateTime(s)
	return d.Time()
}

// registerMemberships keeps fs_sync_memberships in step with the users' role, subdistricts
// and agency. Model hooks fire for every save, whichever door it came through (admin UI, REST,
// JS hooks, server code), inside the save's transaction, so the history never disagrees with
// the accounts.
func (s *Service) registerMemberships(app core.App) {
	keep := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return s.keepMemberships(e.App, e.Record.Id, memberScopes(ScopesOf(access.ActorFromAuth(e.Record))))
	}
	app.OnRecordCreateExecute(schema.Users).BindFunc(keep)
	app.OnRecordUpdateExecute(schema.Users).BindFunc(keep)
	app.OnRecordDeleteExecute(schema.Users).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return s.keepMemberships(e.App, e.Record.Id, nil)
	})
}

// keepMemberships ends user's holdings of the scopes not in held and opens those of held not
// yet open, as of now.
func (s *Service) keepMemberships(tx core.App, user string, held []Scope) error {
	var open []Scope
	err := tx.DB().Select("scope").From("fs_sync_memberships").
		Where(dbx.HashExp{"user": user}).AndWhere(dbx.NewExp("until IS NULL")).Column(&open)
	if err != nil {
		return fmt.Errorf("memberships of %s: %w", user, err)
	}
	at := stamp(s.now())
	for _, sc := range open {
		if slices.Contains(held, sc) {
			continue
		}
		_, err := tx.DB().NewQuery("UPDATE fs_sync_memberships SET until = {:at} WHERE user = {:u} AND scope = {:s} AND until IS NULL").
			Bind(dbx.Params{"at": at, "u": user, "s": string(sc)}).Execute()
		if err != nil {
			return fmt.Errorf("end membership %s of %s: %w", sc, user, err)
		}
	}
	for _, sc := range held {
		if slices.Contains(open, sc) {
			continue
		}
		_, err := tx.DB().Insert("fs_sync_memberships", dbx.Params{"user": user, "scope": string(sc), "since": at}).Execute()
		if err != nil {
			return fmt.Errorf("open membership %s of %s: %w", sc, user, err)
		}
	}
	return nil
}

// handOut records that the server is giving installation clientID scopes, on registration
// or in a download from the start: from now on its user may edit their records offline.
func (s *Service) handOut(clientID string, scopes []Scope) error {
	scopes = memberScopes(scopes)
	if len(scopes) == 0 {
		return nil
	}
	at := stamp(s.now())
	return s.app.RunInTransaction(func(tx core.App) error {
		for _, sc := range scopes {
			_, err := tx.DB().NewQuery(`INSERT INTO fs_sync_handed (client, scope, at) VALUES ({:c}, {:s}, {:at})
				ON CONFLICT (client, scope) DO UPDATE SET at = excluded.at`).
				Bind(dbx.Params{"c": clientID, "s": string(sc), "at": at}).Execute()
			if err != nil {
				return fmt.Errorf("hand out %s: %w", sc, err)
			}
		}
		return nil
	})
}

// handedAt returns when installation clientID was last given scope sc.
func handedAt(tx core.App, clientID string, sc Scope) (time.Time, bool, error) {
	var at string
	err := tx.DB().Select("at").From("fs_sync_handed").
		Where(dbx.HashExp{"client": clientID, "scope": string(sc)}).Row(&at)
	switch {
	case isNoRows(err):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("handed %s: %w", sc, err)
	}
	return unstamp(at), true, nil
}

// memberUntil returns when user's holding of sc at time t ended (zero while it lasts), or
// false if user did not hold sc at t. A holding includes its end when inclusive: the moment
// the server handed the scope out, which it did because the user held it, so a move stamped
// in the same millisecond came after.
func memberUntil(tx core.App, user string, sc Scope, t time.Time, inclusive bool) (time.Time, bool, error) {
	cond := "until IS NULL OR until > {:t}"
	if inclusive {
		cond = "until IS NULL OR until >= {:t}"
	}
	var until string
	err := tx.DB().Select("COALESCE(until, '')").From("fs_sync_memberships").
		Where(dbx.HashExp{"user": user, "scope": string(sc)}).
		AndWhere(dbx.NewExp("since <= {:t}", dbx.Params{"t": stamp(t)})).
		AndWhere(dbx.NewExp(cond, dbx.Params{"t": stamp(t)})).
		OrderBy("since DESC").Limit(1).Row(&until)
	switch {
	case isNoRows(err):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("membership %s of %s: %w", sc, user, err)
	}
	return unstamp(until), true, nil
}

// heldWhenEdited reports whether the author of a's mutation held one of scopes, the scopes of
// the record it acts on, when making it. born is when that record was created (zero for a
// create). The server cannot know when an offline edit was made; the device says so in
// device_time, and its word counts only within what the server knows:
//   - the installation was given the scope, while its user held it: a user who never had the
//     scope on this device cannot have edited its records there;
//   - the edit is no earlier than that (a claim before it, or none, counts as made then) and
//     no later than now;
//   - the user held the scope at that time;
//   - the record was created before that holding ended: a record created later cannot have
//     been edited by a member, whatever time the device claims.
func (a *applier) heldWhenEdited(scopes []Scope, born time.Time) (bool, error) {
	claim := a.editedAt(a.m)
	if now := a.s.now(); claim.After(now) {
		claim = now
	}
	for _, sc := range memberScopes(scopes) {
		handed, ok, err := handedAt(a.tx, a.device, sc)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		t, inclusive := claim, false
		if !claim.After(handed) {
			t, inclusive = handed, true
		}
		until, ok, err := memberUntil(a.tx, a.actor.ID, sc, t, inclusive)
		if err != nil {
			return false, err
		}
		if ok && (until.IsZero() || born.Before(until)) {
			return true, nil
		}
	}
	return false, nil
}

// editedAt is when the device says it made m, read on the server's clock; zero if it does
// not say.
func (o origin) editedAt(m Mutation) time.Time {
	t, err := time.Parse(time.RFC3339, m.DeviceTime)
	if err != nil {
		return time.Time{}
	}
	return t.Add(o.skew)
}

// clockOffset is what to add to a device's clock to read the server's, measured on the
// push's sent_at: zero within the skew tolerance, where network delay and the seconds the
// device's timestamps drop weigh as much as the offset.
func (s *Service) clockOffset(sentAt string) time.Duration {
	t, err := time.Parse(time.RFC3339, sentAt)
	if err != nil {
		return 0
	}
	if d := s.now().Sub(t); d.Abs() > s.cfg.SkewTolerance {
		return d
	}
	return 0
}
