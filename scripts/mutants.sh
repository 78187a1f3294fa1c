#!/usr/bin/env bash
# Mutation testing of the sync model test: plants one fault at a time in a temporary copy of
# the committed tree (git archive HEAD; the work tree is never touched), runs the model test
# against it, then, for a fault the model test missed, the client package's tests, and reports
# which test and seed caught it.
# Exits non-zero if a fault survives, or if a fault no longer applies (the code it edits has
# moved: update its pattern).
#
#   bash scripts/mutants.sh            # or: make mutants
#   MUTANT_SEEDS=100 bash scripts/mutants.sh
#   MUTANT_ONLY=cursor bash scripts/mutants.sh   # only the faults whose name contains this
set -euo pipefail
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
root="$(git rev-parse --show-toplevel)"
seeds="${MUTANT_SEEDS:-30}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$root" archive HEAD | tar -x -C "$work"

# name | file | perl substitution (applied once to the file)
mutants=(
	'a patch drops the address field|internal/sync/apply.go|s/\t\tr\.Set\(field, mine\)\n/\t\tif field != "address" {\n\t\t\tr.Set(field, mine)\n\t\t}\n/'
	'a conflict keeps the client value (wrong winner)|internal/sync/policy.go|s/return server, ServerKept/return client, ServerKept/'
	'an appended conflict drops the client text|internal/sync/policy.go|s/return s \+ "\\n\\n" \+ c, Appended/return s, Appended/'
	'a merge is answered as applied|internal/sync/apply.go|s/outcome = Merged/outcome = Applied/'
	'the change-log row of every version 2 is skipped|internal/sync/changelog.go|s/(\tfor _, s := range scopes \{\n)/$1\t\tif st.V == 2 {\n\t\t\tcontinue\n\t\t}\n/'
	'the pull cursor is off by one|internal/sync/pull.go|s/NewExp\("seq > \{:c\}", dbx\.Params\{"c": sr\.Cursor\}\)/NewExp("seq > {:c}", dbx.Params{"c": sr.Cursor + 1})/'
	'a scope a record left is not removed|internal/sync/changelog.go|s/if !slices\.Contains\(scopes, s\) \{/if false \&\& !slices.Contains(scopes, s) {/'
	'field versions forget which device wrote them|internal/sync/changelog.go|s/st\.FV\[f\] = fieldVersion\{V: st\.V, By: device\}/st.FV[f] = fieldVersion{V: st.V, By: device[:0]}/'
	'a decline leaves the finding with the agency|internal/rectify/referral.go|s/f\.Set\(schema\.FieldAgency, ""\)/f.Set(schema.FieldAgency, f.GetString(schema.FieldAgency))/'
	'the server answers no reset below the horizon|internal/sync/pull.go|s/case cur\.Cursor > 0 && cur\.since\(\) < horizon:/case false \&\& cur.Cursor > 0 \&\& cur.since() < horizon:/'
	'a reset drops the unsent edits|mobile-api/client/pull.go|s/(rep\.Reset = append\(rep\.Reset, sc\)\n)/$1\t\tif _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE acked = 0"); err != nil {\n\t\t\treturn err\n\t\t}\n/'
	'a reset keeps the records its download did not send|mobile-api/client/pull.go|s/(rep\.Reset = append\(rep\.Reset, sc\)\n)\t\tif err := markStale\(ctx, tx, sc\); err != nil \{\n\t\t\treturn err\n\t\t\}\n/$1/'
)

survived=0
printf '| fault | caught by |\n|---|---|\n'
for m in "${mutants[@]}"; do
	IFS='|' read -r name file sub <<<"$m"
	[[ "$name" == *"${MUTANT_ONLY:-}"* ]] || continue
	cp "$work/$file" "$work/$file.orig"
	perl -0pi -e "$sub" "$work/$file"
	if cmp -s "$work/$file" "$work/$file.orig"; then
		printf '| %s | NOT APPLIED: the pattern no longer matches %s |\n' "$name" "$file"
		survived=1
		mv "$work/$file.orig" "$work/$file"
		continue
	fi
	log="$work/out.log"
	(cd "$work" && go test -count=1 -failfast ./internal/sync/ -run TestModel_RandomSeeds -sync.seeds="$seeds" >"$log" 2>&1) || true
	caught=""
	if grep -q -- '--- FAIL' "$log"; then
		seed="$(grep -o -- '-sync.seed=[0-9]*' "$log" | head -1 | cut -d= -f2)"
		where="$(grep -oE '(oracle|model)_test\.go:[0-9]+' "$log" | head -1)"
		caught="TestModel_RandomSeeds seed ${seed:-?} (${where:-build/other})"
	fi
	if [ -z "$caught" ]; then
		(cd "$work" && go test -count=1 -failfast ./mobile-api/client/ >"$log" 2>&1) || true
	fi
	if [ -n "$caught" ]; then
		:
	elif grep -q -- '--- FAIL' "$log"; then
		ct="$(grep -oE -- '--- FAIL: [^ ]+' "$log" | head -1 | cut -d' ' -f3)"
		caught="${caught:+$caught; }client $ct"
	elif grep -q '^FAIL' "$log"; then
		caught="${caught:+$caught; }client (build failed)"
	fi
	if [ -z "$caught" ]; then
		caught="SURVIVED"
		survived=1
	fi
	printf '| %s | %s |\n' "$name" "$caught"
	mv "$work/$file.orig" "$work/$file"
done
exit "$survived"
