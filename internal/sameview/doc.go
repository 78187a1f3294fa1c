// Package sameview holds no code, only the test that what the sync protocol gives each user is
// exactly what REST lets the same user list: every synced collection, every role, on a
// generated dataset of all 29 subdistricts. The sync scopes (internal/sync/scope.go) restate
// the collections' API rules in Go; this is the proof that the two say the same, and
// internal/ruleguard keeps the rules from being edited away from the migrations' afterwards.
package sameview
