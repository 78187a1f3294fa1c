package access

import (
	"context"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// A save that names no writer is attributed to the user of the request it is made for, when
// it is made with that request's context (SaveWithContext(e.Request.Context(), r) in Go,
// e.app.saveWithContext(e.request.context(), r) in a JS hook): the server writing on a user's
// behalf writes with that user's rights, never more. Saves with no request behind them stay
// unattributed and fail closed (AttributionOf).

// requesterID is the id of the middleware that puts the requesting user into the context.
const requesterID = "fieldsyncRequester"

type requesterKey struct{}

// withRequester returns ctx carrying a as the author of unattributed saves made with it.
func withRequester(ctx context.Context, a Attribution) context.Context {
	return context.WithValue(ctx, requesterKey{}, a)
}

// requesterOf returns the attribution ctx carries, if any.
func requesterOf(ctx context.Context) (Attribution, bool) {
	if ctx == nil {
		return Attribution{}, false
	}
	a, ok := ctx.Value(requesterKey{}).(Attribution)
	return a, ok
}

// attributeFromContext attributes an unattributed r to the requester ctx carries.
func attributeFromContext(ctx context.Context, r *core.Record) {
	if isAttributed(r) {
		return
	}
	if a, ok := requesterOf(ctx); ok {
		Attribute(r, a)
	}
}

// bindRequester makes every request's context carry its user, once the auth token is loaded.
func bindRequester(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       requesterID,
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 10,
			Func: func(e *core.RequestEvent) error {
				a := Attribution{Actor: ActorFromAuth(e.Auth), Door: DoorHook}
				e.Request = e.Request.WithContext(withRequester(e.Request.Context(), a))
				return e.Next()
			},
		})
		return se.Next()
	})
	for _, h := range []*hook.TaggedHook[*core.RecordEvent]{app.OnRecordCreate(), app.OnRecordUpdate()} {
		h.Bind(&hook.Handler[*core.RecordEvent]{
			Id:       requesterID,
			Priority: -1000, // before every policy and audit hook reads the attribution
			Func: func(e *core.RecordEvent) error {
				attributeConsequence(e.Record)
				attributeFromContext(e.Context, e.Record)
				return e.Next()
			},
		})
	}
	app.OnRecordDelete().Bind(&hook.Handler[*core.RecordEvent]{
		Id:       requesterID,
		Priority: -1000,
		Func: func(e *core.RecordEvent) error {
			attributeConsequence(e.Record)
			attributeFromContext(e.Context, e.Record)
			deleting.Store(e.Record.Id, OnBehalfOf(e.Record))
			defer deleting.Delete(e.Record.Id)
			return e.Next()
		},
	})
}

// deleting holds, while a record is being deleted, who deletes it. PocketBase then removes its
// id from the records that refer to it, or deletes them if the relation cascades, with saves
// that carry neither an attribution nor a context: they are the deleter's doing. The map
// holds a record only while its delete runs; a record referring to two records that two
// people delete at the same moment is attributed to either of them.
var deleting sync.Map // record id → Attribution of its deleter

// attributeConsequence attributes an unattributed r to the deleter of a record r refers to
// (or referred to, before PocketBase removed the id).
func attributeConsequence(r *core.Record) {
	if isAttributed(r) || r.IsNew() {
		return
	}
	for _, f := range r.Collection().Fields {
		if _, ok := f.(*core.RelationField); !ok {
			continue
		}
		for _, id := range r.Original().GetStringSlice(f.GetName()) {
			if a, ok := deleting.Load(id); ok {
				Attribute(r, a.(Attribution))
				return
			}
		}
	}
}
